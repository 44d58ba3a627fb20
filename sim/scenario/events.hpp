// Policy events: the `events` section of a scenario becomes Scenario::timeline, the dated changes
// of parameters that the engine applies from their dates on.
//
// Each event sets parameters by path (`enforcement.MEX.interdiction_per_day`), as `--set` does.
// For each distinct event date, the events up to that date are applied to the scenario's tree and
// the tree is checked and resolved like the scenario itself; the result is one snapshot of the
// parameters. Events change values only: a snapshot whose structure (countries, groups, routes and
// their lengths, ...) differs from the scenario's is an error at the event's entry.
#pragma once

#include "scenario/resolve.hpp"

#include <vector>

namespace deportsim::loader {

// The timeline of `tree`, which has passed every check and resolves to `base`. Applies the events
// to `tree`, which is left with all of them applied, and records in `trace` (the trace that
// `source` reads) which nodes each event's `set` entries wrote. Throws InputError for an event
// dated on or after the end of the run, for a `set` entry that is wrong (at the entry in the
// file), for a snapshot that does not pass the checks, and for a change of structure.
std::vector<PolicyChange> build_timeline(const Source& source, YAML::Node& tree,
                                         OverrideTrace& trace, const Scenario& base);

} // namespace deportsim::loader
