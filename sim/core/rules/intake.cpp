#include "core/rules/intake.hpp"

#include <algorithm>
#include <functional>

namespace deportsim::rules {

double free_beds(const Scenario& now, int country, double detained, bool whole) {
    const int facility = now.detention_facility(country);
    if (facility < 0) {
        return 0.0;
    }
    const double beds = std::max(0.0, now.facilities[facility].capacity - detained);
    return whole ? whole_persons(beds) : beds;
}

void admit_by_priority(const Scenario& now, int country, std::span<const double> waiting,
                       double beds, Chooser& chooser, std::span<double> admitted,
                       IntakeScratch& scratch) {
    const int groups = static_cast<int>(waiting.size());
    double all = 0;
    for (int g = 0; g < groups; ++g) {
        all += waiting[g];
    }
    if (all <= beds) {
        std::copy(waiting.begin(), waiting.end(), admitted.begin());
        return;
    }
    std::fill(admitted.begin(), admitted.end(), 0.0);
    const auto& priority = now.enforcement[country].priority;
    auto& classes = scratch.classes;
    classes.clear();
    for (int g = 0; g < groups; ++g) {
        classes.push_back(priority[now.groups[g].profile]);
    }
    std::sort(classes.begin(), classes.end(), std::greater<>());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    auto& counts = scratch.counts;
    auto& taken = scratch.taken;
    counts.resize(groups);
    taken.resize(groups);
    for (std::size_t k = 0; k < classes.size() && beds > 0; ++k) {
        double in_class = 0;
        for (int g = 0; g < groups; ++g) {
            counts[g] = priority[now.groups[g].profile] == classes[k] ? waiting[g] : 0.0;
            in_class += counts[g];
        }
        chooser.choose(counts, std::min(beds, in_class), taken,
                       static_cast<std::uint32_t>(country * 64 + k));
        for (int g = 0; g < groups; ++g) {
            admitted[g] += taken[g];
            beds -= taken[g];
        }
    }
}

} // namespace deportsim::rules
