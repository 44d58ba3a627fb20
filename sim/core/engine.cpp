#include "core/engine.hpp"

#include "core/agents.hpp"
#include "core/simulation.hpp"

namespace deportsim {

std::unique_ptr<Engine> make_engine(Scenario scenario, const RunInfo& info) {
    if (info.mode == Mode::agents) {
        return std::make_unique<AgentEngine>(std::move(scenario), info);
    }
    return std::make_unique<Simulation>(std::move(scenario), info);
}

} // namespace deportsim
