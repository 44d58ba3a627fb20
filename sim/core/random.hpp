// Counter-based random numbers and the samplers the stochastic and agent modes use.
//
// Every stream is Philox4x32-10 (Random123) keyed by the run seed; its counter holds (step, cell,
// purpose, i), so the numbers a cell draws in a step depend only on (seed, step, cell, purpose)
// and never on thread count, process count or the order in which cells are visited.
// The samplers are written here rather than taken from <random>: std::*_distribution
// algorithms differ between standard libraries, and results must be identical everywhere.
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
};

class RandomStream {
public:
    RandomStream(std::uint64_t seed, std::uint32_t step, std::uint32_t cell, Purpose purpose);

    std::uint64_t next_u64();
    double uniform();          // in the open interval (0, 1), 53 random bits
    double uniform_positive(); // in (0, 1]: for logs

private:
    std::uint32_t key_[2];
    std::uint32_t counter_[4];
    std::uint32_t buffer_[4];
    int used_ = 4;
};

// Poisson(mean), mean >= 0.
std::int64_t sample_poisson(RandomStream& rng, double mean);
// Binomial(n, p), n >= 0, 0 <= p <= 1. Exact for every n (inversion for small means, BTRD else).
std::int64_t sample_binomial(RandomStream& rng, std::int64_t n, double p);
// Multinomial: out[k] ~ counts of n trials falling in category k with probability p[k].
// sum(p) may be below 1; the remainder is an implicit last category ("nothing happens") that
// is not written. out.size() == p.size().
void sample_multinomial(RandomStream& rng, std::int64_t n, std::span<const double> p,
                        std::span<std::int64_t> out);
// Hypergeometric: successes among `draws` taken without replacement from an urn with `good`
// successes and `bad` failures.
std::int64_t sample_hypergeometric(RandomStream& rng, std::int64_t good, std::int64_t bad,
                                   std::int64_t draws);
// Multivariate hypergeometric: how many of each colour among `draws` taken without replacement
// from an urn with counts[k] of colour k. draws <= sum(counts).
void sample_multivariate_hypergeometric(RandomStream& rng, std::span<const std::int64_t> counts,
                                        std::int64_t draws, std::span<std::int64_t> out);

} // namespace deportsim
