// Random streams (Philox4x32-10) and exact samplers. See random.hpp for the contract.
//
// References for the algorithms:
// - W. Hörmann, "The generation of binomial random variates", J. Statist. Comput. Simul. 46
//   (1993) 101-110: BTRD. Constants and steps as in the paper (also in Boost.Random's
//   binomial_distribution).
// - W. Hörmann, "The transformed rejection method for generating Poisson random variables",
//   Insurance: Mathematics and Economics 12 (1993) 39-45: PTRS.
// - E. Stadlober, "Sampling from Poisson, binomial and hypergeometric distributions: ratio of
//   uniforms as a simple and fast alternative", thesis, Graz (1989): HRUA, as in numpy's
//   random_hypergeometric.c (without its cut at 16 standard deviations, so the full support
//   is kept).
// The final acceptance tests of all three compare against log-pmf ratios computed with
// log_factorial_difference, which stays exact when the counts are large (n up to 2^53), where
// the textbook forms subtract two numbers of size n log n.
#include "core/random.hpp"

#include "core/error.hpp"

#include <Random123/philox.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace deportsim {

// ---------------------------------------------------------------------------------------------
// The stream.

RandomStream::RandomStream(std::uint64_t seed, std::uint32_t step, std::uint32_t cell,
                           Purpose purpose)
    : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
      counter_{step, cell, static_cast<std::uint32_t>(purpose), 0} {}

