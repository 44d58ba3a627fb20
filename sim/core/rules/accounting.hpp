// Phase 10, accounting: facility use, fees and occupancy costs, budgets left; and the checks
// every engine runs on its outputs after a step (--check-invariants).
#pragma once

#include "core/record.hpp"
#include "core/rules/ledger.hpp"
#include "core/scenario.hpp"

#include <functional>
#include <string>

namespace deportsim::rules {

// Fills facility_occupancy, agreement_held, agreement_fees, facility_cost and
// programme_budget_left for step `step` (fees and costs are 0 at step 0, the initial state):
// detained(c) is the number detained in country c, held(a) the number held under agreement a.
void account_facilities_and_money(const Scenario& now, int step,
                                  const std::function<double(int)>& detained,
                                  const std::function<double(int)>& held,
                                  const RemovalLedger& ledger, StepOutputs& out);

// Tolerances of the checks: 0 for whole persons; relative rounding for expected values.
struct CheckTolerance {
    double conservation = 0; // persons, absolute
    double negative = 0;     // persons, the most negative stock allowed (<= 0)
};

// The checks shared by every mode: persons conserved (`total` in the stocks against
// `expected` = initial + departures), no negative stock, no facility over capacity, and the
// books (RemovalLedger::check). Throws InternalError naming the step, the date and what failed;
// `label` is put before what failed (e.g. "agents mode: ").
void check_invariants(const Scenario& now, int step, const StepOutputs& out,
                      const RemovalLedger& ledger, double total, double expected,
                      const CheckTolerance& tolerance, const std::string& label);

// The same failure, for an engine's own further checks.
[[noreturn]] void fail_invariant(const Scenario& now, int step, const std::string& label,
                                 const std::string& what);

} // namespace deportsim::rules
