#include "core/rules/counting.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

namespace deportsim::rules {

namespace {

// The cases every choice shares: nothing to take (none chosen) or no more than there are (all
// chosen). True when one of them applied.
bool choose_none_or_all(std::span<const double> counts, double draws, double total,
                        std::span<double> out) {
    if (draws <= 0 || total <= 0) {
        std::fill(out.begin(), out.end(), 0.0);
        return true;
    }
    if (draws >= total) {
        std::copy(counts.begin(), counts.end(), out.begin());
        return true;
    }
    return false;
}

} // namespace

void choose_expected(std::span<const double> counts, double draws, std::span<double> out) {
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    if (choose_none_or_all(counts, draws, total, out)) {
        return;
    }
    const double share = draws / total;
    for (std::size_t k = 0; k < counts.size(); ++k) {
        out[k] = counts[k] * share;
    }
}

void choose_whole_persons(RandomStream& rng, std::span<const double> counts, double draws,
                          std::span<double> out) {
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    if (choose_none_or_all(counts, draws, total, out)) {
        return;
    }
    std::vector<std::int64_t> whole_counts(counts.size()), taken(counts.size());
    for (std::size_t k = 0; k < counts.size(); ++k) {
        whole_counts[k] = std::llround(counts[k]);
    }
    sample_multivariate_hypergeometric(rng, whole_counts, std::llround(std::floor(draws)), taken);
    for (std::size_t k = 0; k < counts.size(); ++k) {
        out[k] = static_cast<double>(taken[k]);
    }
}

} // namespace deportsim::rules
