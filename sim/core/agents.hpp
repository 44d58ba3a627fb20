// The agent-based engine (`--mode agents`): one record per person, stepped through the phases
// of docs/model.md in the order rules::run_phases defines, with the rules of sim/core/rules/
// that the cohort engine (sim/core/simulation.cpp) applies to cells. docs/agents.md describes
// the design.
//
// In short:
//  - A person is a small fixed-size record (group, status, country, route or agreement, the step
//    the current spell began, the step of the next event) plus history arrays (route taken,
//    days detained, days in transit, first departure). No per-person heap allocation.
//  - Every per-step hazard is drawn once as the step of its first success (a geometric waiting
//    time, exact for the per-step probability the cohort mode uses) and the person is put in a
//    calendar bucket for that step; people with nothing due cost nothing. Parameters that
//    change (policy events) redraw every clock, which is exact because the draws are memoryless;
//    a hazard that varies every step (re-migration times the deterrence factor) is thinned.
//  - Capacity-limited steps (detention intake, seats, quotas, facility places, return caps) first
//    decide how many of each group are taken by the shared rule on counts (multivariate
//    hypergeometric draws), then which persons, uniformly at random without replacement.
//  - Random draws come from streams keyed by (seed, step, person, purpose) for each person's own
//    events and (seed, step, purpose) for each serial capacity phase. Persons due in a step are
//    processed in parallel (OpenMP) in any order; every list that a capacity phase selects from
//    is sorted by person first. Output is bit-identical for any number of threads.
#pragma once

#include "core/engine.hpp"
#include "core/record.hpp"
#include "core/scenario.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace deportsim {

// One removal of one person (a removal by a sender in phase 7, as counted by Flow::removals).
struct RemovalRecord {
    std::uint32_t person = 0;
    std::uint16_t step = 0;        // the step in which the person was removed (1 .. steps)
    std::uint16_t destination = 0; // country index: their own country or an agreement's receiver
};

// The per-person outputs of persons [first, first + size), one vector per variable, filled by
// AgentEngine::person_columns. Country, group and status are indices into the Scenario's
// vectors and status_names. Days are steps x dt_days. Times are days since the scenario's
// start; NaN when the event did not happen.
struct PersonColumns {
    std::size_t first = 0;
    std::vector<std::int16_t> group;
    std::vector<std::int8_t> status;   // at the end of the run
    std::vector<std::int16_t> country; // at the end of the run
    std::vector<std::int32_t> times_removed;
    std::vector<float> days_detained;   // in detention (status `detained`) during the run
    std::vector<float> days_in_transit; // on routes during the run
    // Float: exact for whole numbers of days up to 2^24, more than any run holds.
    std::vector<float> first_departure; // first departure or re-migration during the run
    std::vector<float> first_removal;
    std::vector<std::int32_t> route_length; // countries in the route, >= 1
    // Ragged: route_length[i] country indices for each person in turn (the countries the person
    // was in, in order, from the start of the run or their departure: a new entry each time
    // their country changes, by travel, removal, onward return or release home).
    std::vector<std::int16_t> route_country;
    // Ragged: times_removed[i] removal times (days since start) for each person in turn, and
    // the country each removal went to (their own country or an agreement's receiver).
    std::vector<double> removal_time;
    std::vector<std::int16_t> removal_destination;
    std::size_t size() const { return group.size(); }
};

// Distributions over persons, in steps (multiply by dt_days for days).
struct PersonDistributions {
    // [k]: persons removed k times during the run (k = 0 .. the most).
    std::vector<std::int64_t> removals_per_person;
    // [k]: persons whose first removal after their first departure came k steps after it
    // (persons who departed or re-migrated during the run and were removed later).
    std::vector<std::int64_t> departure_to_first_removal;
    // [k]: detention spells that ended during the run (removal or release), by length in steps.
    std::vector<std::int64_t> detention_stay;
};

// Daily trajectories of a random sample of persons (`--trace N`), chosen uniformly without
// replacement among every person of the run (reservoir sampling over persons in order of
// creation): status and country at each recorded step, -1 before the person existed.
struct PersonTrace {
    std::vector<std::uint32_t> persons; // ascending
    int records = 0;                    // steps recorded: 0 .. records - 1
    std::vector<std::int8_t> status;    // [sample][record]
    std::vector<std::int16_t> country;  // [sample][record]
};

class AgentEngine final : public Engine {
public:
    // info: mode (must be Mode::agents), seed and the scenario's digest. Throws InputError when
    // the scenario exceeds what the per-person records hold (more than 65,533 steps, 32,767
    // countries or groups, 65,535 routes or agreements, 255 destinations, 254 processing
    // stages) or when an initial stock is not a whole number of persons.
    AgentEngine(Scenario scenario, RunInfo info);
    ~AgentEngine() override;
    AgentEngine(const AgentEngine&) = delete;
    AgentEngine& operator=(const AgentEngine&) = delete;

    void add_observer(Observer& observer) override;
    // Check conservation, signs and every capacity after each step, and that the per-step
    // counts match a recount of every person record; throws InternalError.
    void set_check_invariants(bool on) override;
    void initialize() override;
    void step() override;
    void finalize() override;
    int steps_done() const override;
    int steps_total() const override;
    const Scenario& scenario() const override;
    const StepOutputs& outputs() const override;

    // Options, before initialize(). Threads: 0 (default) means OpenMP's default
    // (OMP_NUM_THREADS or the number of cores). The output never depends on the thread count.
    void set_threads(int threads);
    int threads() const;
    // Record the daily trajectories of a random sample of `persons` persons (0: none).
    void set_trace(std::size_t persons);

    // Per-person results. persons() counts every record so far (initial state and departures).
    // After finalize(): removals() is sorted by person then step, and distributions() is ready.
    std::size_t persons() const;
    // Fills `out` for persons [first, first + count) (in parallel); count is clamped to the end.
    void person_columns(std::size_t first, std::size_t count, PersonColumns& out) const;
    // The length of the flat route variable: the sum of every person's route length.
    std::size_t route_entries() const;
    std::span<const RemovalRecord> removals() const;
    const PersonDistributions& distributions() const;
    const PersonTrace& trace() const;

    double total_persons() const;  // over every stock of the current state
    double expected_total() const; // initial total + departures so far

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace deportsim