void RandomStream::refill() {
    if (exhausted_) {
        throw InternalError("random stream (step " + std::to_string(counter_[0]) + ", cell " +
                            std::to_string(counter_[1]) + ", purpose " +
                            std::to_string(counter_[2]) +
                            ") exhausted its 2^32 blocks of random numbers");
    }
    using Philox = r123::Philox4x32_R<10>;
    const Philox::ctr_type counter = {{counter_[0], counter_[1], counter_[2], counter_[3]}};
    const Philox::key_type key = {{key_[0], key_[1]}};
    const Philox::ctr_type block = Philox()(counter, key);
    for (int word = 0; word < 4; ++word) {
        buffer_[word] = block.v[word];
    }
    used_ = 0;
    if (++counter_[3] == 0) {
        exhausted_ = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Log factorials.

namespace {

// log(k!) for k = 0 .. 125, correctly rounded (computed with 50-digit decimal arithmetic).
constexpr int log_factorial_table_size = 126;
constexpr std::array<double, log_factorial_table_size> log_factorial_table = {
    0.0,
    0.0,
    0.6931471805599453,
    1.791759469228055,
    3.1780538303479458,
    4.787491742782046,
    6.579251212010101,
    8.525161361065415,
    10.60460290274525,
    12.801827480081469,
    15.104412573075516,
    17.502307845873887,
    19.987214495661885,
    22.552163853123425,
    25.19122118273868,
    27.89927138384089,
    30.671860106080672,
    33.50507345013689,
    36.39544520803305,
    39.339884187199495,
    42.335616460753485,
    45.38013889847691,
    48.47118135183523,
    51.60667556776438,
    54.78472939811232,
    58.00360522298052,
    61.261701761002,
    64.55753862700634,
    67.88974313718154,
    71.25703896716801,
    74.65823634883016,
    78.0922235533153,
    81.55795945611504,
    85.05446701758152,
    88.58082754219768,
    92.1361756036871,
    95.7196945421432,
    99.33061245478743,
    102.96819861451381,
    106.63176026064346,
    110.32063971475739,
    114.0342117814617,
    117.77188139974507,
    121.53308151543864,
    125.3172711493569,
    129.12393363912722,
    132.95257503561632,
    136.80272263732635,
    140.67392364823425,
    144.5657439463449,
    148.47776695177302,
    152.40959258449735,
    156.3608363030788,
    160.3311282166309,
    164.32011226319517,
    168.32744544842765,
    172.3527971391628,
    176.39584840699735,
    180.45629141754378,
    184.53382886144948,
    188.6281734236716,
    192.7390472878449,
    196.86618167289,
    201.00931639928152,
    205.1681994826412,
    209.34258675253685,
    213.53224149456327,
    217.73693411395422,
    221.95644181913033,
    226.1905483237276,
    230.43904356577696,
    234.70172344281826,
    238.97838956183432,
    243.2688490029827,
    247.57291409618688,
    251.8904022097232,
    256.22113555000954,
    260.5649409718632,
    264.9216497985528,
    269.2910976510198,
    273.6731242856937,
    278.0675734403661,
    282.4742926876304,
    286.893133295427,
    291.3239500942703,
    295.76660135076065,
    300.22094864701415,
    304.6868567656687,
    309.1641935801469,
    313.65282994987905,
    318.1526396202093,
    322.66349912672615,
    327.1852877037752,
    331.7178871969285,
    336.26118197919845,
    340.815058870799,
    345.37940706226686,
    349.95411804077025,
    354.5390855194408,
    359.1342053695754,
    363.73937555556347,
    368.35449607240474,
    372.979468885689,
    377.61419787391867,
    382.25858877306,
    386.91254912321756,
    391.5759882173296,
    396.24881705179155,
    400.93094827891576,
    405.6222961611449,
    410.32277652693733,
    415.03230672824964,
    419.7508055995447,
    424.4781934182571,
    429.21439186665157,
    433.9593239950148,
    438.71291418612117,
    443.47508812091894,
    448.2457727453846,
    453.0248962384961,
    457.81238798127816,
    462.6081785268749,
    467.4121995716082,
    472.2243839269806,
    477.04466549258564,
    481.87297922988796,
};

constexpr double half_log_two_pi = 0.91893853320467274178;

// log(k!) - [(k + 1/2) log k - k + log(2 pi) / 2]: the Stirling series to 1/k^7. For
// k >= 126 the first omitted term, 1/(1188 k^9), is below 1e-21.
double stirling_correction(double k) {
    const double inverse = 1.0 / k;
    const double inverse_squared = inverse * inverse;
    return inverse *
           (1.0 / 12.0 -
            inverse_squared *
                (1.0 / 360.0 - inverse_squared * (1.0 / 1260.0 - inverse_squared / 1680.0)));
}

// log of the Poisson(mean) pmf at k, log_mean = log(mean). For large k the form
// (k - mean) - k log1p((k - mean)/mean) - ... avoids subtracting k log k from k log mean.
double log_poisson_pmf(std::int64_t k, double mean, double log_mean) {
    if (k < log_factorial_table_size) {
        return -mean + static_cast<double>(k) * log_mean -
               log_factorial_table[static_cast<std::size_t>(k)];
    }
    const double x = static_cast<double>(k);
    const double excess = x - mean;
    return excess - x * std::log1p(excess / mean) - 0.5 * std::log(x) - half_log_two_pi -
           stirling_correction(x);
}

} // namespace

double log_factorial(std::int64_t k) {
    if (k < log_factorial_table_size) {
        return log_factorial_table[static_cast<std::size_t>(k)];
    }
    const double x = static_cast<double>(k);
    return (x + 0.5) * std::log(x) - x + half_log_two_pi + stirling_correction(x);
}

double log_factorial_difference(std::int64_t a, std::int64_t b) {
    if (a == b) {
        return 0.0;
    }
    if (a < log_factorial_table_size || b < log_factorial_table_size) {
        return log_factorial(a) - log_factorial(b);
    }
    // With d = a - b: (a + 1/2) log a - (b + 1/2) log b - d
    //               = (b + 1/2) log1p(d / b) + d (log a - 1); every term is of size |d| log a.
    const double x = static_cast<double>(a);
    const double y = static_cast<double>(b);
    const double d = x - y;
    return (y + 0.5) * std::log1p(d / y) + d * (std::log(x) - 1.0) + stirling_correction(x) -
           stirling_correction(y);
}

// ---------------------------------------------------------------------------------------------
// Samplers.

namespace {

[[noreturn]] void reject_parameter(const char* sampler, const std::string& what) {
    throw InternalError(std::string(sampler) + ": " + what);
}

// Binomial(n, p) by sequential search from 0, for p <= 1/2 and n p < 10 (about n p + 1 steps).
std::int64_t binomial_inversion(RandomStream& rng, std::int64_t n, double p) {
    const double q = 1.0 - p;
    const double odds = p / q;
    const double scaled_odds = static_cast<double>(n + 1) * odds;
    const double pmf_zero = std::exp(static_cast<double>(n) * std::log1p(-p));
    for (;;) {
        double u = rng.uniform();
        double pmf = pmf_zero;
        std::int64_t x = 0;
        while (u > pmf) {
            u -= pmf;
            ++x;
            if (x > n) {
                break;
            }
            pmf *= scaled_odds / static_cast<double>(x) - odds; // f(x) / f(x - 1)
            if (!(pmf > 0.0)) {
                break; // underflow far in the tail
            }
        }
        if (u <= pmf && x <= n) {
            return x;
        }
        // Rounding left u above the total computed mass (probability ~1e-16): draw again, so
        // that no value absorbs the rounding error.
    }
}

// BTRD: Hörmann (1993), for p <= 1/2 and n p >= 10. Step numbers are the paper's.
std::int64_t binomial_btrd(RandomStream& rng, std::int64_t n, double p) {
    const double q = 1.0 - p;
    const double nd = static_cast<double>(n);
    // Step 0: set-up.
    const auto mode = static_cast<std::int64_t>(std::floor((nd + 1.0) * p));
    const double odds = p / q;
    const double scaled_odds = (nd + 1.0) * odds;
    const double npq = nd * p * q;
    const double sqrt_npq = std::sqrt(npq);
    const double b = 1.15 + 2.53 * sqrt_npq;
    const double a = -0.0873 + 0.0248 * b + 0.01 * p;
    const double c = nd * p + 0.5;
    const double alpha = (2.83 + 5.1 / b) * sqrt_npq;
    const double v_r = 0.92 - 4.2 / b;
    const double u_rv_r = 0.86 * v_r;

    for (;;) {
        // Step 1: the central region where the hat lies under the histogram: accept at once.
        double v = rng.uniform();
        double u;
        if (v <= u_rv_r) {
            u = v / v_r - 0.43;
            return static_cast<std::int64_t>(
                std::floor((2.0 * a / (0.5 - std::fabs(u)) + b) * u + c));
        }
        // Step 2: generate u and v for the rest of the hat.
        if (v >= v_r) {
            u = rng.uniform() - 0.5;
        } else {
            u = v / v_r - 0.93;
            u = (u < 0.0 ? -0.5 : 0.5) - u;
            v = rng.uniform() * v_r;
        }
        // Step 3.0
        const double us = 0.5 - std::fabs(u);
        const double kd = std::floor((2.0 * a / us + b) * u + c);
        if (kd < 0.0 || kd > nd) {
            continue;
        }
        const auto k = static_cast<std::int64_t>(kd);
        v = v * alpha / (a / (us * us) + b);
        const std::int64_t km = k > mode ? k - mode : mode - k;
        if (km <= 15) {
            // Step 3.1: recursive evaluation of f(k) / f(mode).
            double f = 1.0;
            if (mode < k) {
                for (std::int64_t i = mode + 1; i <= k; ++i) {
                    f *= scaled_odds / static_cast<double>(i) - odds;
                }
            } else if (mode > k) {
                for (std::int64_t i = k + 1; i <= mode; ++i) {
                    v *= scaled_odds / static_cast<double>(i) - odds;
                }
            }
            if (v <= f) {
                return k;
            }
            continue;
        }
        // Step 4: squeeze on log(f(k) / f(mode)) by the normal approximation.
        v = std::log(v);
        const double kmd = static_cast<double>(km);
        const double rho = (kmd / npq) * (((kmd / 3.0 + 0.625) * kmd + 1.0 / 6.0) / npq + 0.5);
        const double t = -kmd * kmd / (2.0 * npq);
        if (v < t - rho) {
            return k;
        }
        if (v > t + rho) {
            continue;
        }
        // Step 5: the exact test, log f(k) - log f(mode) in a form that keeps its precision.
        const double log_ratio = log_factorial_difference(mode, k) +
                                 log_factorial_difference(n - mode, n - k) +
                                 static_cast<double>(k - mode) * std::log(odds);
        if (v <= log_ratio) {
            return k;
        }
    }
}

// Poisson(mean) by sequential search from 0, for mean < 10.
std::int64_t poisson_inversion(RandomStream& rng, double mean) {
    const double pmf_zero = std::exp(-mean);
    for (;;) {
        double u = rng.uniform();
        double pmf = pmf_zero;
        std::int64_t x = 0;
        while (u > pmf) {
            u -= pmf;
            ++x;
            pmf *= mean / static_cast<double>(x);
            if (!(pmf > 0.0)) {
                break; // underflow far in the tail
            }
        }
        if (u <= pmf) {
            return x;
        }
        // Rounding left u above the total computed mass: draw again.
    }
}

// PTRS: Hörmann (1993), for mean >= 10.
std::int64_t poisson_ptrs(RandomStream& rng, double mean) {
    const double sqrt_mean = std::sqrt(mean);
    const double log_mean = std::log(mean);
    const double b = 0.931 + 2.53 * sqrt_mean;
    const double a = -0.059 + 0.02483 * b;
    const double log_inverse_alpha = std::log(1.1239 + 1.1328 / (b - 3.4));
    const double v_r = 0.9277 - 3.6224 / (b - 2.0);
    // Values beyond this have probability below exp(-1e15) and cannot be represented anyway.
    const double beyond = mean + 1e6 * (sqrt_mean + 1.0);

    for (;;) {
        const double u = rng.uniform() - 0.5;
        const double v = rng.uniform();
        const double us = 0.5 - std::fabs(u);
        const double kd = std::floor((2.0 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= v_r) {
            return static_cast<std::int64_t>(kd);
        }
        if (kd < 0.0 || (us < 0.013 && v > us) || kd > beyond) {
            continue;
        }
        const auto k = static_cast<std::int64_t>(kd);
        if (std::log(v) + log_inverse_alpha - std::log(a / (us * us) + b) <=
            log_poisson_pmf(k, mean, log_mean)) {
            return k;
        }
    }
}

// The number of the minority colour among `sample` draws, when min(sample, minority) < 10.
// By the symmetry C(M,k) C(N-M,n-k) / C(N,n) = C(n,k) C(N-n,M-k) / C(N,M), the roles of the
// sample size and the minority count can be exchanged; we search over k = 0 .. `smaller`,
// where `smaller` = min(sample, minority) and `larger` = max(sample, minority), both <= N/2.
std::int64_t hypergeometric_inversion(RandomStream& rng, std::int64_t smaller, std::int64_t larger,
                                      std::int64_t total) {
    const double n = static_cast<double>(smaller);
    const double m = static_cast<double>(larger);
    const double big_n = static_cast<double>(total);
    double pmf_zero = 1.0; // C(N - l, s) / C(N, s)
    for (std::int64_t i = 0; i < smaller; ++i) {
        const double id = static_cast<double>(i);
        pmf_zero *= (big_n - m - id) / (big_n - id);
    }
    for (;;) {
        double u = rng.uniform();
        double pmf = pmf_zero;
        std::int64_t x = 0;
        while (u > pmf && x < smaller) {
            u -= pmf;
            const double xd = static_cast<double>(x);
            pmf *= (m - xd) * (n - xd) / ((xd + 1.0) * (big_n - m - n + xd + 1.0));
            ++x;
        }
        if (u <= pmf) {
            return x;
        }
        // Rounding left u above the total computed mass: draw again.
    }
}

// HRUA: Stadlober (1989), ratio of uniforms with a "table mountain" hat. `sample` <= N/2 draws
// from an urn with `minority` <= N/2 items of one colour and `majority` of the other; returns
// the number of the minority colour drawn. Names follow Stadlober's algorithm.
std::int64_t hypergeometric_hrua(RandomStream& rng, std::int64_t sample, std::int64_t minority,
                                 std::int64_t majority) {
    constexpr double d1 = 1.7155277699214135; // 2 sqrt(2/e)
    constexpr double d2 = 0.8989161620588988; // 3 - 2 sqrt(3/e)
    const std::int64_t total = minority + majority;
    const double big_n = static_cast<double>(total);
    const double n = static_cast<double>(sample);
    const double p = static_cast<double>(minority) / big_n;
    const double q = static_cast<double>(majority) / big_n;
    const double mean = n * p;
    const double a = mean + 0.5;
    const double variance = (big_n - n) * n * p * q / (big_n - 1.0);
    const double c = std::sqrt(variance + 0.5);
    const double h = d1 * c + d2;
    const auto mode = static_cast<std::int64_t>(
        std::floor((n + 1.0) * (static_cast<double>(minority) + 1.0) / (big_n + 2.0)));
    // The support is 0 .. min(sample, minority) (sample <= majority since sample <= N/2).
    const double bound = static_cast<double>(std::min(sample, minority) + 1);

    for (;;) {
        const double u = rng.uniform();
        const double v = rng.uniform();
        const double x = a + h * (v - 0.5) / u;
        if (x < 0.0 || x >= bound) {
            continue;
        }
        const auto k = static_cast<std::int64_t>(std::floor(x));
        // t = log f(k) - log f(mode)
        const double t = log_factorial_difference(mode, k) +
                         log_factorial_difference(minority - mode, minority - k) +
                         log_factorial_difference(sample - mode, sample - k) +
                         log_factorial_difference(majority - sample + mode, majority - sample + k);
        if (u * (4.0 - u) - 3.0 <= t) {
            return k; // squeeze: accept
        }
        if (u * (u - t) >= 1.0) {
            continue; // squeeze: reject
        }
        if (2.0 * std::log(u) <= t) {
            return k;
        }
    }
}

} // namespace

std::int64_t sample_poisson(RandomStream& rng, double mean) {
    if (!(mean >= 0.0 && mean <= max_poisson_mean)) {
        reject_parameter("sample_poisson", "mean " + std::to_string(mean) + " is not in [0, 1e15]");
    }
    if (mean == 0.0) {
        return 0;
    }
    return mean < 10.0 ? poisson_inversion(rng, mean) : poisson_ptrs(rng, mean);
}

std::int64_t sample_binomial(RandomStream& rng, std::int64_t n, double p) {
    if (n < 0 || n > max_sampler_count) {
        reject_parameter("sample_binomial", "n = " + std::to_string(n) + " is not in [0, 2^53]");
    }
    if (!(p >= 0.0 && p <= 1.0)) {
        reject_parameter("sample_binomial", "p = " + std::to_string(p) + " is not in [0, 1]");
    }
    if (n == 0 || p == 0.0) {
        return 0;
    }
    if (p == 1.0) {
        return n;
    }
    const bool mirrored = p > 0.5;
    const double smaller_p = mirrored ? 1.0 - p : p; // exact for p in [1/2, 1]
    const std::int64_t x = static_cast<double>(n) * smaller_p < 10.0
                               ? binomial_inversion(rng, n, smaller_p)
                               : binomial_btrd(rng, n, smaller_p);
    return mirrored ? n - x : x;
}

void sample_multinomial(RandomStream& rng, std::int64_t n, std::span<const double> p,
                        std::span<std::int64_t> out) {
    if (out.size() != p.size()) {
        reject_parameter("sample_multinomial", "out has " + std::to_string(out.size()) +
                                                   " entries for " + std::to_string(p.size()) +
                                                   " probabilities");
    }
    if (n < 0 || n > max_sampler_count) {
        reject_parameter("sample_multinomial", "n = " + std::to_string(n) + " is not in [0, 2^53]");
    }
    double total = 0.0;
    std::size_t last_positive = p.size();
    for (std::size_t k = 0; k < p.size(); ++k) {
        if (!(p[k] >= 0.0 && p[k] <= 1.0)) {
            reject_parameter("sample_multinomial", "p[" + std::to_string(k) + "] = " +
                                                       std::to_string(p[k]) + " is not in [0, 1]");
        }
        total += p[k];
        if (p[k] > 0.0) {
            last_positive = k;
        }
    }
    // Probabilities meant to sum to 1 may exceed it by rounding; anything more is a bug.
    if (total > 1.0 + 1e-9) {
        reject_parameter("sample_multinomial",
                         "probabilities sum to " + std::to_string(total) + " > 1");
    }
    const double nothing = total >= 1.0 ? 0.0 : 1.0 - total; // the implicit last category
    double remaining = total; // mass of the explicit categories not yet drawn
    std::int64_t left = n;
    for (std::size_t k = 0; k < p.size(); ++k) {
        if (left == 0 || p[k] == 0.0) {
            out[k] = 0;
            continue;
        }
        double conditional;
        if (k == last_positive && nothing == 0.0) {
            conditional = 1.0;
        } else {
            conditional = std::min(1.0, p[k] / (remaining + nothing));
        }
        out[k] = sample_binomial(rng, left, conditional);
        left -= out[k];
        remaining -= p[k];
        if (remaining < 0.0) {
            remaining = 0.0;
        }
    }
}

std::int64_t sample_hypergeometric(RandomStream& rng, std::int64_t good, std::int64_t bad,
                                   std::int64_t draws) {
    if (good < 0 || bad < 0 || good > max_sampler_count - bad) {
        reject_parameter("sample_hypergeometric",
                         "urn with " + std::to_string(good) + " good and " + std::to_string(bad) +
                             " bad is not in 0 <= good, bad and good + bad <= 2^53");
    }
    const std::int64_t total = good + bad;
    if (draws < 0 || draws > total) {
        reject_parameter("sample_hypergeometric", "draws = " + std::to_string(draws) +
                                                      " is not in [0, " + std::to_string(total) +
                                                      "]");
    }
    // Symmetries: draw the smaller of the sample and its complement, and count the minority.
    const std::int64_t sample = std::min(draws, total - draws);
    const std::int64_t minority = std::min(good, bad);
    const std::int64_t majority = total - minority;
    const std::int64_t smaller = std::min(sample, minority);
    std::int64_t minority_drawn;
    if (smaller == 0) {
        minority_drawn = 0;
    } else if (smaller < 10) {
        minority_drawn = hypergeometric_inversion(rng, smaller, std::max(sample, minority), total);
    } else {
        minority_drawn = hypergeometric_hrua(rng, sample, minority, majority);
    }
    const std::int64_t good_in_sample = good <= bad ? minority_drawn : sample - minority_drawn;
    return sample == draws ? good_in_sample : good - good_in_sample;
}

void sample_multivariate_hypergeometric(RandomStream& rng, std::span<const std::int64_t> counts,
                                        std::int64_t draws, std::span<std::int64_t> out) {
    if (out.size() != counts.size()) {
        reject_parameter("sample_multivariate_hypergeometric",
                         "out has " + std::to_string(out.size()) + " entries for " +
                             std::to_string(counts.size()) + " colours");
    }
    std::int64_t total = 0;
    for (std::size_t k = 0; k < counts.size(); ++k) {
        if (counts[k] < 0 || counts[k] > max_sampler_count - total) {
            reject_parameter("sample_multivariate_hypergeometric",
                             "counts[" + std::to_string(k) + "] = " + std::to_string(counts[k]) +
                                 " is negative or makes the urn exceed 2^53");
        }
        total += counts[k];
    }
    if (draws < 0 || draws > total) {
        reject_parameter("sample_multivariate_hypergeometric", "draws = " + std::to_string(draws) +
                                                                   " is not in [0, " +
                                                                   std::to_string(total) + "]");
    }
    std::int64_t left = draws;
    for (std::size_t k = 0; k < counts.size(); ++k) {
        const std::int64_t rest = total - counts[k];
        out[k] = left == 0 ? 0 : sample_hypergeometric(rng, counts[k], rest, left);
        left -= out[k];
        total = rest;
    }
}

} // namespace deportsim
