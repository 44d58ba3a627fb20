// Quotas, seats, budgets and return caps: the bookkeeping of removal capacity (phases 1, 7, 8,
// 9 and 10 of docs/model.md). Both engines keep one RemovalLedger and ask it how much room an
// option has, what a step's flights offer and what they cost.
#pragma once

#include "core/record.hpp"
#include "core/rules/counting.hpp"
#include "core/scenario.hpp"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace deportsim::rules {

class RemovalLedger {
public:
    // Empty books for a run; whole: capacities count whole persons (stochastic, agents).
    void reset(const Scenario& s, bool whole);

    // Phase 1: a new calendar month starts the monthly quotas and return caps again.
    void roll_month(Date today);

    // Phase 7: the flights each programme can fly this step (schedule, window, budget) and
    // their seats.
    void open_seats(const Scenario& now, Date today, int step);

    // How many more persons a removal option can take now: for an agreement (channel >= 0) its
    // monthly and total quotas left and the free places of its facility, where held(a) is the
    // number held under agreement a; for a return to the own country n (channel -1 - n) what
    // is left of its monthly cap (0 when it refuses, unlimited when it accepts).
    template <class Held>
    double room(const Scenario& now, const StepOutputs& out, int channel, Held&& held) const {
        if (channel >= 0) {
            const auto& a = now.agreements[channel];
            double left = std::min(a.monthly_quota - agreement_month_used_[channel],
                                   a.total_quota - out.agreement_quota_used[channel]);
            if (a.facility >= 0) {
                double occupancy = 0;
                for (std::size_t other = 0; other < now.agreements.size(); ++other) {
                    if (now.agreements[other].facility == a.facility) {
                        occupancy += held(static_cast<int>(other));
                    }
                }
                left = std::min(left, now.facilities[a.facility].capacity - occupancy);
            }
            return counted(std::max(0.0, left));
        }
        return return_room(now, -1 - channel);
    }
    // What is left of country n's monthly return cap (0 when it refuses, unlimited when it
    // accepts without a cap).
    double return_room(const Scenario& now, int nationality) const;

    // Persons taken by an option: its quotas (agreement) or its return cap (own country).
    void take(int channel, double persons, StepOutputs& out);
    // Persons returned to their own country outside removal allocation (onward returns from
    // shelters, releases from prisons): they count against its return cap.
    void count_returns(int nationality, double persons) {
        returns_month_used_[nationality] += persons;
    }

    // Seats left on a programme this step; taken as removals and onward returns fill them.
    std::vector<double>& seats_left() { return seats_left_; }

    // Phase 8: the flights flown for the passengers carried (enough for them, within the
    // flights available; whole flights when whole_flights, otherwise passengers / seats as the
    // expected count), their cost, drawn from the budgets.
    void fly(const Scenario& now, bool whole_flights, StepOutputs& out);

    // Phase 10: each programme's budget left.
    void record_budgets(const Scenario& now, StepOutputs& out) const;

    // Invariants of the books after a step: seats, schedules, budgets, quotas, return caps and
    // refusals; fail(what) is called for the first broken one.
    void check(const Scenario& now, int step, const StepOutputs& out,
               const std::function<void(const std::string&)>& fail) const;

private:
    double counted(double capacity) const { return whole_ ? whole_persons(capacity) : capacity; }

    bool whole_ = false;
    std::vector<double> spent_;        // by programme, since the start
    std::vector<double> seats_left_;   // by programme, this step
    std::vector<double> flights_left_; // by programme, this step
    std::vector<double> agreement_month_used_;
    std::vector<int> agreement_month_;
    std::vector<double> returns_month_used_; // by nationality
    std::vector<int> returns_month_;
};

} // namespace deportsim::rules
