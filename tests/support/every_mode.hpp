// A rule's test in the three modes (expected, stochastic, agents), through the public engine
// API only (make_engine, via run_collecting, and the agents engine's thread count).
//
// Each rule has a small scenario (small_scenarios.hpp, changed in a few fields) and a test in
// tests/cpp/test_rules.cpp; a new rule adds one TEST_CASE there, or two: one with the checks
// that are exact in every mode (1.), one call of check_means_agree for what is random (2.).
// Its outcome falls in one of two kinds, and the test says which:
//
// 1. Exact in every mode. Capacities, quotas, seats, budgets, return caps and windows give the
//    same whole numbers in every mode when demand exceeds them (a monthly cap of 120 returns
//    exactly 120 in January), and so do certain transitions (rates of 1e9, probability 1) and
//    identities between the outputs of one run (no one receives more than was removed). Run
//    the test once per mode:
//
//        const Mode mode = GENERATE(from_range(every_mode));
//        const Collector c = run_mode(s, mode);
//        CHECK(january_returns(c) == Approx(120.0));
//
//    Catch2 runs the test case once per value; INFO and CAPTURE print the mode by name. Where
//    expected mode gives a real number whose value the other modes only have on average, check
//    it under `if (mode == Mode::expected)` and test the others as in 2.
//
// 2. Random in the stochastic and agents modes. Their mean over seeds is the expected mode's
//    value wherever no capacity binds (docs/model.md, "Modes"). Compute a statistic of a run
//    over a fixed set of seeds and test its mean against the expected mode's value with
//    Student's t test, for several statistics of the same runs at once:
//
//        // 100 seeds, alpha = 1e-4: a false-failure rate of 1e-4 a check.
//        check_means_agree(s, {[](const Collector& c) { return flow_total(c, Flow::deaths, 0); }},
//                          {"deaths"});
//
//    (replicate() and Replicates::p_value() are the parts, for other comparisons.)
//
//    Fix the seeds (they are first_seed, first_seed + 1, ...) so the test is deterministic,
//    state alpha in a comment and keep it small (1e-4) since a file holds many checks, and take
//    enough seeds or persons that a real error fails (show it once: test_rules.cpp has a case
//    where a wrong value is rejected). Where the distribution itself is known (the split of
//    competing risks, a dwell time), a chi-square test of counts pooled over persons
//    (stats.hpp) is stronger than a test of the mean.
#pragma once

#include "run_collector.hpp"
#include "stats.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace deportsim::testing {

inline constexpr std::array<Mode, 3> every_mode = {Mode::expected, Mode::stochastic, Mode::agents};
inline constexpr std::array<Mode, 2> random_modes = {Mode::stochastic, Mode::agents};

inline std::string mode_name(Mode mode) {
    return std::string(mode_names[static_cast<std::size_t>(mode)]);
}

// Runs the scenario in `mode` as run_collecting does (invariants checked on every step), the
// agents engine on one thread: the outputs do not depend on the number of threads
// (test_agents.cpp checks that), and on a loaded machine the many short runs of a rule test are
// much slower on two OpenMP threads, which spin at every barrier waiting for each other.
inline Collector run_mode(const Scenario& s, Mode mode, std::uint64_t seed = 1) {
    return run_collecting(s, mode, seed, true, 1);
}

// The sum of a flow in a country over steps first..last (inclusive).
inline double flow_over(const Collector& c, Flow f, int country, int first, int last) {
    double total = 0;
    for (int n = first; n <= last; ++n) {
        total += flow(c.steps[static_cast<std::size_t>(n)], f, country);
    }
    return total;
}

// The sum of a flow in a country over every step of the run.
inline double flow_total(const Collector& c, Flow f, int country) {
    return flow_over(c, f, country, 1, static_cast<int>(c.steps.size()) - 1);
}

// A statistic of one run (a stock at some step, a flow summed over steps, ...).
using RunStatistic = std::function<double(const Collector&)>;

