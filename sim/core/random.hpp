// Counter-based random numbers and the samplers the stochastic and agent modes use.
//
// Every stream is Philox4x32-10 (Random123) keyed by the run seed; its counter holds (step, cell,
// purpose, i), so the numbers a cell draws in a step depend only on (seed, step, cell, purpose)
// and never on thread count, process count or the order in which cells are visited.
// The samplers are written here rather than taken from <random>: std::*_distribution
// algorithms differ between standard libraries, and results must be identical everywhere (given
// the same C math library for log/exp).
//
// Every sampler is exact in distribution: rejection methods use the full support (no tail is
// cut off), inversion restarts in the rare case that rounding leaves the search past the end of
// the support, and log-factorial differences are computed in a form that keeps full precision
// for counts up to 2^53. What remains is ordinary double rounding of the probabilities.
#pragma once

#include <cstdint>
#include <span>

namespace deportsim {

// What a draw is for; part of the counter so that two purposes never share numbers.
enum class Purpose : std::uint32_t {
    departures = 1,
    remigration,
    route_choice,
    mortality,
    interdiction,
    apprehension,
    arrest,
    detention_intake,
    processing,
    removal,
    disposition,
    outflow,
    initial,
    agent, // agent mode: one stream per person
    // Agent mode (sim/core/agents.cpp). Per person: cell = person index, one stream per
    // (step, person, purpose). Per phase: cell 0, one stream per (step, purpose) drawn in order;
    // per country where countries are decided apart (intake: cell = country; the persons each
    // sender removes: cell = 1 + sender).
    agent_departures,     // per departure stream (cell = stream index): persons leaving
    agent_start,          // per person: clocks of the initial state
    agent_travel,         // per person: re-migration, movement, enforcement (phases 2-4)
    agent_detention,      // per person: processing and maximum detention (phase 6)
    agent_held,           // per person: prison release and shelter outcomes (phases 8-9)
    agent_admission,      // per person: clocks after detention intake or overflow (phase 5)
    agent_disposal,       // per person: clocks after removal (phases 7-8)
    agent_onward,         // per person: clocks after onward return or waiting (phase 8)
    agent_release,        // per person: clocks after release from a prison (phase 9)
    agent_redraw,         // per person: clocks redrawn after a change of parameters (phase 1)
    agent_intake_choice,  // per country: who is admitted to detention (phase 5)
    agent_removal_choice, // per phase: how many are removed where; per sender: who (phase 7)
    agent_onward_choice,  // per phase: who takes the seats home from shelters (phase 8)
    agent_release_choice, // per phase: who released from a prison goes home (phase 9)
    agent_trace,          // per phase: the random sample of persons whose days are traced
};

// One independent stream of random numbers. Key = (seed low 32 bits, seed high 32 bits);
// counter = (step, cell, purpose, i), where i counts blocks of four 32-bit outputs from 0. A
// stream yields 2^32 blocks (2^34 32-bit words); drawing past that throws InternalError rather
// than repeating numbers. Cheap to construct: make one per (step, cell, purpose) where needed.
class RandomStream {
public:
    RandomStream(std::uint64_t seed, std::uint32_t step, std::uint32_t cell, Purpose purpose);

    // The next 32-bit word of the stream (the four words of each Philox block, in order).
    std::uint32_t next_u32() {
        if (used_ == 4) {
            refill();
        }
        return buffer_[used_++];
    }
    // Two consecutive words: the first is the low half.
    std::uint64_t next_u64() {
        const std::uint64_t low = next_u32();
        const std::uint64_t high = next_u32();
        return low | (high << 32);
    }
    // In the open interval (0, 1): k / 2^53 with k uniform on 1 .. 2^53 - 1 (the one value
    // k = 0 is redrawn), so every double has 53 random bits and log(uniform()) is finite.
    double uniform() {
        std::uint64_t k = next_u64() >> 11;
        while (k == 0) {
            k = next_u64() >> 11;
        }
        return static_cast<double>(k) * 0x1p-53;
    }
    // In (0, 1]: (k + 1) / 2^53 with k uniform on 0 .. 2^53 - 1. For -log(u) and the like.
    double uniform_positive() { return static_cast<double>((next_u64() >> 11) + 1) * 0x1p-53; }

private:
    void refill(); // computes the block for counter_ into buffer_ and advances i

    std::uint32_t key_[2];
    std::uint32_t counter_[4];
    std::uint32_t buffer_[4] = {0, 0, 0, 0};
    int used_ = 4;
    bool exhausted_ = false; // i wrapped around: the next refill would repeat block 0
};

// Limits on the parameters, from the 53-bit mantissa of a double: counts up to 2^53 are exact.
inline constexpr std::int64_t max_sampler_count = std::int64_t{1} << 53;
inline constexpr double max_poisson_mean = 1e15;

// Poisson(mean), 0 <= mean <= max_poisson_mean. Inversion for mean < 10, PTRS (Hörmann 1993,
// transformed rejection with squeeze) otherwise.
std::int64_t sample_poisson(RandomStream& rng, double mean);
// Binomial(n, p), 0 <= n <= max_sampler_count, 0 <= p <= 1. With p' = min(p, 1 - p):
// inversion when n p' < 10, BTRD (Hörmann 1993) otherwise; p > 1/2 samples n - Binomial(n, 1-p).
// n = 0 or p = 0 gives 0 and p = 1 gives n, without drawing.
std::int64_t sample_binomial(RandomStream& rng, std::int64_t n, double p);
// Multinomial: out[k] ~ counts of n trials falling in category k with probability p[k].
// sum(p) may be below 1; the remainder is an implicit last category ("nothing happens") that
// is not written. out.size() == p.size(). Drawn as conditional binomials, category by category;
// when sum(p) reaches 1 the last category with p > 0 takes all trials left.
void sample_multinomial(RandomStream& rng, std::int64_t n, std::span<const double> p,
                        std::span<std::int64_t> out);
// Hypergeometric: successes among `draws` taken without replacement from an urn with `good`
// successes and `bad` failures. 0 <= draws <= good + bad <= max_sampler_count.
// Using the symmetries good <-> bad and draws <-> good + bad - draws (and draws <-> good):
// inversion when the smaller of the draws and the minority colour is below 10, HRUA
// (Stadlober 1989, ratio of uniforms) otherwise.
std::int64_t sample_hypergeometric(RandomStream& rng, std::int64_t good, std::int64_t bad,
                                   std::int64_t draws);
// Multivariate hypergeometric: how many of each colour among `draws` taken without replacement
// from an urn with counts[k] of colour k. draws <= sum(counts). out.size() == counts.size().
// Drawn as conditional hypergeometrics, colour by colour; sum(out) == draws exactly.
void sample_multivariate_hypergeometric(RandomStream& rng, std::span<const std::int64_t> counts,
                                        std::int64_t draws, std::span<std::int64_t> out);

// log(a!) - log(b!) for 0 <= a, b <= max_sampler_count, accurate to a few units in the last
// place of the result even when a and b are both huge and close (where log(a!) alone would
// lose the difference). Exposed for the tests and for callers that need exact pmf ratios.
double log_factorial_difference(std::int64_t a, std::int64_t b);
// log(k!) for 0 <= k <= max_sampler_count (table below 126, Stirling series above).
double log_factorial(std::int64_t k);

} // namespace deportsim
