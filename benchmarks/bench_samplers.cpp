// Purpose: the cost of one draw from each sampler in sim/core/random.hpp, in nanoseconds, for
// the parameter ranges the stochastic engine meets (small and large means, each algorithm
// branch). A two-year daily stochastic run makes a few hundred thousand draws per run; at the
// figures printed here that is a few milliseconds of sampling, far below the 2 s budget.
//
// Each line constructs a fresh RandomStream per 64 draws, as the engine does per (step, cell,
// purpose), so the Philox set-up cost is included. Times are processor time (std::clock), so
// that other work on a shared machine inflates them less than wall-clock time would.
// Usage: bench_samplers [draws per sampler].
#include "core/random.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

namespace {

using deportsim::Purpose;
using deportsim::RandomStream;

struct Workload {
    std::string name;
    std::function<std::int64_t(RandomStream&)> draw_once;
};

double nanoseconds_per_draw(const Workload& workload, long draws, std::int64_t& sink) {
    constexpr long draws_per_stream = 64;
    const std::clock_t start = std::clock();
    for (long done = 0; done < draws; done += draws_per_stream) {
        RandomStream rng(12345, static_cast<std::uint32_t>(done / draws_per_stream), 7,
                         Purpose::departures);
        for (long i = 0; i < draws_per_stream; ++i) {
            sink += workload.draw_once(rng);
        }
    }
    const std::clock_t stop = std::clock();
    return 1e9 * static_cast<double>(stop - start) / CLOCKS_PER_SEC / static_cast<double>(draws);
}

} // namespace

int main(int argc, char** argv) {
    const long draws = argc > 1 ? std::atol(argv[1]) : 2'000'000;
    if (draws <= 0) {
        std::fprintf(stderr, "usage: bench_samplers [draws per sampler > 0]\n");
        return 2;
    }
    const std::array<double, 4> route_shares = {0.5, 0.3, 0.15, 0.05};
    const std::array<double, 5> competing_risks = {0.01, 0.002, 0.03, 0.0005, 0.05};
    const std::array<std::int64_t, 5> detained_by_group = {1200, 300, 4500, 80, 20};
    const std::vector<Workload> workloads = {
        {"uniform()", [](RandomStream& r) { return static_cast<std::int64_t>(r.uniform() * 2); }},
        {"next_u64()", [](RandomStream& r) { return static_cast<std::int64_t>(r.next_u64() & 1); }},
        {"binomial n=20 p=0.1 (inversion)",
         [](RandomStream& r) { return deportsim::sample_binomial(r, 20, 0.1); }},
        {"binomial n=1000 p=0.009 (inversion)",
         [](RandomStream& r) { return deportsim::sample_binomial(r, 1000, 0.009); }},
        {"binomial n=1000 p=0.3 (BTRD)",
         [](RandomStream& r) { return deportsim::sample_binomial(r, 1000, 0.3); }},
        {"binomial n=1e6 p=0.02 (BTRD)",
         [](RandomStream& r) { return deportsim::sample_binomial(r, 1'000'000, 0.02); }},
        {"binomial n=1e12 p=0.3 (BTRD)",
         [](RandomStream& r) { return deportsim::sample_binomial(r, 1'000'000'000'000, 0.3); }},
        {"binomial n=1e6 p=0.99999 (mirrored inversion)",
         [](RandomStream& r) { return deportsim::sample_binomial(r, 1'000'000, 0.99999); }},
        {"poisson mean=2 (inversion)",
         [](RandomStream& r) { return deportsim::sample_poisson(r, 2.0); }},
        {"poisson mean=9.5 (inversion)",
         [](RandomStream& r) { return deportsim::sample_poisson(r, 9.5); }},
        {"poisson mean=50 (PTRS)",
         [](RandomStream& r) { return deportsim::sample_poisson(r, 50.0); }},
        {"poisson mean=1e6 (PTRS)",
         [](RandomStream& r) { return deportsim::sample_poisson(r, 1e6); }},
        {"hypergeometric 30/70 draws 5 (inversion)",
         [](RandomStream& r) { return deportsim::sample_hypergeometric(r, 30, 70, 5); }},
        {"hypergeometric 300/700 draws 400 (HRUA)",
         [](RandomStream& r) { return deportsim::sample_hypergeometric(r, 300, 700, 400); }},
        {"hypergeometric 3e6/7e6 draws 2e6 (HRUA)",
         [](RandomStream& r) {
             return deportsim::sample_hypergeometric(r, 3'000'000, 7'000'000, 2'000'000);
         }},
        {"multinomial n=5000, 4 routes",
         [&](RandomStream& r) {
             std::array<std::int64_t, 4> out{};
             deportsim::sample_multinomial(r, 5000, route_shares, out);
             return out[0];
         }},
        {"multinomial n=20000, 5 competing risks",
         [&](RandomStream& r) {
             std::array<std::int64_t, 5> out{};
             deportsim::sample_multinomial(r, 20000, competing_risks, out);
             return out[2];
         }},
        {"multivariate hypergeometric 5 groups, 2000 of 6100",
         [&](RandomStream& r) {
             std::array<std::int64_t, 5> out{};
             deportsim::sample_multivariate_hypergeometric(r, detained_by_group, 2000, out);
             return out[0];
         }},
    };
    std::int64_t sink = 0;
    std::printf("%-52s %10s\n", "sampler", "ns/draw");
    for (const auto& workload : workloads) {
        std::printf("%-52s %10.1f\n", workload.name.c_str(),
                    nanoseconds_per_draw(workload, draws, sink));
    }
    std::printf("(checksum %lld, %ld draws each)\n", static_cast<long long>(sink), draws);
    return 0;
}
