#include "core/routes.hpp"

namespace deportsim {

RouteChoice admissible_routes(const Scenario& s, std::span<const int> destinations) {
    const int countries = static_cast<int>(s.countries.size());
    const auto slots = destinations.size();
    RouteChoice choice;
    choice.routes.assign(static_cast<std::size_t>(countries) * slots, {});
    choice.probabilities.assign(static_cast<std::size_t>(countries) * slots, {});
    for (std::size_t slot = 0; slot < slots; ++slot) {
        // Countries that reach the destination: backward search along routes.
        std::vector<char> reaches(countries, 0);
        reaches[destinations[slot]] = 1;
        for (bool changed = true; changed;) {
            changed = false;
            for (const auto& r : s.routes) {
                if (reaches[r.to] && !reaches[r.from]) {
                    reaches[r.from] = 1;
                    changed = true;
                }
            }
        }
        for (int c = 0; c < countries; ++c) {
            if (c == destinations[slot]) {
                continue;
            }
            auto& routes = choice.routes[static_cast<std::size_t>(c) * slots + slot];
            auto& probabilities = choice.probabilities[static_cast<std::size_t>(c) * slots + slot];
            double total = 0;
            for (std::size_t r = 0; r < s.routes.size(); ++r) {
                if (s.routes[r].from == c && reaches[s.routes[r].to]) {
                    routes.push_back(static_cast<int>(r));
                    total += s.routes[r].weight;
                }
            }
            for (int r : routes) {
                probabilities.push_back(s.routes[r].weight / total);
            }
        }
    }
    return choice;
}

} // namespace deportsim
