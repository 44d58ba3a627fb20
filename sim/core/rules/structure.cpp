#include "core/rules/structure.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace deportsim::rules {

RunStructure run_structure(const Scenario& s) {
    const double dt = s.dt_days;
    const int countries = static_cast<int>(s.countries.size());
    const int groups = static_cast<int>(s.groups.size());
    RunStructure r;
    r.destination_slot.assign(countries, -1);
    r.group_destination.assign(groups, -1);
    r.group_origin.assign(groups, -1);
    for (const auto& d : s.departures) {
        if (r.destination_slot[d.destination] < 0) {
            r.destination_slot[d.destination] = static_cast<int>(r.destinations.size());
            r.destinations.push_back(d.destination);
        }
        if (r.group_destination[d.group] < 0) {
            r.group_destination[d.group] = r.destination_slot[d.destination];
            r.group_origin[d.group] = d.origin;
        }
    }
    for (const auto& route : s.routes) {
        r.route_steps.push_back(std::max(1, static_cast<int>(std::ceil(route.days / dt - 1e-9))));
    }
    r.detention_ages.assign(countries, 0);
    r.detention_stages.assign(countries, 1);
    for (int c = 0; c < countries; ++c) {
        if (s.detention_facility(c) < 0) {
            continue;
        }
        const auto& e = s.enforcement[c];
        r.detention_countries.push_back(c);
        r.detention_ages[c] =
            std::max(1, static_cast<int>(std::llround(e.max_detention_days / dt)));
        r.detention_stages[c] = std::max(1, e.processing_stages);
    }
    r.return_delay = static_cast<int>(std::max(0L, std::lround(s.remigration.min_delay_days / dt)));
    r.deterrence_window =
        std::max(1, static_cast<int>(std::llround(s.deterrence.window_days / dt)));
    return r;
}

std::vector<double> initial_detention_by_age(const Scenario& s, const RunStructure& structure,
                                             int country, double persons, bool whole) {
    const int spread = std::clamp(
        static_cast<int>(std::lround(s.enforcement[country].processing_mean_days / s.dt_days)), 1,
        structure.detention_ages[country]);
    std::vector<double> shares(spread);
    for (int age = 0; age < spread; ++age) {
        shares[age] = whole ? std::floor((age + 1) * persons / spread + 1e-9) -
                                  std::floor(age * persons / spread + 1e-9)
                            : persons / spread;
    }
    return shares;
}

void check_initial_detention(const Scenario& s, const RunStructure& structure,
                             const InitialStock& stock) {
    if (structure.detention_ages[stock.country] == 0) {
        throw InputError("initial." + s.countries[stock.country].code +
                         ".detained: the country has no detention facility");
    }
}

void check_initial_beds(const Scenario& s, const std::function<double(int)>& detained) {
    for (int c = 0; c < static_cast<int>(s.countries.size()); ++c) {
        const int facility = s.detention_facility(c);
        if (facility < 0) {
            continue;
        }
        const double held = detained(c);
        if (held > s.facilities[facility].capacity * (1 + 1e-9)) {
            std::ostringstream message;
            message << "initial." << s.countries[c].code << ".detained: " << held
                    << " persons exceed the " << s.facilities[facility].capacity
                    << " beds of facility " << s.facilities[facility].id;
            throw InputError(message.str());
        }
    }
}

} // namespace deportsim::rules
