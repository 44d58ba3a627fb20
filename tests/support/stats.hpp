// Statistics for the engine's statistical tests: chi-square goodness of fit (with pooling of
// small expected counts), exact discrete pmfs to test against, Kolmogorov-Smirnov tests, and
// Student's t distribution for tests of a mean over seeds (every_mode.hpp).
//
// How to write a statistical test with these (tests/cpp/test_random.cpp has many examples):
//   1. Fix the seed, so that the test is reproducible and a failure can be investigated.
//   2. Choose a significance level alpha; assert p_value > alpha. A correct implementation then
//      fails with probability alpha for a seed chosen at random: write that false-failure rate
//      in a comment, and keep alpha small (1e-4 here) because a test file holds many checks.
//   3. Use samples large enough that a real error would be caught (tens of thousands of draws),
//      and show once that the check does fail on a wrong distribution.
//
// Header-only, no dependencies beyond the standard library.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

namespace deportsim::stats {

// ---------------------------------------------------------------------------------------------
// Special functions.

// The regularized upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a), a > 0,
// x >= 0: a power series for P = 1 - Q when x < a + 1, a continued fraction (modified Lentz)
// for Q otherwise. Relative accuracy about 1e-14 for the p-values tests use.
inline double regularized_upper_gamma(double a, double x) {
    if (!(a > 0.0) || !(x >= 0.0)) {
        throw std::invalid_argument("regularized_upper_gamma: needs a > 0 and x >= 0");
    }
    if (x == 0.0) {
        return 1.0;
    }
    const double log_prefactor = a * std::log(x) - x - std::lgamma(a);
    constexpr int max_iterations = 1'000'000;
    constexpr double tolerance = 1e-16;
    if (x < a + 1.0) {
        // P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n))
        double term = 1.0 / a;
        double sum = term;
        for (int n = 1; n < max_iterations; ++n) {
            term *= x / (a + n);
            sum += term;
            if (std::fabs(term) < std::fabs(sum) * tolerance) {
                break;
            }
        }
        return 1.0 - sum * std::exp(log_prefactor);
    }
    // Q(a, x) = x^a e^-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...))
    constexpr double tiny = 1e-300;
    double b = x + 1.0 - a;
    double c = 1.0 / tiny;
    double d = 1.0 / b;
    double fraction = d;
    for (int n = 1; n < max_iterations; ++n) {
        const double an = -n * (n - a);
        b += 2.0;
        d = an * d + b;
        if (std::fabs(d) < tiny) {
            d = tiny;
        }
        c = b + an / c;
        if (std::fabs(c) < tiny) {
            c = tiny;
        }
        d = 1.0 / d;
        const double delta = d * c;
        fraction *= delta;
        if (std::fabs(delta - 1.0) < tolerance) {
            break;
        }
    }
    return std::exp(log_prefactor) * fraction;
}

// The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1: the continued
// fraction (modified Lentz, Numerical Recipes 6.4) on the side of x where it converges fast.
// Relative accuracy about 1e-14 for the p-values tests use.
inline double regularized_incomplete_beta(double a, double b, double x) {
    if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0 && x <= 1.0)) {
        throw std::invalid_argument("regularized_incomplete_beta: needs a, b > 0 and x in [0, 1]");
    }
    if (x == 0.0 || x == 1.0) {
        return x;
    }
    if (x > (a + 1.0) / (a + b + 2.0)) {
        return 1.0 - regularized_incomplete_beta(b, a, 1.0 - x);
    }
    const double log_prefactor =
        std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    constexpr double tiny = 1e-300;
    constexpr double tolerance = 1e-16;
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / (std::fabs(d) < tiny ? tiny : d);
    double fraction = d;
    for (int m = 1; m < 100'000; ++m) {
        for (const double coefficient :
             {m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
              -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))}) {
            d = 1.0 + coefficient * d;
            d = 1.0 / (std::fabs(d) < tiny ? tiny : d);
            c = 1.0 + coefficient / c;
            c = std::fabs(c) < tiny ? tiny : c;
            fraction *= d * c;
        }
        if (std::fabs(d * c - 1.0) < tolerance) {
            break;
        }
    }
    return std::exp(log_prefactor) * fraction / a;
}

