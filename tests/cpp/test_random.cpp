// Random streams and samplers (sim/core/random.hpp).
//
// Statistical checks: every check below is a test at significance alpha = 1e-4 with a fixed
// seed, so the file is deterministic. For a seed chosen at random, a correct implementation
// would fail a given check with probability 1e-4; the file makes 60 such checks (the calls to
// expect_fits and expect_not_extreme, and the p-value checks written out in place), so the
// false-failure rate of the whole file is below 60 x 1e-4 = 0.6%. Each distribution check uses
// 50,000 to 200,000 draws, which detects a change of about 1% in any probability above 0.01 (shown
// by the "statistics can fail" test case).
#include "core/error.hpp"
#include "core/random.hpp"
#include "stats.hpp"

#include <Random123/philox.h>
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

using deportsim::Purpose;
using deportsim::RandomStream;

namespace {

constexpr double alpha = 1e-4;
constexpr std::uint64_t test_seed = 20250203;

// A fresh stream per case: the cell number names the case, so that cases do not share numbers.
RandomStream stream_for(std::uint32_t case_number) {
    return RandomStream(test_seed, 7, case_number, Purpose::departures);
}

std::vector<std::int64_t> draw(std::size_t count, RandomStream& rng,
                               const std::function<std::int64_t(RandomStream&)>& sampler) {
    std::vector<std::int64_t> values(count);
    for (auto& value : values) {
        value = sampler(rng);
    }
    return values;
}

// Chi-square goodness of fit of `samples` against `pmf` at significance alpha; also checks
// that every sample lies in the support [lowest, highest].
void expect_fits(const std::vector<std::int64_t>& samples, const deportsim::stats::DiscretePmf& pmf,
                 std::int64_t lowest, std::int64_t highest, const std::string& what) {
    INFO(what);
    for (const std::int64_t x : samples) {
        if (x < lowest || x > highest) {
            FAIL("value " << x << " outside the support [" << lowest << ", " << highest << "]");
        }
    }
    const auto result = deportsim::stats::chi_square_test(samples, pmf);
    INFO("chi-square " << result.statistic << " on " << result.degrees_of_freedom
                       << " degrees of freedom, p = " << result.p_value);
    CHECK(result.p_value > alpha);
}

// A z-score check at significance alpha.
void expect_not_extreme(double z, const std::string& what) {
    INFO(what << ": z = " << z);
    CHECK(deportsim::stats::normal_two_sided_p_value(z) > alpha);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// The statistics helper itself.

TEST_CASE("chi-square and Kolmogorov p-values match published values") {
    using namespace deportsim::stats;
    // Reference values from scipy.stats.chi2.sf and scipy.stats.kstwobign.sf.
    CHECK(chi_square_p_value(3.841458820694124, 1) == Approx(0.05).epsilon(1e-12));
    CHECK(chi_square_p_value(18.307038053275146, 10) == Approx(0.05).epsilon(1e-12));
    CHECK(chi_square_p_value(1000.0, 1000) == Approx(0.49405285382923964).epsilon(1e-10));
    CHECK(chi_square_p_value(51000.0, 50000) == Approx(0.0008345791931219171).epsilon(1e-8));
    CHECK(chi_square_p_value(2.5, 7) == Approx(0.9270970650134738).epsilon(1e-12));
    CHECK(chi_square_p_value(30.0, 3) == Approx(1.3800570312932553e-06).epsilon(1e-10));
    CHECK(chi_square_p_value(0.0, 4) == 1.0);
    CHECK(kolmogorov_survival(1.3580986393225507) == Approx(0.05).epsilon(1e-12));
    CHECK(kolmogorov_survival(0.5) == Approx(0.9639452436648751).epsilon(1e-12));
    CHECK(kolmogorov_survival(2.0) == Approx(0.0006709252557796953).epsilon(1e-10));
}

TEST_CASE("chi-square pools small expected counts and flags impossible values") {
    using namespace deportsim::stats;
    const std::vector<double> observed = {1, 2, 10, 20, 9, 3};
    const std::vector<double> expected = {2, 3, 10, 19, 10, 4};
    const auto result = chi_square_test(observed, expected, 5.0);
    // Pooled: {1+2, 10, 20, 9+3} against {2+3, 10, 19, 10+4}: the short remainder {3} against
    // {4} joins the last full bin.
    CHECK(result.bins == 4);
    CHECK(result.degrees_of_freedom == 3);
    CHECK(result.statistic == Approx(4.0 / 5.0 + 0.0 + 1.0 / 19.0 + 4.0 / 14.0).epsilon(1e-12));

    const DiscretePmf fair_die{1, {1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6}};
    std::vector<std::int64_t> rolls;
    for (int i = 0; i < 600; ++i) {
        rolls.push_back(1 + i % 6);
    }
    CHECK(chi_square_test(rolls, fair_die).p_value == Approx(1.0));
    rolls.push_back(7); // impossible for a die
    const DiscretePmf die_with_outside{1, {0.1, 0.1, 0.1, 0.1, 0.1, 0.1}};
    CHECK(chi_square_test(rolls, die_with_outside).p_value < 1e-6);
}

TEST_CASE("exact pmfs sum to one and have the right moments") {
    using namespace deportsim::stats;
    const auto check_moments = [](const DiscretePmf& pmf, double mean, double variance) {
        double total = 0.0, first = 0.0, second = 0.0;
        for (std::int64_t k = pmf.first; k <= pmf.last(); ++k) {
            total += pmf(k);
            first += static_cast<double>(k) * pmf(k);
        }
        for (std::int64_t k = pmf.first; k <= pmf.last(); ++k) {
            second += (static_cast<double>(k) - first) * (static_cast<double>(k) - first) * pmf(k);
        }
        CHECK(total == Approx(1.0).epsilon(1e-12));
        CHECK(first == Approx(mean).epsilon(1e-9));
        CHECK(second == Approx(variance).epsilon(1e-7));
    };
    check_moments(binomial_pmf(40, 0.3), 12.0, 8.4);
    check_moments(binomial_pmf(1'000'000, 0.999), 999'000.0, 999.0);
    check_moments(poisson_pmf(3.5), 3.5, 3.5);
    check_moments(poisson_pmf(250'000.0), 250'000.0, 250'000.0);
    check_moments(hypergeometric_pmf(30, 70, 40), 12.0, 40 * 0.3 * 0.7 * 60.0 / 99.0);
    check_moments(hypergeometric_pmf(700, 300, 999), 699.3, 999 * 0.7 * 0.3 * 1.0 / 999.0);
    CHECK(binomial_pmf(5, 0.4)(2) == Approx(10 * 0.16 * 0.216).epsilon(1e-12));
    CHECK(hypergeometric_pmf(5, 10, 4)(2) == Approx(10.0 * 45.0 / 1365.0).epsilon(1e-12));
}

TEST_CASE("statistics can fail: small errors in a distribution are detected") {
    using namespace deportsim::stats;
    RandomStream rng = stream_for(1);
    // Binomial(100, 0.3) tested against Binomial(100, 0.306): p off by 2%.
    const auto binomial = draw(
        100'000, rng, [](RandomStream& r) { return deportsim::sample_binomial(r, 100, 0.30); });
    CHECK(chi_square_test(binomial, binomial_pmf(100, 0.306)).p_value < 1e-6);

    std::vector<double> uniform(50'000), skewed(50'000);
    for (auto& u : uniform) {
        u = rng.uniform();
    }
    for (auto& u : skewed) {
        u = std::pow(rng.uniform(), 1.06); // distribution function x^(1/1.06): D = 0.02
    }
    CHECK(ks_two_sample(uniform, skewed).p_value < 1e-6);
    CHECK(ks_test(skewed, [](double x) { return x; }).p_value < 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Streams.

TEST_CASE("streams are Philox4x32-10 with key (seed low, seed high) and counter (step, cell, "
          "purpose, block)") {
    using Philox = r123::Philox4x32_R<10>;
    // Known-answer test from Random123's kat_vectors: zero counter and key.
    const Philox::ctr_type zero_counter = {{0, 0, 0, 0}};
    const Philox::key_type zero_key = {{0, 0}};
    const auto known = Philox()(zero_counter, zero_key);
    CHECK(known.v[0] == 0x6627e8d5u);
    CHECK(known.v[1] == 0xe169c58du);
    CHECK(known.v[2] == 0xbc57ac4cu);
    CHECK(known.v[3] == 0x9b00dbd8u);

    const std::uint64_t seed = 0x0123456789abcdefULL;
    RandomStream rng(seed, 42, 1001, Purpose::removal);
    for (std::uint32_t block = 0; block < 3; ++block) {
        const Philox::ctr_type counter = {
            {42, 1001, static_cast<std::uint32_t>(Purpose::removal), block}};
        const Philox::key_type key = {{0x89abcdefu, 0x01234567u}};
        const auto expected = Philox()(counter, key);
        for (int word = 0; word < 4; ++word) {
            CHECK(rng.next_u32() == expected.v[word]);
        }
    }
    RandomStream pairs(seed, 42, 1001, Purpose::removal);
    RandomStream words(seed, 42, 1001, Purpose::removal);
    const std::uint64_t low = words.next_u32();
    const std::uint64_t high = words.next_u32();
    CHECK(pairs.next_u64() == (low | (high << 32)));
}

TEST_CASE("the same (seed, step, cell, purpose) gives the same numbers") {
    RandomStream a(99, 3, 17, Purpose::arrest);
    RandomStream b(99, 3, 17, Purpose::arrest);
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(a.next_u64() == b.next_u64());
    }
    RandomStream c(99, 3, 17, Purpose::arrest);
    RandomStream d(99, 3, 17, Purpose::arrest);
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(deportsim::sample_binomial(c, 1000, 0.4) ==
                deportsim::sample_binomial(d, 1000, 0.4));
        REQUIRE(deportsim::sample_poisson(c, 3.0) == deportsim::sample_poisson(d, 3.0));
    }
}

TEST_CASE("different seeds, steps, cells and purposes give different numbers") {
    const auto first_words = [](RandomStream rng) {
        std::array<std::uint64_t, 4> words{};
        for (auto& w : words) {
            w = rng.next_u64();
        }
        return words;
    };
    const auto base = first_words(RandomStream(5, 10, 20, Purpose::departures));
    CHECK(base != first_words(RandomStream(6, 10, 20, Purpose::departures)));
    CHECK(base != first_words(RandomStream(5 + (std::uint64_t{1} << 32), 10, 20,
                                           Purpose::departures))); // seed high half
    CHECK(base != first_words(RandomStream(5, 11, 20, Purpose::departures)));
    CHECK(base != first_words(RandomStream(5, 10, 21, Purpose::departures)));
    CHECK(base != first_words(RandomStream(5, 10, 20, Purpose::mortality)));
    // Swapping step and cell must not give the same stream either.
    CHECK(first_words(RandomStream(5, 1, 2, Purpose::agent)) !=
          first_words(RandomStream(5, 2, 1, Purpose::agent)));
}

TEST_CASE("uniform() lies in (0, 1), has 53-bit resolution, and is uniform") {
    RandomStream rng = stream_for(2);
    constexpr int count = 200'000;
    std::vector<double> values(count);
    double sum = 0.0;
    for (auto& u : values) {
        u = rng.uniform();
        REQUIRE(u > 0.0);
        REQUIRE(u < 1.0);
        const double scaled = u * 0x1p53;
        REQUIRE(scaled == std::floor(scaled)); // a multiple of 2^-53
        sum += u;
    }
    const double mean = sum / count;
    expect_not_extreme((mean - 0.5) / std::sqrt(1.0 / 12.0 / count), "mean of uniform()");
    const auto ks = deportsim::stats::ks_test(values, [](double x) { return x; });
    INFO("KS D = " << ks.statistic);
    CHECK(ks.p_value > alpha);

    // Two streams that differ only in purpose: same distribution (two-sample KS).
    RandomStream other(test_seed, 7, 2, Purpose::interdiction);
    std::vector<double> others(count);
    for (auto& u : others) {
        u = other.uniform();
    }
    CHECK(deportsim::stats::ks_two_sample(values, others).p_value > alpha);

    // The low bits matter too: the lowest 8 of the 53 bits are uniform.
    std::vector<std::int64_t> low_bits(count);
    for (std::size_t i = 0; i < low_bits.size(); ++i) {
        low_bits[i] = static_cast<std::int64_t>(values[i] * 0x1p53) & 0xff;
    }
    expect_fits(low_bits, deportsim::stats::DiscretePmf{0, std::vector<double>(256, 1.0 / 256)}, 0,
                255, "lowest 8 bits of uniform()");

    for (int i = 0; i < 100'000; ++i) {
        const double u = rng.uniform_positive();
        REQUIRE(u > 0.0);
        REQUIRE(u <= 1.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Binomial.

TEST_CASE("binomial edge cases are exact and draw nothing") {
    RandomStream rng = stream_for(3);
    RandomStream untouched = stream_for(3);
    constexpr std::int64_t trillion = 1'000'000'000'000;
    CHECK(deportsim::sample_binomial(rng, 0, 0.5) == 0);
    CHECK(deportsim::sample_binomial(rng, 0, 1.0) == 0);
    CHECK(deportsim::sample_binomial(rng, 17, 0.0) == 0);
    CHECK(deportsim::sample_binomial(rng, trillion, 0.0) == 0);
    CHECK(deportsim::sample_binomial(rng, 17, 1.0) == 17);
    CHECK(deportsim::sample_binomial(rng, trillion, 1.0) == trillion);
    CHECK(rng.next_u64() == untouched.next_u64());

    for (int i = 0; i < 1000; ++i) {
        const auto x = deportsim::sample_binomial(rng, 1, 0.5);
        REQUIRE((x == 0 || x == 1));
        REQUIRE(deportsim::sample_binomial(rng, 3, 1e-300) >= 0);
        REQUIRE(deportsim::sample_binomial(rng, 3, 1.0 - 1e-16) <= 3);
    }
    CHECK_THROWS_AS(deportsim::sample_binomial(rng, -1, 0.5), deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_binomial(rng, 10, -0.1), deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_binomial(rng, 10, 1.5), deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_binomial(rng, 10, std::nan("")), deportsim::InternalError);
}

TEST_CASE("binomial matches the exact pmf (chi-square)") {
    struct Case {
        std::int64_t n;
        double p;
        const char* what;
    };
    const std::vector<Case> cases = {
        {20, 0.3, "inversion, small n"},
        {1000, 0.003, "inversion, p near 0"},
        {200, 0.97, "inversion mirrored, p near 1"},
        {100'000, 0.99995, "inversion mirrored, p very near 1"},
        {1'000'000'000'000, 5e-12, "inversion, n = 1e12"},
        {21, 0.5, "BTRD just above n p = 10"},
        {1000, 0.0101, "BTRD, n p = 10.1"},
        {30, 0.45, "BTRD, small n"},
        {1000, 0.25, "BTRD"},
        {5000, 0.995, "BTRD mirrored, p near 1"},
        {1'000'000, 0.4, "BTRD, n = 1e6"},
        {100'000'000, 0.5, "BTRD, n = 1e8, p = 1/2"},
    };
    std::uint32_t number = 100;
    for (const auto& c : cases) {
        RandomStream rng = stream_for(number++);
        const auto samples = draw(
            100'000, rng, [&](RandomStream& r) { return deportsim::sample_binomial(r, c.n, c.p); });
        expect_fits(samples, deportsim::stats::binomial_pmf(c.n, c.p), 0, c.n,
                    std::string(c.what) + ": n = " + std::to_string(c.n) +
                        ", p = " + std::to_string(c.p));
    }
}

TEST_CASE("binomial with n = 1e12 matches the normal limit in 40 bins") {
    // Binomial(1e12, 0.3) has skewness 9e-7: the normal distribution function (with continuity
    // correction) gives bin probabilities correct to ~1e-6, far below what 100,000 draws resolve.
    constexpr std::int64_t n = 1'000'000'000'000;
    constexpr double p = 0.3;
    const double mean = n * p;
    const double sd = std::sqrt(n * p * (1 - p));
    RandomStream rng = stream_for(4);
    const auto samples =
        draw(100'000, rng, [&](RandomStream& r) { return deportsim::sample_binomial(r, n, p); });
    constexpr int bins = 40; // 38 bins of sd/4 between -4.75 sd and +4.75 sd, plus two tails
    std::vector<double> observed(bins, 0.0), expected(bins, 0.0);
    const auto edge = [&](int i) { // lower edge of bin i, as an integer
        return static_cast<std::int64_t>(std::floor(mean + (i - 20) * sd / 4.0));
    };
    for (const auto x : samples) {
        int bin = 0;
        while (bin + 1 < bins && x >= edge(bin + 1)) {
            ++bin;
        }
        observed[static_cast<std::size_t>(bin)] += 1.0;
    }
    for (int i = 0; i < bins; ++i) {
        const double lower =
            i == 0 ? 0.0
                   : deportsim::stats::normal_cdf((static_cast<double>(edge(i)) - 0.5 - mean) / sd);
        const double upper = i + 1 == bins
                                 ? 1.0
                                 : deportsim::stats::normal_cdf(
                                       (static_cast<double>(edge(i + 1)) - 0.5 - mean) / sd);
        expected[static_cast<std::size_t>(i)] = (upper - lower) * samples.size();
    }
    const auto result = deportsim::stats::chi_square_test(observed, expected);
    INFO("chi-square " << result.statistic << ", p = " << result.p_value);
    CHECK(result.p_value > alpha);
    for (const auto x : samples) {
        REQUIRE((x >= 0 && x <= n));
    }
}

// ---------------------------------------------------------------------------------------------
// Poisson.

TEST_CASE("Poisson edge cases") {
    RandomStream rng = stream_for(5);
    RandomStream untouched = stream_for(5);
    CHECK(deportsim::sample_poisson(rng, 0.0) == 0);
    CHECK(rng.next_u64() == untouched.next_u64());
    CHECK_THROWS_AS(deportsim::sample_poisson(rng, -1.0), deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_poisson(rng, std::nan("")), deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_poisson(rng, std::numeric_limits<double>::infinity()),
                    deportsim::InternalError);
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(deportsim::sample_poisson(rng, 1e-300) >= 0);
    }
}

TEST_CASE("Poisson matches the exact pmf (chi-square)") {
    const std::vector<double> means = {0.01, 0.5, 3.0, 9.99, 10.0, 37.5, 1000.0, 1e6, 1e9};
    std::uint32_t number = 200;
    for (const double mean : means) {
        RandomStream rng = stream_for(number++);
        const auto samples =
            draw(100'000, rng, [&](RandomStream& r) { return deportsim::sample_poisson(r, mean); });
        expect_fits(samples, deportsim::stats::poisson_pmf(mean), 0,
                    std::numeric_limits<std::int64_t>::max(), "mean " + std::to_string(mean));
    }
}

TEST_CASE("Poisson with a huge mean has the right mean and variance") {
    const double mean = 1e14;
    RandomStream rng = stream_for(6);
    constexpr std::size_t count = 50'000;
    const auto samples =
        draw(count, rng, [&](RandomStream& r) { return deportsim::sample_poisson(r, mean); });
    double sum = 0.0, squares = 0.0;
    for (const auto x : samples) {
        const double d = static_cast<double>(x) - mean;
        sum += d;
        squares += d * d;
    }
    const double n = static_cast<double>(count);
    expect_not_extreme(sum / n / std::sqrt(mean / n), "mean of Poisson(1e14)");
    // The sample variance of a near-normal sample has standard error variance * sqrt(2 / n).
    expect_not_extreme((squares / n - mean) / (mean * std::sqrt(2.0 / n)),
                       "variance of Poisson(1e14)");
}

// ---------------------------------------------------------------------------------------------
// Hypergeometric.

TEST_CASE("hypergeometric edge cases are exact") {
    RandomStream rng = stream_for(7);
    RandomStream untouched = stream_for(7);
    CHECK(deportsim::sample_hypergeometric(rng, 30, 40, 0) == 0);
    CHECK(deportsim::sample_hypergeometric(rng, 30, 40, 70) == 30);
    CHECK(deportsim::sample_hypergeometric(rng, 0, 40, 25) == 0);
    CHECK(deportsim::sample_hypergeometric(rng, 30, 0, 25) == 25);
    CHECK(deportsim::sample_hypergeometric(rng, 0, 0, 0) == 0);
    CHECK(deportsim::sample_hypergeometric(rng, 4'000'000'000'000, 5'000'000'000'000,
                                           9'000'000'000'000) == 4'000'000'000'000);
    CHECK(rng.next_u64() == untouched.next_u64());
    CHECK_THROWS_AS(deportsim::sample_hypergeometric(rng, 3, 4, 8), deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_hypergeometric(rng, -3, 4, 2), deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_hypergeometric(rng, 3, 4, -1), deportsim::InternalError);
}

TEST_CASE("hypergeometric matches the exact pmf (chi-square)") {
    struct Case {
        std::int64_t good, bad, draws;
        const char* what;
    };
    const std::vector<Case> cases = {
        {7, 20, 5, "inversion, small draws"},
        {20, 5, 8, "inversion, good > bad"},
        {500, 600, 1097, "inversion, draws near all"},
        {3, 1000, 400, "inversion, few good"},
        {995, 5, 600, "inversion, few bad"},
        {12, 13, 12, "HRUA, small urn"},
        {40, 60, 50, "HRUA"},
        {300, 700, 400, "HRUA"},
        {700, 300, 400, "HRUA, good > bad"},
        {300, 700, 800, "HRUA, draws > half"},
        {15, 100'000, 50'000, "HRUA, few good, mean 7.5"},
        {3'000'000, 7'000'000, 2'000'000, "HRUA, large urn"},
        {300'000'000'000, 700'000'000'000, 100'000'000'000, "HRUA, urn of 1e12"},
    };
    std::uint32_t number = 300;
    for (const auto& c : cases) {
        RandomStream rng = stream_for(number++);
        const auto samples = draw(100'000, rng, [&](RandomStream& r) {
            return deportsim::sample_hypergeometric(r, c.good, c.bad, c.draws);
        });
        expect_fits(samples, deportsim::stats::hypergeometric_pmf(c.good, c.bad, c.draws),
                    std::max<std::int64_t>(0, c.draws - c.bad), std::min(c.draws, c.good),
                    std::string(c.what) + ": good = " + std::to_string(c.good) + ", bad = " +
                        std::to_string(c.bad) + ", draws = " + std::to_string(c.draws));
    }
}

// ---------------------------------------------------------------------------------------------
// Multinomial.

TEST_CASE("multinomial edge cases are exact") {
    RandomStream rng = stream_for(8);
    std::array<std::int64_t, 3> out{};
    const std::array<double, 3> p = {0.2, 0.3, 0.1};
    deportsim::sample_multinomial(rng, 0, p, out);
    CHECK(out == std::array<std::int64_t, 3>{0, 0, 0});
    const std::array<double, 3> nothing = {0.0, 0.0, 0.0};
    deportsim::sample_multinomial(rng, 50, nothing, out);
    CHECK(out == std::array<std::int64_t, 3>{0, 0, 0});
    const std::array<double, 3> certain = {0.0, 1.0, 0.0};
    deportsim::sample_multinomial(rng, 50, certain, out);
    CHECK(out == std::array<std::int64_t, 3>{0, 50, 0});
    // Probabilities that sum to 1 up to rounding (0.1 + 0.2 + 0.3 + 0.4 > 1 in doubles) and
    // ones that sum to exactly 1 with the last category last: every trial lands somewhere.
    const std::array<double, 4> tenths = {0.1, 0.2, 0.3, 0.4};
    const std::array<double, 4> trailing_zero = {0.25, 0.5, 0.25, 0.0};
    std::array<std::int64_t, 4> four{};
    for (int i = 0; i < 10'000; ++i) {
        deportsim::sample_multinomial(rng, 1000, tenths, four);
        REQUIRE(std::accumulate(four.begin(), four.end(), std::int64_t{0}) == 1000);
        deportsim::sample_multinomial(rng, 1'000'000'000'000, trailing_zero, four);
        REQUIRE(std::accumulate(four.begin(), four.end(), std::int64_t{0}) == 1'000'000'000'000);
        REQUIRE(four[3] == 0);
    }
    const std::array<double, 2> too_much = {0.6, 0.6};
    std::array<std::int64_t, 2> two{};
    CHECK_THROWS_AS(deportsim::sample_multinomial(rng, 5, too_much, two), deportsim::InternalError);
    const std::array<double, 2> negative = {0.6, -0.1};
    CHECK_THROWS_AS(deportsim::sample_multinomial(rng, 5, negative, two), deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_multinomial(rng, 5, p, two), deportsim::InternalError);
}

TEST_CASE("multinomial marginals are binomial and the remainder is the implicit category") {
    // p sums to 0.7: 30% of trials fall in the implicit "nothing happens" category.
    const std::array<double, 4> p = {0.1, 0.25, 0.05, 0.3};
    constexpr std::int64_t n = 50;
    constexpr std::size_t count = 100'000;
    RandomStream rng = stream_for(9);
    std::array<std::vector<std::int64_t>, 4> marginals;
    std::vector<std::int64_t> sums(count);
    std::array<std::int64_t, 4> out{};
    for (std::size_t i = 0; i < count; ++i) {
        deportsim::sample_multinomial(rng, n, p, out);
        std::int64_t sum = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            marginals[k].push_back(out[k]);
            sum += out[k];
        }
        sums[i] = sum;
    }
    for (std::size_t k = 0; k < 4; ++k) {
        expect_fits(marginals[k], deportsim::stats::binomial_pmf(n, p[k]), 0, n,
                    "marginal " + std::to_string(k));
    }
    expect_fits(sums, deportsim::stats::binomial_pmf(n, 0.7), 0, n, "trials that land");
}

TEST_CASE("multinomial joint distribution matches the exact pmf for n = 4") {
    // All 15 outcomes of 4 trials in 3 categories (p sums to 1), against n! / prod(x_k!)
    // prod(p_k^x_k).
    const std::array<double, 3> p = {0.2, 0.5, 0.3};
    constexpr int n = 4;
    RandomStream rng = stream_for(10);
    std::vector<double> observed((n + 1) * (n + 1), 0.0), expected((n + 1) * (n + 1), 0.0);
    constexpr std::size_t count = 100'000;
    std::array<std::int64_t, 3> out{};
    for (std::size_t i = 0; i < count; ++i) {
        deportsim::sample_multinomial(rng, n, p, out);
        REQUIRE(out[0] + out[1] + out[2] == n);
        observed[static_cast<std::size_t>(out[0] * (n + 1) + out[1])] += 1.0;
    }
    const auto factorial = [](int k) { return std::tgamma(k + 1.0); };
    for (int a = 0; a <= n; ++a) {
        for (int b = 0; a + b <= n; ++b) {
            const int c = n - a - b;
            expected[static_cast<std::size_t>(a * (n + 1) + b)] =
                count * factorial(n) / (factorial(a) * factorial(b) * factorial(c)) *
                std::pow(p[0], a) * std::pow(p[1], b) * std::pow(p[2], c);
        }
    }
    const auto result = deportsim::stats::chi_square_test(observed, expected);
    INFO("chi-square " << result.statistic << ", p = " << result.p_value);
    CHECK(result.p_value > alpha);
}

TEST_CASE("multinomial with large n: marginals and exact total") {
    const std::array<double, 3> p = {0.001, 0.5, 0.499};
    constexpr std::int64_t n = 1'000'000;
    RandomStream rng = stream_for(11);
    std::array<std::vector<std::int64_t>, 3> marginals;
    std::array<std::int64_t, 3> out{};
    for (int i = 0; i < 50'000; ++i) {
        deportsim::sample_multinomial(rng, n, p, out);
        REQUIRE(out[0] + out[1] + out[2] == n);
        for (std::size_t k = 0; k < 3; ++k) {
            marginals[k].push_back(out[k]);
        }
    }
    for (std::size_t k = 0; k < 3; ++k) {
        expect_fits(marginals[k], deportsim::stats::binomial_pmf(n, p[k]), 0, n,
                    "large-n marginal " + std::to_string(k));
    }
}

// ---------------------------------------------------------------------------------------------
// Multivariate hypergeometric.

TEST_CASE("multivariate hypergeometric edge cases are exact") {
    RandomStream rng = stream_for(12);
    const std::array<std::int64_t, 4> counts = {30, 0, 50, 20};
    std::array<std::int64_t, 4> out{};
    deportsim::sample_multivariate_hypergeometric(rng, counts, 0, out);
    CHECK(out == std::array<std::int64_t, 4>{0, 0, 0, 0});
    deportsim::sample_multivariate_hypergeometric(rng, counts, 100, out);
    CHECK(out == counts);
    const std::array<std::int64_t, 3> one_colour = {0, 40, 0};
    std::array<std::int64_t, 3> three{};
    deportsim::sample_multivariate_hypergeometric(rng, one_colour, 17, three);
    CHECK(three == std::array<std::int64_t, 3>{0, 17, 0});
    CHECK_THROWS_AS(deportsim::sample_multivariate_hypergeometric(rng, counts, 101, out),
                    deportsim::InternalError);
    const std::array<std::int64_t, 2> negative = {5, -1};
    std::array<std::int64_t, 2> two{};
    CHECK_THROWS_AS(deportsim::sample_multivariate_hypergeometric(rng, negative, 1, two),
                    deportsim::InternalError);
    CHECK_THROWS_AS(deportsim::sample_multivariate_hypergeometric(rng, counts, 5, two),
                    deportsim::InternalError);
}

TEST_CASE("multivariate hypergeometric marginals are hypergeometric and the sum is exact") {
    struct Case {
        std::vector<std::int64_t> counts;
        std::int64_t draws;
    };
    const std::vector<Case> cases = {
        {{30, 50, 20, 100}, 60},
        {{3, 1, 0, 6}, 5},
        {{1'000'000, 2'000'000, 500'000}, 1'000'000},
    };
    std::uint32_t number = 400;
    for (const auto& c : cases) {
        RandomStream rng = stream_for(number++);
        const std::int64_t total =
            std::accumulate(c.counts.begin(), c.counts.end(), std::int64_t{0});
        std::vector<std::vector<std::int64_t>> marginals(c.counts.size());
        std::vector<std::int64_t> out(c.counts.size());
        for (int i = 0; i < 50'000; ++i) {
            deportsim::sample_multivariate_hypergeometric(rng, c.counts, c.draws, out);
            REQUIRE(std::accumulate(out.begin(), out.end(), std::int64_t{0}) == c.draws);
            for (std::size_t k = 0; k < out.size(); ++k) {
                REQUIRE(out[k] <= c.counts[k]);
                marginals[k].push_back(out[k]);
            }
        }
        for (std::size_t k = 0; k < c.counts.size(); ++k) {
            if (c.counts[k] == 0) {
                CHECK(std::all_of(marginals[k].begin(), marginals[k].end(),
                                  [](std::int64_t x) { return x == 0; }));
                continue;
            }
            const std::int64_t others = total - c.counts[k];
            expect_fits(marginals[k],
                        deportsim::stats::hypergeometric_pmf(c.counts[k], others, c.draws),
                        std::max<std::int64_t>(0, c.draws - others), std::min(c.draws, c.counts[k]),
                        "colour " + std::to_string(k) + " of an urn of " + std::to_string(total));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Log factorials (used inside the rejection samplers).

TEST_CASE("log_factorial_difference is exact for small and for huge close arguments") {
    for (std::int64_t a : {0, 1, 5, 125, 126, 127, 1000, 123456}) {
        for (std::int64_t b : {0, 3, 125, 126, 200, 99999}) {
            CHECK(deportsim::log_factorial_difference(a, b) ==
                  Approx(std::lgamma(a + 1.0) - std::lgamma(b + 1.0)).epsilon(1e-12).margin(1e-12));
        }
    }
    // log((b + d)! / b!) = sum_{i=1..d} log(b + i), for b = 1e12, where log(b!) ~ 2.6e13 would
    // leave only ~3 correct digits in a plain difference.
    constexpr std::int64_t b = 1'000'000'000'000;
    for (std::int64_t d : {1, 7, 40, 1000}) {
        double sum = 0.0;
        for (std::int64_t i = 1; i <= d; ++i) {
            sum += std::log(static_cast<double>(b + i));
        }
        CHECK(deportsim::log_factorial_difference(b + d, b) == Approx(sum).epsilon(1e-13));
        CHECK(deportsim::log_factorial_difference(b, b + d) == Approx(-sum).epsilon(1e-13));
    }
    CHECK(deportsim::log_factorial(10) == Approx(std::log(3628800.0)).epsilon(1e-15));
    CHECK(deportsim::log_factorial(170) == Approx(std::lgamma(171.0)).epsilon(1e-14));
}
