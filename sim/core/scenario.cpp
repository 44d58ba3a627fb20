#include "core/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace deportsim {

double DatedSeries::at(Date d) const {
    double value = before;
    for (std::size_t i = 0; i < dates.size() && dates[i] <= d; ++i) {
        value = values[i];
    }
    return value;
}

std::array<double, 4> ShelterOutcomes::step_probabilities(double dt_days) const {
    const double rates[4] = {onward_return_per_day, asylum_per_day, permit_per_day,
                             abscond_per_day};
    const double total = rates[0] + rates[1] + rates[2] + rates[3];
    std::array<double, 4> p{0, 0, 0, 0};
    if (total <= 0) {
        return p;
    }
    const double any = -std::expm1(-total * dt_days);
    for (int k = 0; k < 4; ++k) {
        p[k] = any * rates[k] / total;
    }
    return p;
}

double Deterrence::factor(Date today, double removals, double arrivals) const {
    switch (kind) {
    case DeterrenceKind::none:
        return 1.0;
    case DeterrenceKind::series:
        return multiplier->at(today);
    case DeterrenceKind::signal: {
        const double signal = arrivals > 0 ? removals / arrivals : 0.0;
        return std::pow(1.0 + signal / reference, -elasticity);
    }
    }
    return 1.0;
}

bool FlightProgramme::serves(int country) const {
    return any_destination ||
           std::find(destinations.begin(), destinations.end(), country) != destinations.end();
}

double FlightProgramme::scheduled_flights(double dt_days, int step) const {
    const double per_step = flights_per_week * dt_days / 7.0;
    return std::floor(step * per_step + 1e-9) - std::floor((step - 1) * per_step + 1e-9);
}

double FlightProgramme::flights_available(Date today, double dt_days, int step,
                                          double spent) const {
    if (today < start || !(today < end)) {
        return 0.0;
    }
    double flights = scheduled_flights(dt_days, step);
    if (std::isfinite(budget) && cost_per_flight > 0) {
        const double affordable = std::floor((budget - spent) / cost_per_flight + 1e-9);
        flights = std::min(flights, std::max(0.0, affordable));
    }
    return flights;
}

bool Agreement::eligible(const Group& g) const {
    const auto contains = [](const std::vector<int>& v, int x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    if (!contains(profiles, g.profile)) {
        return false;
    }
    if (any_nationality) {
        return !contains(excluded_nationalities, g.nationality);
    }
    return contains(nationalities, g.nationality);
}

int Scenario::steps() const {
    return static_cast<int>(std::ceil((end.days - start.days) / dt_days - 1e-9));
}

Date Scenario::date_of_step(int step) const {
    return Date{start.days + static_cast<int>(std::floor(step * dt_days + 1e-9))};
}

int Scenario::country_index(const std::string& code) const {
    for (std::size_t i = 0; i < countries.size(); ++i) {
        if (countries[i].code == code) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int Scenario::group_index(const std::string& id) const {
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (groups[i].id == id) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int Scenario::detention_facility(int country) const {
    for (std::size_t i = 0; i < facilities.size(); ++i) {
        if (facilities[i].country == country && facilities[i].kind == FacilityKind::detention) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

} // namespace deportsim
