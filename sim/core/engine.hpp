// What every mode's engine offers: the cohort Simulation (expected and stochastic modes) and
// the agent-based engine (agents mode) run the same scenario with the same meaning.
#pragma once

#include "core/record.hpp"
#include "core/scenario.hpp"

#include <memory>

namespace deportsim {

class Engine {
public:
    virtual ~Engine() = default;
    virtual void add_observer(Observer& observer) = 0;
    // Check conservation, signs and every capacity after each step; throws InternalError.
    virtual void set_check_invariants(bool on) = 0;
    virtual void initialize() = 0; // builds the initial state and records it as step 0
    virtual void step() = 0;       // advances one step through the ten phases and records it
    virtual void finalize() = 0;   // tells observers the run is complete
    virtual int steps_done() const = 0;
    virtual int steps_total() const = 0;
    virtual const Scenario& scenario() const = 0;
    virtual const StepOutputs& outputs() const = 0;

    // initialize(), step() until the end, finalize().
    void run() {
        initialize();
        while (steps_done() < steps_total()) {
            step();
        }
        finalize();
    }
};

// The engine for info.mode: Simulation for expected and stochastic, the agent engine for agents.
std::unique_ptr<Engine> make_engine(Scenario scenario, const RunInfo& info);

} // namespace deportsim