// A statistic over independent runs of one scenario in one mode.
struct Replicates {
    Mode mode = Mode::stochastic;
    std::vector<double> values; // one per seed

    double mean() const {
        return std::accumulate(values.begin(), values.end(), 0.0) /
               static_cast<double>(values.size());
    }
    // The sample variance (n - 1 in the denominator).
    double variance() const {
        const double m = mean();
        double sum = 0;
        for (const double v : values) {
            sum += (v - m) * (v - m);
        }
        return sum / static_cast<double>(values.size() - 1);
    }
    // Student's t statistic of the mean against `value`, n - 1 degrees of freedom.
    double t_statistic(double value) const {
        return (mean() - value) / std::sqrt(variance() / static_cast<double>(values.size()));
    }
    // Two-sided p-value of Student's t test that the mean over seeds is `value`. Runs that all
    // give the same number are a point mass: 1 when it is `value`, 0 otherwise.
    double p_value(double value) const {
        if (variance() == 0.0) {
            return mean() == value ? 1.0 : 0.0;
        }
        return stats::student_t_two_sided_p_value(t_statistic(value),
                                                  static_cast<double>(values.size() - 1));
    }
    // For INFO: the mode, the mean and its standard error, the value and the p-value.
    std::string describe(double value) const {
        std::ostringstream out;
        out << mode_name(mode) << " over " << values.size() << " seeds: mean " << mean() << " +- "
            << std::sqrt(variance() / static_cast<double>(values.size())) << ", expected mode "
            << value << ", p = " << p_value(value);
        return out.str();
    }
};

// Runs the scenario in `mode` with seeds first_seed .. first_seed + runs - 1 (invariants
// checked on every step) and keeps `statistic` of each run.
inline Replicates replicate(const Scenario& s, Mode mode, int runs, const RunStatistic& statistic,
                            std::uint64_t first_seed = 1) {
    Replicates r;
    r.mode = mode;
    for (int k = 0; k < runs; ++k) {
        r.values.push_back(statistic(run_mode(s, mode, first_seed + std::uint64_t(k))));
    }
    return r;
}

// Several statistics of the same runs (one run per seed serves them all).
inline std::vector<Replicates> replicate(const Scenario& s, Mode mode, int runs,
                                         const std::vector<RunStatistic>& statistics,
                                         std::uint64_t first_seed = 1) {
    std::vector<Replicates> all(statistics.size());
    for (auto& r : all) {
        r.mode = mode;
    }
    for (int k = 0; k < runs; ++k) {
        const Collector c = run_mode(s, mode, first_seed + std::uint64_t(k));
        for (std::size_t i = 0; i < statistics.size(); ++i) {
            all[i].values.push_back(statistics[i](c));
        }
    }
    return all;
}

// The significance and number of seeds of a test of a mean, unless a test says otherwise.
inline constexpr double default_alpha = 1e-4;
inline constexpr int default_seeds = 100;

// The test of 2. in one call: each statistic's mean over `seeds` runs (seeds 1..seeds) in the
// stochastic and agents modes, tested against its value in the expected-mode run with
// Student's t at `alpha`; `names` label the statistics in the messages.
inline void check_means_agree(const Scenario& s, const std::vector<RunStatistic>& statistics,
                              const std::vector<std::string>& names, int seeds = default_seeds,
                              double alpha = default_alpha) {
    const Collector expected = run_mode(s, Mode::expected);
    for (const Mode mode : random_modes) {
        const auto all = replicate(s, mode, seeds, statistics);
        for (std::size_t i = 0; i < statistics.size(); ++i) {
            const double value = statistics[i](expected);
            INFO(names[i] << ": " << all[i].describe(value));
            CHECK(all[i].p_value(value) > alpha);
        }
    }
}

} // namespace deportsim::testing

namespace Catch {
template <>
struct StringMaker<deportsim::Mode> {
    static std::string convert(deportsim::Mode mode) { return deportsim::testing::mode_name(mode); }
};
} // namespace Catch
