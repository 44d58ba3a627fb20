#include "core/engine.hpp"

#include "core/error.hpp"
#include "core/simulation.hpp"

namespace deportsim {

std::unique_ptr<Engine> make_engine(Scenario scenario, const RunInfo& info) {
    if (info.mode == Mode::agents) {
        throw InputError("--mode agents is not available in this version; use expected or "
                         "stochastic");
    }
    return std::make_unique<Simulation>(std::move(scenario), info);
}

} // namespace deportsim
