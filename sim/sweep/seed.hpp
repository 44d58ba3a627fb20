// The seed of each run of a sweep: a hash of (sweep seed, point, replicate), so that a run's
// random numbers depend only on what it is, never on the worker, rank or order that ran it.
//
//   mix(x)   = the output function of SplitMix64 (Steele, Lea and Flood 2014, "Fast splittable
//              pseudorandom number generators", OOPSLA; the constants of Vigna's splitmix64.c)
//              applied to the state x + 0x9e3779b97f4a7c15:
//                z = x + 0x9e3779b97f4a7c15
//                z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
//                z = (z ^ (z >> 27)) * 0x94d049bb133111eb
//                mix(x) = z ^ (z >> 31)
//   run_seed = mix(mix(mix(sweep_seed) ^ point) ^ replicate)        (all arithmetic mod 2^64)
//
// mix is a bijection of 64-bit words, so for one sweep seed and point, distinct replicates get
// distinct seeds, and so on. docs/sweep-format.md gives the same definition.
#pragma once

#include <cstdint>

namespace deportsim::sweep {

constexpr std::uint64_t mix64(std::uint64_t x) {
    std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr std::uint64_t run_seed(std::uint64_t sweep_seed, std::uint64_t point,
                                 std::uint64_t replicate) {
    return mix64(mix64(mix64(sweep_seed) ^ point) ^ replicate);
}

// A uniform number in [0, 1) with 53 random bits from a 64-bit hash.
constexpr double unit_interval(std::uint64_t hash) {
    return static_cast<double>(hash >> 11) * 0x1p-53;
}

} // namespace deportsim::sweep
