#include "sweep/design.hpp"

#include "core/error.hpp"
#include "sweep/seed.hpp"
#include "sweep/sobol_sequence.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace deportsim::sweep {

namespace {

// Separates the hashes of the Latin hypercube from each other and from run seeds.
constexpr std::uint64_t permutation_purpose = 0x4c48532d7065726dULL; // "LHS-perm"
constexpr std::uint64_t position_purpose = 0x4c48532d706f7374ULL;    // "LHS-post"

std::uint64_t design_hash(std::uint64_t seed, std::uint64_t purpose, std::uint64_t dimension,
                          std::uint64_t index) {
    return mix64(mix64(mix64(mix64(seed) ^ purpose) ^ dimension) ^ index);
}

// The largest double below 1.
constexpr double below_one = 1.0 - 0x1p-53;

void map_unit(Design& design, const std::vector<ParameterSpec>& parameters) {
    design.values.resize(design.unit.size());
    const std::size_t d = parameters.size();
    for (std::size_t i = 0; i < design.unit.size(); ++i) {
        design.values[i] = parameter_value(parameters[i % d], design.unit[i]);
    }
}

} // namespace

double parameter_value(const ParameterSpec& parameter, double u) {
    u = std::clamp(u, 0.0, below_one);
    const double high = parameter.integer ? parameter.high + 1 : parameter.high;
    double x = 0;
    if (parameter.distribution == Distribution::loguniform) {
        const double log_low = std::log(parameter.low);
        x = std::exp(log_low + u * (std::log(high) - log_low));
    } else {
        x = parameter.low + u * (high - parameter.low);
    }
    if (parameter.integer) {
        x = std::min(std::floor(x), parameter.high);
    }
    return std::clamp(x, parameter.low, parameter.high);
}

std::vector<double> grid_values(const ParameterSpec& parameter) {
    std::vector<double> values;
    const int steps = parameter.steps;
    for (int k = 0; k < steps; ++k) {
        const double t = steps == 1 ? 0.0 : static_cast<double>(k) / (steps - 1);
        double x = 0;
        if (k == steps - 1 && steps > 1) {
            x = parameter.high; // exactly, whatever the rounding of the formula
        } else if (parameter.distribution == Distribution::loguniform) {
            const double log_low = std::log(parameter.low);
            x = std::exp(log_low + t * (std::log(parameter.high) - log_low));
        } else {
            x = parameter.low + t * (parameter.high - parameter.low);
        }
        if (k == 0) {
            x = parameter.low;
        }
        if (parameter.integer) {
            x = std::round(x);
        }
        values.push_back(x);
    }
    return values;
}

Design grid_design(const std::vector<ParameterSpec>& parameters) {
    Design design;
    design.kind = DesignKind::grid;
    design.parameters = static_cast<int>(parameters.size());
    design.count = 1;
    if (parameters.empty()) {
        return design;
    }
    std::size_t points = 1;
    for (const auto& parameter : parameters) {
        points *= parameter.values.size();
    }
    const std::size_t d = parameters.size();
    design.count = static_cast<int>(points);
    design.values.resize(points * d);
    for (std::size_t p = 0; p < points; ++p) {
        // Mixed-radix digits of p, the last parameter varying fastest.
        std::size_t rest = p;
        for (std::size_t j = d; j-- > 0;) {
            const std::size_t size = parameters[j].values.size();
            design.values[p * d + j] = parameters[j].values[rest % size];
            rest /= size;
        }
    }
    return design;
}

std::vector<double> latin_hypercube_unit(int samples, int dimensions, std::uint64_t seed) {
    const auto n = static_cast<std::size_t>(samples);
    const auto d = static_cast<std::size_t>(dimensions);
    std::vector<double> unit(n * d);
    std::vector<std::size_t> stratum(n);
    for (std::size_t j = 0; j < d; ++j) {
        // Fisher-Yates shuffle of the strata, one hash per swap.
        std::iota(stratum.begin(), stratum.end(), std::size_t{0});
        for (std::size_t k = n; k-- > 1;) {
            const double u = unit_interval(design_hash(seed, permutation_purpose, j, k));
            const auto pick = std::min(static_cast<std::size_t>(u * static_cast<double>(k + 1)), k);
            std::swap(stratum[k], stratum[pick]);
        }
        for (std::size_t i = 0; i < n; ++i) {
            const double within = unit_interval(design_hash(seed, position_purpose, j, i));
            const double low = static_cast<double>(stratum[i]) / static_cast<double>(n);
            const double high = static_cast<double>(stratum[i] + 1) / static_cast<double>(n);
            double x = (static_cast<double>(stratum[i]) + within) / static_cast<double>(n);
            // Rounding must not carry a point into the next stratum.
            x = std::clamp(x, low, std::nextafter(high, 0.0));
            unit[i * d + j] = x;
        }
    }
    return unit;
}

Design latin_hypercube_design(const std::vector<ParameterSpec>& parameters, int samples,
                              std::uint64_t seed) {
    Design design;
    design.kind = DesignKind::latin_hypercube;
    design.parameters = static_cast<int>(parameters.size());
    design.samples = samples;
    design.count = samples;
    design.unit = latin_hypercube_unit(samples, design.parameters, seed);
    map_unit(design, parameters);
    return design;
}

Design sobol_design(const std::vector<ParameterSpec>& parameters, int samples) {
    const int d = static_cast<int>(parameters.size());
    if (2 * d > sobol_max_dimensions) {
        throw InputError("a Sobol' design of " + std::to_string(d) +
                         " parameters needs a sequence of " + std::to_string(2 * d) +
                         " dimensions; at most " + std::to_string(sobol_max_dimensions / 2) +
                         " parameters are supported");
    }
    Design design;
    design.kind = DesignKind::sobol;
    design.parameters = d;
    design.samples = samples;
    const SobolSequence sequence(2 * d);
    const auto n = static_cast<std::size_t>(samples);
    const auto width = static_cast<std::size_t>(d);
    std::vector<double> a(n * width), b(n * width);
    for (std::size_t row = 0; row < n; ++row) {
        const std::vector<double> x = sequence.point(row + 1); // point 0 (all zeros) skipped
        std::copy(x.begin(), x.begin() + d, a.begin() + static_cast<std::ptrdiff_t>(row * width));
        std::copy(x.begin() + d, x.end(), b.begin() + static_cast<std::ptrdiff_t>(row * width));
    }
    const std::size_t points = n * (width + 2);
    design.count = static_cast<int>(points);
    design.unit.resize(points * width);
    design.sobol_matrix.resize(points);
    design.sobol_row.resize(points);
    for (std::size_t matrix = 0; matrix < width + 2; ++matrix) {
        for (std::size_t row = 0; row < n; ++row) {
            const std::size_t point = matrix * n + row;
            double* out = design.unit.data() + point * width;
            const double* from = (matrix == 1 ? b.data() : a.data()) + row * width;
            std::copy(from, from + width, out);
            if (matrix >= 2) {
                const std::size_t i = matrix - 2;
                out[i] = b[row * width + i];
            }
            design.sobol_matrix[point] = static_cast<int>(matrix);
            design.sobol_row[point] = static_cast<int>(row);
        }
    }
    map_unit(design, parameters);
    return design;
}

} // namespace deportsim::sweep
