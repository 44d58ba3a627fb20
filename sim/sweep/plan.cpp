#include "sweep/plan.hpp"

#include "scenario/load.hpp"
#include "scenario/source.hpp"
#include "sweep/seed.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace deportsim::sweep {

namespace {

Design make_design(const SweepSpec& spec) {
    switch (spec.design) {
    case DesignKind::grid:
        return grid_design(spec.parameters);
    case DesignKind::latin_hypercube:
        return latin_hypercube_design(spec.parameters, spec.samples, spec.seed);
    case DesignKind::sobol:
        return sobol_design(spec.parameters, spec.samples);
    }
    throw InternalError("sweep: unknown design");
}

} // namespace

SweepPlan::SweepPlan(SweepSpec spec) : spec_(std::move(spec)), design_(make_design(spec_)) {}

std::uint64_t SweepPlan::seed(RunId id) const {
    return run_seed(spec_.seed, static_cast<std::uint64_t>(id.point),
                    static_cast<std::uint64_t>(id.replicate));
}

std::vector<std::string> SweepPlan::assignments(int point) const {
    std::vector<std::string> out;
    for (int j = 0; j < design_.parameters; ++j) {
        out.push_back(spec_.parameters[static_cast<std::size_t>(j)].path + "=" +
                      loader::number_text(design_.value(point, j)));
    }
    return out;
}

Scenario SweepPlan::scenario(int point) const {
    const std::vector<std::string> set = assignments(point);
    Scenario scenario;
    try {
        scenario = load_scenario_text(spec_.base_text, spec_.base_file, set);
        scenario.source_path = spec_.base_file;
    } catch (const InputError& e) {
        const std::string at_point =
            "point " + std::to_string(point) + " (" + loader::join(set) + ")";
        const SourceLocation& where = e.where();
        // An error about an assignment is located at "<command line>", line k for the k-th.
        if (where.file == "<command line>" && where.line >= 1 &&
            where.line <= static_cast<int>(set.size())) {
            const auto k = static_cast<std::size_t>(where.line - 1);
            throw InputError(spec_.parameter_locations[k], "parameter " + spec_.parameters[k].path +
                                                               " at " + at_point + ": " +
                                                               e.message());
        }
        if (spec_.parameter_locations.empty()) {
            throw; // the base scenario alone (it loaded once already)
        }
        throw InputError(spec_.parameter_locations.front(),
                         "at " + at_point + " the base scenario is no longer valid:\n" +
                             format_located(where, e.message()));
    }
    // Every run of a sweep shares the time axis and the dimensions of the base scenario.
    const Scenario& base = spec_.base;
    const bool same_time = scenario.start == base.start && scenario.steps() == base.steps() &&
                           scenario.dt_days == base.dt_days;
    const bool same_shape = scenario.countries.size() == base.countries.size() &&
                            scenario.groups.size() == base.groups.size() &&
                            scenario.facilities.size() == base.facilities.size() &&
                            scenario.programmes.size() == base.programmes.size() &&
                            scenario.agreements.size() == base.agreements.size();
    if (!same_time || !same_shape) {
        for (std::size_t k = 0; k < set.size(); ++k) {
            const std::string path = spec_.parameters[k].path;
            if (!same_time ? path.rfind("time.", 0) == 0 : true) {
                throw InputError(
                    spec_.parameter_locations[k],
                    "parameter " + path + " at point " + std::to_string(point) + " (" + set[k] +
                        ") changes " +
                        (!same_time ? "the time axis (start, end or step) of the base scenario"
                                    : "what the base scenario is made of (its countries, "
                                      "groups, facilities, programmes or agreements)") +
                        "; every run of a sweep must share them");
            }
        }
        throw InputError(spec_.parameter_locations.front(),
                         "at point " + std::to_string(point) + " (" + loader::join(set) +
                             ") the scenario no longer has the base scenario's time axis; every "
                             "run of a sweep must share it");
    }
    return scenario;
}

void SweepPlan::validate(int jobs) const {
    const int points = this->points();
    std::atomic<int> next{0};
    std::mutex mutex;
    int failed_point = points;
    std::exception_ptr failure;
    const auto work = [&] {
        for (int p = next++; p < points; p = next++) {
            {
                const std::lock_guard lock(mutex);
                if (p > failed_point) {
                    return; // an earlier point already failed
                }
            }
            try {
                (void)scenario(p);
            } catch (...) {
                const std::lock_guard lock(mutex);
                if (p < failed_point) {
                    failed_point = p;
                    failure = std::current_exception();
                }
            }
        }
    };
    {
        std::vector<std::jthread> workers;
        const int threads = std::clamp(jobs, 1, std::max(points, 1));
        for (int t = 1; t < threads; ++t) {
            workers.emplace_back(work);
        }
        work();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
}

} // namespace deportsim::sweep
