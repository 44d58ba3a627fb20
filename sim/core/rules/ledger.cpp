#include "core/rules/ledger.hpp"

#include <cmath>

namespace deportsim::rules {

namespace {

// Relative tolerance of the checks (expected-mode rounding).
constexpr double rounding = 1e-9;

} // namespace

void RemovalLedger::reset(const Scenario& s, bool whole) {
    whole_ = whole;
    spent_.assign(s.programmes.size(), 0.0);
    seats_left_.assign(s.programmes.size(), 0.0);
    flights_left_.assign(s.programmes.size(), 0.0);
    agreement_month_used_.assign(s.agreements.size(), 0.0);
    agreement_month_.assign(s.agreements.size(), -1);
    returns_month_used_.assign(s.countries.size(), 0.0);
    returns_month_.assign(s.countries.size(), -1);
}

void RemovalLedger::roll_month(Date today) {
    const int month = month_index(today);
    for (std::size_t a = 0; a < agreement_month_.size(); ++a) {
        if (agreement_month_[a] != month) {
            agreement_month_[a] = month;
            agreement_month_used_[a] = 0;
        }
    }
    for (std::size_t c = 0; c < returns_month_.size(); ++c) {
        if (returns_month_[c] != month) {
            returns_month_[c] = month;
            returns_month_used_[c] = 0;
        }
    }
}

void RemovalLedger::open_seats(const Scenario& now, Date today, int step) {
    for (std::size_t p = 0; p < now.programmes.size(); ++p) {
        const auto& programme = now.programmes[p];
        const double flights = programme.flights_available(today, now.dt_days, step, spent_[p]);
        flights_left_[p] = flights;
        seats_left_[p] = flights * programme.seats_per_flight;
    }
}

double RemovalLedger::return_room(const Scenario& now, int nationality) const {
    const auto& acceptance = now.returns[nationality];
    if (acceptance.policy == ReturnPolicy::refuse) {
        return 0.0;
    }
    if (acceptance.policy == ReturnPolicy::cap) {
        return counted(std::max(0.0, acceptance.monthly_cap - returns_month_used_[nationality]));
    }
    return unlimited;
}

void RemovalLedger::take(int channel, double persons, StepOutputs& out) {
    if (channel >= 0) {
        agreement_month_used_[channel] += persons;
        out.agreement_quota_used[channel] += persons;
    } else {
        returns_month_used_[-1 - channel] += persons;
    }
}

void RemovalLedger::fly(const Scenario& now, bool whole_flights, StepOutputs& out) {
    for (std::size_t p = 0; p < now.programmes.size(); ++p) {
        const auto& programme = now.programmes[p];
        double flights = out.programme_passengers[p] / programme.seats_per_flight;
        if (whole_flights) {
            flights = std::ceil(flights - 1e-9);
        }
        flights = std::min(flights, flights_left_[p]);
        out.programme_flights[p] = flights;
        out.programme_cost[p] = flights * programme.cost_per_flight;
        spent_[p] += out.programme_cost[p];
    }
}

void RemovalLedger::record_budgets(const Scenario& now, StepOutputs& out) const {
    for (std::size_t p = 0; p < now.programmes.size(); ++p) {
        out.programme_budget_left[p] = now.programmes[p].budget - spent_[p];
    }
}

void RemovalLedger::check(const Scenario& now, int step, const StepOutputs& out,
                          const std::function<void(const std::string&)>& fail) const {
    for (std::size_t p = 0; p < now.programmes.size(); ++p) {
        const auto& programme = now.programmes[p];
        if (out.programme_passengers[p] >
            out.programme_flights[p] * programme.seats_per_flight * (1 + rounding) + rounding) {
            fail("programme " + programme.id + " carried more persons than its flights have seats");
        }
        if (step > 0 && out.programme_flights[p] > programme.scheduled_flights(now.dt_days, step)) {
            fail("programme " + programme.id + " flew more flights than scheduled");
        }
        if (out.programme_budget_left[p] < -rounding * std::max(1.0, programme.budget)) {
            fail("programme " + programme.id + " overspent its budget");
        }
    }
    for (std::size_t a = 0; a < now.agreements.size(); ++a) {
        const auto& agreement = now.agreements[a];
        if (out.agreement_quota_used[a] > agreement.total_quota * (1 + rounding) + rounding ||
            agreement_month_used_[a] > agreement.monthly_quota * (1 + rounding) + rounding) {
            fail("agreement " + agreement.id + " exceeded its quota");
        }
    }
    for (std::size_t c = 0; c < now.countries.size(); ++c) {
        const auto& acceptance = now.returns[c];
        if (acceptance.policy == ReturnPolicy::cap &&
            returns_month_used_[c] > acceptance.monthly_cap * (1 + rounding) + rounding) {
            fail("returns to " + now.countries[c].code + " exceeded the monthly cap");
        }
        // Returns received this step while refusing (earlier returns of the month do not
        // count: a refusal may start mid-month).
        if (acceptance.policy == ReturnPolicy::refuse &&
            out.flows[static_cast<int>(Flow::returns_received)]
                    .row(static_cast<Eigen::Index>(c))
                    .sum() > 0) {
            fail("returns to " + now.countries[c].code + " although it refuses them");
        }
    }
}

} // namespace deportsim::rules
