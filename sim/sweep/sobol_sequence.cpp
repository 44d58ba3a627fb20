#include "sweep/sobol_sequence.hpp"

#include "core/error.hpp"

#include <string>

namespace deportsim::sweep {

namespace {

// One line of new-joe-kuo-6.21201 (Joe and Kuo 2008): dimension d, the degree s of its
// primitive polynomial, the polynomial's inner coefficients a (as bits), and the initial
// direction numbers m_1 .. m_s. Dimension 1 is not in the file: every m is 1 (van der Corput).
struct JoeKuoLine {
    int d;
    int s;
    std::uint32_t a;
    std::array<std::uint32_t, 8> m;
};

constexpr std::array<JoeKuoLine, sobol_max_dimensions - 1> joe_kuo = {{
    {2, 1, 0, {1}},
    {3, 2, 1, {1, 3}},
    {4, 3, 1, {1, 3, 1}},
    {5, 3, 2, {1, 1, 1}},
    {6, 4, 1, {1, 1, 3, 3}},
    {7, 4, 4, {1, 3, 5, 13}},
    {8, 5, 2, {1, 1, 5, 5, 17}},
    {9, 5, 4, {1, 1, 5, 5, 5}},
    {10, 5, 7, {1, 1, 7, 11, 19}},
    {11, 5, 11, {1, 1, 5, 1, 1}},
    {12, 5, 13, {1, 1, 1, 3, 11}},
    {13, 5, 14, {1, 3, 5, 5, 31}},
    {14, 6, 1, {1, 3, 3, 9, 7, 49}},
    {15, 6, 13, {1, 1, 1, 15, 21, 21}},
    {16, 6, 16, {1, 3, 1, 13, 27, 49}},
    {17, 6, 19, {1, 1, 1, 15, 7, 5}},
    {18, 6, 22, {1, 3, 1, 15, 13, 25}},
    {19, 6, 25, {1, 1, 5, 5, 19, 61}},
    {20, 7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {21, 7, 4, {1, 3, 7, 13, 13, 15, 69}},
    {22, 7, 7, {1, 1, 3, 13, 7, 35, 63}},
    {23, 7, 8, {1, 3, 5, 9, 1, 25, 53}},
    {24, 7, 14, {1, 3, 1, 13, 9, 35, 107}},
    {25, 7, 19, {1, 3, 1, 5, 27, 61, 31}},
    {26, 7, 21, {1, 1, 5, 11, 19, 41, 61}},
    {27, 7, 28, {1, 3, 5, 3, 3, 13, 69}},
    {28, 7, 31, {1, 1, 7, 13, 1, 19, 1}},
    {29, 7, 32, {1, 3, 7, 5, 13, 19, 59}},
    {30, 7, 37, {1, 1, 3, 9, 25, 29, 41}},
    {31, 7, 41, {1, 3, 5, 13, 23, 1, 55}},
    {32, 7, 42, {1, 3, 7, 3, 13, 59, 17}},
}};

// Direction numbers v_k = m_k * 2^(32 - k), k = 1 .. 32 (stored at [k - 1]), extended past the
// degree s by Bratley and Fox's recurrence (ACM TOMS 14, 1988, algorithm 659):
//   v_k = v_{k-s} ^ (v_{k-s} >> s) ^ XOR_{l=1}^{s-1} a_l v_{k-l},  a_l = bit (s - 1 - l) of a.
std::array<std::uint32_t, sobol_bits> directions(const JoeKuoLine& line) {
    std::array<std::uint32_t, sobol_bits> v{};
    const int s = line.s;
    for (int k = 1; k <= sobol_bits; ++k) {
        if (k <= s) {
            v[k - 1] = line.m[static_cast<std::size_t>(k - 1)] << (sobol_bits - k);
            continue;
        }
        std::uint32_t x = v[k - s - 1] ^ (v[k - s - 1] >> s);
        for (int l = 1; l < s; ++l) {
            if ((line.a >> (s - 1 - l)) & 1U) {
                x ^= v[k - l - 1];
            }
        }
        v[k - 1] = x;
    }
    return v;
}

} // namespace

SobolSequence::SobolSequence(int dimensions) : dimensions_(dimensions) {
    if (dimensions < 1 || dimensions > sobol_max_dimensions) {
        throw InputError("a Sobol' sequence has 1 to " + std::to_string(sobol_max_dimensions) +
                         " dimensions here, not " + std::to_string(dimensions));
    }
    directions_.resize(static_cast<std::size_t>(dimensions));
    for (int k = 1; k <= sobol_bits; ++k) {
        directions_[0][k - 1] = std::uint32_t{1} << (sobol_bits - k);
    }
    for (int d = 1; d < dimensions; ++d) {
        directions_[static_cast<std::size_t>(d)] =
            directions(joe_kuo[static_cast<std::size_t>(d - 1)]);
    }
}

std::vector<double> SobolSequence::point(std::uint64_t index) const {
    if (index >> sobol_bits) {
        throw InputError("the Sobol' sequence has 2^32 points; point " + std::to_string(index) +
                         " is past its end");
    }
    const std::uint64_t gray = index ^ (index >> 1);
    std::vector<double> x(static_cast<std::size_t>(dimensions_));
    for (int d = 0; d < dimensions_; ++d) {
        std::uint32_t bits = 0;
        for (int k = 0; k < sobol_bits; ++k) {
            if ((gray >> k) & 1U) {
                bits ^= directions_[static_cast<std::size_t>(d)][static_cast<std::size_t>(k)];
            }
        }
        x[static_cast<std::size_t>(d)] = static_cast<double>(bits) * 0x1p-32;
    }
    return x;
}

} // namespace deportsim::sweep
