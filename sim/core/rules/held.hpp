// Phases 8 and 9 for persons held under agreements: onward return from shelters on the
// receiver's own flights, and releases from prisons (home, or at large in the receiver).
#pragma once

#include "core/record.hpp"
#include "core/rules/counting.hpp"
#include "core/rules/ledger.hpp"
#include "core/scenario.hpp"

#include <functional>
#include <span>
#include <vector>

namespace deportsim::rules {

// Room for the decisions, kept between agreements.
struct HeldScratch {
    std::vector<double> counts, taken, of_nationality, limited, home;
};

// Phase 8. The sheltered persons of agreement `a` ready for onward return (`ready`, by group,
// reduced by those seated) take the seats left on the receiver's programmes, in programme
// order, each to their own country when it accepts returns now (within its cap, chooser cell
// 0x40000000 + (a * 64 + p) * 1024 + n) and the programme serves it; when more want a
// programme than it has seats, the seats are shared without replacement (cell 0x60000000 +
// a * 64 + p). seated(p, g, persons) is told of each group's persons seated. Seats,
// passengers and return caps are booked here; whoever is ready but finds no seat stays.
void seat_onward_returns(const Scenario& now, int a, std::span<const int> programme_order,
                         std::span<double> ready, const std::function<double(int)>& held,
                         RemovalLedger& ledger, StepOutputs& out, Chooser& chooser,
                         const std::function<void(int, int, double)>& seated, HeldScratch& scratch);

// Phase 9. The persons leaving agreement `a`'s prison (`leaving`, by group) go home when their
// country accepts returns now, within its cap (how many of each group: chooser cell
// 0x10000000 + a * 1024 + n); the others are released at large in the receiver.
// released(n, g, leaving, home) is told, for each group with persons leaving, how many of them
// go home to nationality n. Return caps are booked here.
void release_from_prison(const Scenario& now, int a, std::span<const double> leaving,
                         const std::function<double(int)>& held, RemovalLedger& ledger,
                         const StepOutputs& out, Chooser& chooser,
                         const std::function<void(int, int, double, double)>& released,
                         HeldScratch& scratch);

} // namespace deportsim::rules
