// Running a scenario in a test and keeping every step's outputs.
#pragma once

#include "core/agents.hpp" // AgentEngine::set_threads, as the deportsim program uses it
#include "core/engine.hpp"

#include <cstdint>
#include <vector>

namespace deportsim::testing {

// Keeps a copy of every step's outputs.
struct Collector final : Observer {
    std::vector<StepOutputs> steps;
    bool finished = false;
    void start(const Scenario&, const RunInfo&) override {}
    void record(int, const StepOutputs& outputs) override { steps.push_back(outputs); }
    void finish() override { finished = true; }
};

// Runs the scenario in the given mode (any engine), checking invariants on every step unless
// told not to, and returns every step's outputs. `agent_threads`: the agents engine's threads
// (0: its default, OMP_NUM_THREADS or all cores); the outputs do not depend on it.
inline Collector run_collecting(const Scenario& s, Mode mode = Mode::expected,
                                std::uint64_t seed = 1, bool invariants = true,
                                int agent_threads = 0) {
    RunInfo info;
    info.mode = mode;
    info.seed = seed;
    const auto engine = make_engine(s, info);
    engine->set_check_invariants(invariants);
    if (auto* agents = dynamic_cast<AgentEngine*>(engine.get())) {
        agents->set_threads(agent_threads);
    }
    Collector collector;
    engine->add_observer(collector);
    engine->run();
    return collector;
}

// Persons in a country and status, over all groups.
inline double stock(const StepOutputs& o, int country, Status status) {
    return o.stocks.row(stock_row(country, status)).sum();
}

// A flow in a country, over all groups.
inline double flow(const StepOutputs& o, Flow f, int country) {
    return o.flows[static_cast<int>(f)].row(country).sum();
}

} // namespace deportsim::testing
