// The points of a sweep: which parameter values each run uses.
//
// Three designs (docs/sweep-format.md):
//  - grid: every combination of each parameter's values; the first parameter varies slowest.
//  - latin_hypercube: N points; on each parameter's unit interval split into N equal strata,
//    every stratum holds exactly one point, at a uniform position within it.
//  - sobol: Saltelli's scheme for first- and total-order Sobol' indices with d parameters:
//    the first N points of a 2d-dimensional Sobol' sequence (from point 1, point 0 being all
//    zeros) give matrix A (coordinates 1 .. d) and matrix B (coordinates d+1 .. 2d); the design
//    is A, then B, then A_B^i for i = 1 .. d (A with column i taken from B): N (d + 2) points.
// Designs are made in the unit cube and mapped to parameter values by each parameter's
// range, distribution and rounding (parameter_value).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deportsim::sweep {

enum class DesignKind : int { grid = 0, latin_hypercube, sobol };
inline constexpr std::string_view design_names[] = {"grid", "latin_hypercube", "sobol"};

enum class Distribution : int { uniform = 0, loguniform };
inline constexpr std::string_view distribution_names[] = {"uniform", "loguniform"};

// One swept parameter: a scenario path (as `--set` takes it) and the values it takes.
struct ParameterSpec {
    std::string path;
    // grid: the values, in the order they are given (explicit, or made from a range).
    std::vector<double> values;
    // range: [low, high] with a distribution; integer values are whole numbers.
    bool has_range = false;
    double low = 0;
    double high = 0;
    Distribution distribution = Distribution::uniform;
    bool integer = false;
    int steps = 0; // grid from a range: number of values, endpoints included
};

// The value of a parameter at u in [0, 1):
//   uniform:    low + u (high - low)
//   loguniform: exp(log low + u (log high - log low))
//   integer:    the same over [low, high + 1), rounded down (each whole number of [low, high]
//               equally likely under uniform), and never above high.
double parameter_value(const ParameterSpec& parameter, double u);

// The `steps` grid values of a range: evenly spaced (uniform) or evenly spaced in log (loguniform),
// both endpoints included; integer parameters round to the nearest whole number. One step gives
// `low`.
std::vector<double> grid_values(const ParameterSpec& parameter);

struct Design {
    DesignKind kind = DesignKind::grid;
    int parameters = 0;
    int count = 0;              // points; a grid of no parameters has one, the base scenario
    int samples = 0;            // N (latin_hypercube, sobol); 0 for grid
    std::vector<double> values; // (point, parameter), row-major: the parameter values
    std::vector<double> unit;   // (point, parameter): the point in the unit cube (not for grid)
    // sobol only, by point: which matrix the point belongs to (0 = A, 1 = B, 2 + i = A_B^i for
    // the parameter i counted from 0) and its row in that matrix (0 .. N - 1).
    std::vector<int> sobol_matrix;
    std::vector<int> sobol_row;

    int points() const { return count; }
    double value(int point, int parameter) const {
        return values[static_cast<std::size_t>(point) * static_cast<std::size_t>(parameters) +
                      static_cast<std::size_t>(parameter)];
    }
};

// Every combination of the parameters' values, the first parameter varying slowest. Without
// parameters, one point: an ensemble of the base scenario.
Design grid_design(const std::vector<ParameterSpec>& parameters);
// N points; the strata are permuted and the positions within them drawn from hashes of
// (seed, parameter, sample): the same seed gives the same design.
Design latin_hypercube_design(const std::vector<ParameterSpec>& parameters, int samples,
                              std::uint64_t seed);
// Saltelli's N (d + 2) points. Needs 2d <= sobol_max_dimensions.
Design sobol_design(const std::vector<ParameterSpec>& parameters, int samples);

// The unit-cube parts, exposed for the tests.
std::vector<double> latin_hypercube_unit(int samples, int dimensions, std::uint64_t seed);

} // namespace deportsim::sweep
