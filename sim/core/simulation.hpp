// The cohort engine: holds the state of one run as counts of persons in cells (country, status,
// group, and where needed route position, detention age and stage, agreement) and advances it
// step by step.
//
// A Simulation copies the Scenario it is given and never changes it. Every step runs the phases
// of docs/model.md in the order rules::run_phases defines, with the rules of sim/core/rules/
// (shared with the agents engine) applied to cells. The same code serves the `expected` and
// `stochastic` modes: every random transition goes through Transitions, which returns the
// expected value in one mode and a draw in the other.
#pragma once

#include "core/engine.hpp"
#include "core/random.hpp"
#include "core/record.hpp"
#include "core/rules/counting.hpp"
#include "core/rules/deterrence.hpp"
#include "core/rules/ledger.hpp"
#include "core/rules/step.hpp"
#include "core/rules/structure.hpp"
#include "core/rules/timeline.hpp"
#include "core/scenario.hpp"
#include "core/types.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace deportsim {

// Random transitions in one place: expected values (expected mode) or exact draws from
// counter-based streams keyed by (seed, step, cell, purpose) (stochastic mode).
class Transitions {
public:
    Transitions(Mode mode, std::uint64_t seed) : mode_(mode), seed_(seed) {}
    void set_step(int step) { step_ = static_cast<std::uint32_t>(step); }
    bool stochastic() const { return mode_ != Mode::expected; }

    // How many of n leave with probability p.
    double binomial(double n, double p, Purpose purpose, std::uint32_t cell) const;
    // Arrivals with the given mean.
    double poisson(double mean, Purpose purpose, std::uint32_t cell) const;
    // Splits n over categories with probabilities p (sum <= 1; the rest stays).
    void multinomial(double n, std::span<const double> p, std::span<double> out, Purpose purpose,
                     std::uint32_t cell) const;
    // Takes `draws` persons without replacement from cells holding `counts`: proportional in
    // expected mode, multivariate hypergeometric in stochastic mode. draws <= sum(counts).
    void choose(std::span<const double> counts, double draws, std::span<double> out,
                Purpose purpose, std::uint32_t cell) const;
    // A capacity as the mode sees it: whole persons in stochastic mode.
    double whole(double capacity) const;

private:
    Mode mode_;
    std::uint64_t seed_;
    std::uint32_t step_ = 0;
};

// The rules' choices (sim/core/rules) drawn through Transitions for one purpose.
class TransitionChooser final : public rules::Chooser {
public:
    TransitionChooser(const Transitions& transitions, Purpose purpose)
        : transitions_(transitions), purpose_(purpose) {}
    void choose(std::span<const double> counts, double draws, std::span<double> out,
                std::uint32_t cell) override {
        transitions_.choose(counts, draws, out, purpose_, cell);
    }

private:
    const Transitions& transitions_;
    Purpose purpose_;
};

class Simulation final : public Engine {
public:
    // info: mode (expected or stochastic), seed and the scenario's digest (written to outputs by
    // observers).
    Simulation(Scenario scenario, RunInfo info);

    void add_observer(Observer& observer) override { observers_.push_back(&observer); }
    // Check conservation, signs and every capacity after each step; throws InternalError.
    void set_check_invariants(bool on) override { check_invariants_ = on; }

    void initialize() override;
    void step() override;
    void finalize() override;

    int steps_done() const override { return step_; }
    int steps_total() const override { return steps_total_; }
    const Scenario& scenario() const override { return scenario_; }
    const StepOutputs& outputs() const override { return out_; }
    double total_persons() const;  // over every cell of the current state
    double expected_total() const; // initial total + departures so far
    void check_invariants() const; // throws InternalError naming what failed

private:
    template <class E>
    friend void rules::run_phases(E& engine, Date today);

    // The phases, in the order of rules::run_phases.
    DEPORTSIM_STEP_PHASES

    // Parts of the phases.
    void move();
    void enforce();
    void dispose(int sender, int group, int channel, double persons);
    void leave_shelter(int agreement);

    // Helpers.
    const Scenario& now() const { return parameters_.now(); }
    void choose_routes_and_programmes(const Scenario& parameters);
    double room(int channel) const;
    double held(int agreement) const;
    void add_returned(int country, int group, double persons);
    void place_on_routes(int node, int dslot, int group, double persons);
    void enqueue_for_detention(int country, int group, double persons);
    double detained(int country) const;
    double& detention_cell(int country, int age, int stage, int group);
    double detention_cell(int country, int age, int stage, int group) const;
    void assemble_stocks();

    Scenario scenario_;                   // as given: structure, initial state, timeline
    rules::ParametersInForce parameters_; // scenario_ or a timeline snapshot
    RunInfo info_;
    Mode mode_;
    Transitions transitions_;
    std::vector<Observer*> observers_;
    bool check_invariants_ = false;

    int step_ = 0;
    int steps_total_ = 0;
    int countries_ = 0;
    int groups_ = 0;
    rules::RunStructure structure_;

    // Travellers, by destination slot (structure_.destinations).
    std::vector<std::size_t> route_offset_; // by route: start of its block in on_route_
    std::vector<double> on_route_;          // [route][steps remaining - 1][slot][group]
    // Admissible routes from a node towards a destination slot, with choice probabilities.
    std::vector<std::vector<int>> choice_routes_;     // [node * slots + slot]
    std::vector<std::vector<double>> choice_weights_; // same shape, probabilities
    CellArray at_node_;  // (node * slots + slot, group): travellers choosing their next route
    CellArray arriving_; // (country, group): reached their destination this step

    CellArray at_large_;                     // (country, group)
    CellArray returned_;                     // (country, group), free to leave again
    std::vector<CellArray> returned_recent_; // ring over the re-migration delay, (country, group)
    CellArray settled_;                      // (country, group)
    CellArray dead_;                         // (country, group)
    CellArray candidates_; // (country, group): stopped this step, waiting for a bed

    // Detention: per country, a ring over age (steps held) of [stage][group]; stage
    // processing_stages is "removable".
    std::vector<int> detention_base_; // ring base by country
    std::vector<std::vector<double>> detention_;

    CellArray held_;  // (agreement, group): persons held in a facility under each agreement
    CellArray ready_; // (agreement, group): sheltered, ready for onward return this step; those
                      // without a seat stay sheltered

    rules::RemovalLedger ledger_;        // quotas, seats, budgets, return caps
    std::vector<int> programme_order_;   // programmes with a destination list first
    rules::DeterrenceWindow deterrence_; // removals and arrivals over the trailing window
    double departures_total_ = 0;
    double initial_total_ = 0;

    StepOutputs out_;
};

} // namespace deportsim
