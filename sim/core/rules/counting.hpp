// How every rule counts persons and draws: the conventions the three modes share.
//
// The rules in sim/core/rules/ work on counts of persons by group. The expected mode counts in
// real numbers (expected values); the stochastic and agents modes count whole persons. Where a
// rule takes some persons out of several cells without replacement it asks a Chooser, which the
// engine binds to its own random streams: the cohort engine keys a stream by the rule's `cell`
// (stochastic mode) or shares proportionally (expected mode); the agents engine draws from the
// stream of the phase it is in.
#pragma once

#include "core/random.hpp"

#include <cmath>
#include <cstdint>
#include <span>

namespace deportsim::rules {

// Probability that a hazard (per day) fires within a step of dt days.
inline double hazard_probability(double per_day, double dt) {
    return per_day <= 0 ? 0.0 : -std::expm1(-per_day * dt);
}

// A capacity in whole persons (stochastic and agents modes); infinite stays infinite.
inline double whole_persons(double capacity) {
    return std::isfinite(capacity) ? std::floor(capacity + 1e-9) : capacity;
}

// Takes persons without replacement from cells.
class Chooser {
public:
    virtual ~Chooser() = default;
    // Takes `draws` persons out of cells holding `counts` into `out`: all of them when draws >=
    // the total; otherwise proportionally (expected mode) or as a multivariate hypergeometric
    // draw of floor(draws) whole persons. `cell` names the decision, so that an engine keying
    // streams by decision gives each its own.
    virtual void choose(std::span<const double> counts, double draws, std::span<double> out,
                        std::uint32_t cell) = 0;
};

// The expected-mode choice: each cell gives draws / total of its persons (all of them when
// draws >= the total; none when there are none to take).
void choose_expected(std::span<const double> counts, double draws, std::span<double> out);

// The whole-person choice: a multivariate hypergeometric draw of floor(draws) persons from
// `counts` (whole numbers) on `rng`; all of them when draws >= the total; none when there are
// none to take.
void choose_whole_persons(RandomStream& rng, std::span<const double> counts, double draws,
                          std::span<double> out);

// A Chooser drawing whole persons from one stream, in the order the decisions are made (the
// agents engine's per-phase streams).
class StreamChooser final : public Chooser {
public:
    explicit StreamChooser(RandomStream& rng) : rng_(rng) {}
    void choose(std::span<const double> counts, double draws, std::span<double> out,
                std::uint32_t) override {
        choose_whole_persons(rng_, counts, draws, out);
    }

private:
    RandomStream& rng_;
};

} // namespace deportsim::rules
