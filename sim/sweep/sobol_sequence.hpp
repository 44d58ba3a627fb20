// The Sobol' low-discrepancy sequence (Sobol' 1967), with the direction numbers of Joe and Kuo
// (2008), "Constructing Sobol sequences with better two-dimensional projections", SIAM J. Sci.
// Comput. 30, 2635-2654: the first 32 dimensions of their file new-joe-kuo-6.21201
// (https://web.maths.unsw.edu.au/~fkuo/sobol/), embedded in sobol_sequence.cpp.
//
// Points are in Gray-code order (Antonov and Saleev 1979), as in Joe and Kuo's own generator and
// scipy.stats.qmc.Sobol(scramble=False): point i is the XOR of the direction numbers selected by
// the bits of gray(i) = i ^ (i >> 1), so any point can be computed directly. Point 0 is all
// zeros. Coordinates have 32 bits: each is a multiple of 2^-32 in [0, 1).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace deportsim::sweep {

inline constexpr int sobol_max_dimensions = 32;
inline constexpr int sobol_bits = 32;

class SobolSequence {
public:
    // Throws InputError when dimensions is not in 1 .. sobol_max_dimensions.
    explicit SobolSequence(int dimensions);

    int dimensions() const { return dimensions_; }
    // Point `index` of the sequence (index < 2^32), one coordinate per dimension.
    std::vector<double> point(std::uint64_t index) const;

private:
    int dimensions_;
    std::vector<std::array<std::uint32_t, sobol_bits>> directions_; // [dimension][bit]
};

} // namespace deportsim::sweep
