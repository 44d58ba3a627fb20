#include "core/rules/held.hpp"

#include "core/removal_rules.hpp"

#include <algorithm>
#include <numeric>

namespace deportsim::rules {

void seat_onward_returns(const Scenario& now, int a, std::span<const int> programme_order,
                         std::span<double> ready, const std::function<double(int)>& held,
                         RemovalLedger& ledger, StepOutputs& out, Chooser& chooser,
                         const std::function<void(int, int, double)>& seated,
                         HeldScratch& scratch) {
    const int groups = static_cast<int>(now.groups.size());
    const int countries = static_cast<int>(now.countries.size());
    const int receiver = now.agreements[a].receiver;
    const auto home_room = [&](int n) { return ledger.room(now, out, home_channel(n), held); };
    auto& counts = scratch.counts;
    auto& taken = scratch.taken;
    auto& of_n = scratch.of_nationality;
    auto& limited = scratch.limited;
    counts.resize(groups);
    taken.resize(groups);
    of_n.resize(groups);
    limited.resize(groups);
    auto& seats_left = ledger.seats_left();
    for (int p : programme_order) {
        const auto& programme = now.programmes[p];
        if (programme.sender != receiver || seats_left[p] <= 0) {
            continue;
        }
        // Demand by group, limited by each nationality's return cap.
        std::fill(counts.begin(), counts.end(), 0.0);
        for (int g = 0; g < groups; ++g) {
            const int n = now.groups[g].nationality;
            if (ready[g] > 0 && n != receiver && programme.serves(n) && home_room(n) > 0) {
                counts[g] = ready[g];
            }
        }
        for (int n = 0; n < countries; ++n) {
            const double cap = home_room(n);
            double demand = 0;
            for (int g = 0; g < groups; ++g) {
                of_n[g] = now.groups[g].nationality == n ? counts[g] : 0.0;
                demand += of_n[g];
            }
            if (demand > cap) {
                chooser.choose(of_n, cap, limited,
                               static_cast<std::uint32_t>(0x40000000u + (a * 64 + p) * 1024 + n));
                for (int g = 0; g < groups; ++g) {
                    if (now.groups[g].nationality == n) {
                        counts[g] = limited[g];
                    }
                }
            }
        }
        const double wanting = std::accumulate(counts.begin(), counts.end(), 0.0);
        if (wanting <= 0) {
            continue;
        }
        if (wanting > seats_left[p]) {
            chooser.choose(counts, seats_left[p], taken,
                           static_cast<std::uint32_t>(0x60000000u + a * 64 + p));
        } else {
            std::copy(counts.begin(), counts.end(), taken.begin());
        }
        for (int g = 0; g < groups; ++g) {
            if (taken[g] <= 0) {
                continue;
            }
            ready[g] -= taken[g];
            seats_left[p] -= taken[g];
            out.programme_passengers[p] += taken[g];
            ledger.count_returns(now.groups[g].nationality, taken[g]);
            seated(p, g, taken[g]);
        }
    }
}

void release_from_prison(const Scenario& now, int a, std::span<const double> leaving,
                         const std::function<double(int)>& held, RemovalLedger& ledger,
                         const StepOutputs& out, Chooser& chooser,
                         const std::function<void(int, int, double, double)>& released,
                         HeldScratch& scratch) {
    const int groups = static_cast<int>(now.groups.size());
    const int countries = static_cast<int>(now.countries.size());
    auto& of_n = scratch.of_nationality;
    auto& home = scratch.home;
    of_n.resize(groups);
    home.resize(groups);
    for (int n = 0; n < countries; ++n) {
        double demand = 0;
        for (int g = 0; g < groups; ++g) {
            of_n[g] = now.groups[g].nationality == n ? leaving[g] : 0.0;
            demand += of_n[g];
        }
        if (demand <= 0) {
            continue;
        }
        const double accepted = std::min(demand, ledger.room(now, out, home_channel(n), held));
        chooser.choose(of_n, accepted, home,
                       static_cast<std::uint32_t>(0x10000000u + a * 1024 + n));
        ledger.count_returns(n, accepted);
        for (int g = 0; g < groups; ++g) {
            if (of_n[g] > 0) {
                released(n, g, of_n[g], home[g]);
            }
        }
    }
}

} // namespace deportsim::rules