// P(|T| > |t|) for Student's t with `degrees_of_freedom`: the two-sided p-value of a t statistic.
inline double student_t_two_sided_p_value(double t, double degrees_of_freedom) {
    if (!(degrees_of_freedom > 0.0)) {
        throw std::invalid_argument("student_t_two_sided_p_value: needs degrees of freedom > 0");
    }
    if (std::isinf(t)) {
        return 0.0;
    }
    return regularized_incomplete_beta(0.5 * degrees_of_freedom, 0.5,
                                       degrees_of_freedom / (degrees_of_freedom + t * t));
}

// P(chi-square with `degrees_of_freedom` > statistic): the upper-tail p-value.
inline double chi_square_p_value(double statistic, double degrees_of_freedom) {
    if (statistic <= 0.0) {
        return 1.0;
    }
    return regularized_upper_gamma(0.5 * degrees_of_freedom, 0.5 * statistic);
}

// P(|Z| > |z|) for a standard normal Z: the two-sided p-value of a z-score.
inline double normal_two_sided_p_value(double z) {
    return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

// Standard normal cumulative distribution function.
inline double normal_cdf(double z) {
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

// The Kolmogorov distribution's survival function P(K > lambda) = 2 sum_k (-1)^(k-1)
// exp(-2 k^2 lambda^2): the asymptotic p-value of sqrt(n) D.
inline double kolmogorov_survival(double lambda) {
    if (lambda < 0.2) {
        return 1.0; // the series converges slowly here and the value is 1 to 1e-20
    }
    double sum = 0.0;
    double sign = 1.0;
    for (int k = 1; k <= 100; ++k) {
        const double term = std::exp(-2.0 * k * k * lambda * lambda);
        sum += sign * term;
        if (term < 1e-18) {
            break;
        }
        sign = -sign;
    }
    return std::clamp(2.0 * sum, 0.0, 1.0);
}

// ---------------------------------------------------------------------------------------------
// Chi-square goodness of fit.

struct ChiSquareResult {
    double statistic = 0.0;
    int degrees_of_freedom = 0;
    double p_value = 1.0;
    int bins = 0; // after pooling
};

// Pearson's chi-square test of observed counts against expected counts, bin by bin (both spans
// the same length; the expected counts should add up to the number of observations).
// Adjacent bins are pooled from left to right until each pooled bin expects at least
// `min_expected` observations; a remainder that expects fewer joins the last pooled bin.
// Degrees of freedom = pooled bins - 1 - fitted_parameters (parameters estimated from the same
// data). A bin that expects nothing but holds an observation makes the statistic infinite and
// the p-value 0: an impossible value was seen.
inline ChiSquareResult chi_square_test(std::span<const double> observed,
                                       std::span<const double> expected, double min_expected = 5.0,
                                       int fitted_parameters = 0) {
    if (observed.size() != expected.size()) {
        throw std::invalid_argument("chi_square_test: observed and expected differ in length");
    }
    std::vector<double> pooled_observed;
    std::vector<double> pooled_expected;
    double observed_sum = 0.0;
    double expected_sum = 0.0;
    for (std::size_t i = 0; i < observed.size(); ++i) {
        observed_sum += observed[i];
        expected_sum += expected[i];
        if (expected_sum >= min_expected) {
            pooled_observed.push_back(observed_sum);
            pooled_expected.push_back(expected_sum);
            observed_sum = 0.0;
            expected_sum = 0.0;
        }
    }
    if (observed_sum > 0.0 || expected_sum > 0.0) {
        if (pooled_expected.empty()) {
            pooled_observed.push_back(observed_sum);
            pooled_expected.push_back(expected_sum);
        } else {
            pooled_observed.back() += observed_sum;
            pooled_expected.back() += expected_sum;
        }
    }
    ChiSquareResult result;
    result.bins = static_cast<int>(pooled_expected.size());
    for (std::size_t i = 0; i < pooled_expected.size(); ++i) {
        const double difference = pooled_observed[i] - pooled_expected[i];
        if (pooled_expected[i] > 0.0) {
            result.statistic += difference * difference / pooled_expected[i];
        } else if (pooled_observed[i] > 0.0) {
            result.statistic = std::numeric_limits<double>::infinity();
        }
    }
    result.degrees_of_freedom = result.bins - 1 - fitted_parameters;
    if (result.degrees_of_freedom < 1) {
        throw std::invalid_argument("chi_square_test: fewer than two bins after pooling; draw "
                                    "more samples or lower min_expected");
    }
    result.p_value = std::isinf(result.statistic)
                         ? 0.0
                         : chi_square_p_value(result.statistic, result.degrees_of_freedom);
    return result;
}

// A discrete distribution on the integers first, first + 1, ..., given by its probabilities.
struct DiscretePmf {
    std::int64_t first = 0;
    std::vector<double> probabilities; // P(X = first + i)

    std::int64_t last() const {
        return first + static_cast<std::int64_t>(probabilities.size()) - 1;
    }
    double operator()(std::int64_t k) const {
        return k < first || k > last() ? 0.0 : probabilities[static_cast<std::size_t>(k - first)];
    }
};

// Chi-square test of integer samples against a pmf. One bin per value of the pmf's range, plus
// one bin for everything outside it (expected: the mass the range misses, normally ~0); that
// outside bin joins the last bin when it expects fewer than `min_expected`.
inline ChiSquareResult chi_square_test(std::span<const std::int64_t> samples,
                                       const DiscretePmf& pmf, double min_expected = 5.0) {
    const std::size_t size = pmf.probabilities.size();
    std::vector<double> observed(size + 1, 0.0);
    std::vector<double> expected(size + 1, 0.0);
    for (const std::int64_t x : samples) {
        if (x < pmf.first || x > pmf.last()) {
            observed[size] += 1.0;
        } else {
            observed[static_cast<std::size_t>(x - pmf.first)] += 1.0;
        }
    }
    const double n = static_cast<double>(samples.size());
    double covered = 0.0;
    for (std::size_t i = 0; i < size; ++i) {
        expected[i] = n * pmf.probabilities[i];
        covered += pmf.probabilities[i];
    }
    expected[size] = n * std::max(0.0, 1.0 - covered);
    if (expected[size] < min_expected) {
        observed[size - 1] += observed[size];
        expected[size - 1] += expected[size];
        observed.pop_back();
        expected.pop_back();
    }
    return chi_square_test(observed, expected, min_expected);
}

// ---------------------------------------------------------------------------------------------
// Exact pmfs. Each is built from the ratio f(k+1)/f(k), outwards from the mode, until the terms
// fall below 1e-20 of the peak (the tails decrease at least geometrically there, so what is left
// out is below 1e-18), then normalised by its sum. No log-gamma is involved, so the result is
// accurate to rounding even for huge parameters; the cost is one step per value kept (about
// 20 standard deviations' worth).

namespace detail {

template <class Ratio>
DiscretePmf pmf_from_ratios(std::int64_t mode, std::int64_t lowest, std::int64_t highest,
                            Ratio ratio) {
    constexpr double cutoff = 1e-20;
    std::vector<double> below; // f(mode - 1), f(mode - 2), ... relative to f(mode) = 1
    double f = 1.0;
    std::int64_t k = mode;
    while (k > lowest) {
        f /= ratio(k - 1); // f(k - 1) = f(k) / ratio(k - 1)
        if (f < cutoff) {
            break;
        }
        below.push_back(f);
        --k;
    }
    DiscretePmf pmf;
    pmf.first = mode - static_cast<std::int64_t>(below.size());
    pmf.probabilities.assign(below.rbegin(), below.rend());
    pmf.probabilities.push_back(1.0);
    f = 1.0;
    k = mode;
    while (k < highest) {
        f *= ratio(k); // f(k + 1)
        if (f < cutoff) {
            break;
        }
        pmf.probabilities.push_back(f);
        ++k;
    }
    double sum = 0.0;
    for (const double value : pmf.probabilities) {
        sum += value;
    }
    for (double& value : pmf.probabilities) {
        value /= sum;
    }
    return pmf;
}

} // namespace detail

// Binomial(n, p).
inline DiscretePmf binomial_pmf(std::int64_t n, double p) {
    if (p <= 0.0 || n == 0) {
        return {0, {1.0}};
    }
    if (p >= 1.0) {
        return {n, {1.0}};
    }
    const double odds = p / (1.0 - p);
    const auto mode = std::min(n, static_cast<std::int64_t>(std::floor((n + 1.0) * p)));
    return detail::pmf_from_ratios(mode, 0, n, [&](std::int64_t k) {
        return static_cast<double>(n - k) / static_cast<double>(k + 1) * odds;
    });
}

// Poisson(mean).
inline DiscretePmf poisson_pmf(double mean) {
    if (mean <= 0.0) {
        return {0, {1.0}};
    }
    const auto mode = static_cast<std::int64_t>(std::floor(mean));
    return detail::pmf_from_ratios(
        mode, 0, std::numeric_limits<std::int64_t>::max(),
        [&](std::int64_t k) { return mean / static_cast<double>(k + 1); });
}

// Hypergeometric: successes among `draws` taken without replacement from `good` successes and
// `bad` failures.
inline DiscretePmf hypergeometric_pmf(std::int64_t good, std::int64_t bad, std::int64_t draws) {
    const std::int64_t lowest = std::max<std::int64_t>(0, draws - bad);
    const std::int64_t highest = std::min(draws, good);
    const double total = static_cast<double>(good + bad);
    const auto mode = std::clamp(
        static_cast<std::int64_t>(std::floor((draws + 1.0) * (good + 1.0) / (total + 2.0))), lowest,
        highest);
    return detail::pmf_from_ratios(mode, lowest, highest, [&](std::int64_t k) {
        const double kd = static_cast<double>(k);
        return (static_cast<double>(good) - kd) * (static_cast<double>(draws) - kd) /
               ((kd + 1.0) * (static_cast<double>(bad - draws) + kd + 1.0));
    });
}

// ---------------------------------------------------------------------------------------------
// Kolmogorov-Smirnov.

struct KsResult {
    double statistic = 0.0; // D, the largest distance between the two distribution functions
    double p_value = 1.0;
};

namespace detail {

// Asymptotic p-value with Stephens' small-sample correction (Numerical Recipes, 14.3).
inline double ks_p_value(double statistic, double effective_size) {
    const double root = std::sqrt(effective_size);
    return kolmogorov_survival((root + 0.12 + 0.11 / root) * statistic);
}

} // namespace detail

// One-sample test of `sample` against a continuous distribution function `cdf`.
template <class Cdf>
KsResult ks_test(std::vector<double> sample, Cdf cdf) {
    if (sample.empty()) {
        throw std::invalid_argument("ks_test: empty sample");
    }
    std::sort(sample.begin(), sample.end());
    const double n = static_cast<double>(sample.size());
    KsResult result;
    for (std::size_t i = 0; i < sample.size(); ++i) {
        const double f = cdf(sample[i]);
        result.statistic = std::max(
            {result.statistic, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
    }
    result.p_value = detail::ks_p_value(result.statistic, n);
    return result;
}

// Two-sample test: are `a` and `b` drawn from the same distribution? Ties (within or between
// samples) are handled by stepping both empirical distribution functions past a value at once.
// For discrete data the p-value is conservative: a correct implementation fails less often
// than the stated significance, never more.
inline KsResult ks_two_sample(std::vector<double> a, std::vector<double> b) {
    if (a.empty() || b.empty()) {
        throw std::invalid_argument("ks_two_sample: empty sample");
    }
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    const double na = static_cast<double>(a.size());
    const double nb = static_cast<double>(b.size());
    std::size_t i = 0;
    std::size_t j = 0;
    KsResult result;
    while (i < a.size() && j < b.size()) {
        const double value = std::min(a[i], b[j]);
        while (i < a.size() && a[i] == value) {
            ++i;
        }
        while (j < b.size() && b[j] == value) {
            ++j;
        }
        result.statistic = std::max(
            result.statistic, std::fabs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
    }
    result.p_value = detail::ks_p_value(result.statistic, na * nb / (na + nb));
    return result;
}

} // namespace deportsim::stats
