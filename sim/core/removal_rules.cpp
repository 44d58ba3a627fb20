#include "core/removal_rules.hpp"

#include <algorithm>
#include <numeric>

namespace deportsim {

std::vector<int> agreement_order(const Scenario& s) {
    std::vector<int> order(s.agreements.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return s.agreements[a].priority < s.agreements[b].priority;
    });
    return order;
}

std::vector<int> programme_order(const Scenario& s) {
    std::vector<int> order(s.programmes.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return !s.programmes[a].any_destination && s.programmes[b].any_destination;
    });
    return order;
}

namespace {

// The options of a group's removable people in the sender's detention, in the order tried.
void removal_options(const Scenario& s, int sender, const Group& group, Date today,
                     std::span<const int> agreements, const RemovalCapacity& capacity,
                     std::vector<int>& list) {
    list.clear();
    // A country's own nationals (e.g. citizens serving sentences) have no home to be returned
    // to: only agreements can take them.
    const bool own_national = group.nationality == sender;
    const auto usable = [&](int a) {
        const auto& agreement = s.agreements[a];
        return agreement.sender == sender && agreement.start <= today && today < agreement.end &&
               agreement.eligible(group);
    };
    const auto preferred = [&](int a) {
        const auto& pref = s.agreements[a].preferred_profiles;
        return std::find(pref.begin(), pref.end(), group.profile) != pref.end();
    };
    for (int a : agreements) {
        if (usable(a) && preferred(a)) {
            list.push_back(a);
        }
    }
    if (!own_national && capacity.room(home_channel(group.nationality)) > 0) {
        list.push_back(home_channel(group.nationality));
        return;
    }
    for (int a : agreements) {
        if (usable(a) && !preferred(a)) {
            list.push_back(a);
        }
    }
}

} // namespace

void allocate_removals(const Scenario& s, int sender, Date today,
                       std::span<const int> programme_order, std::span<const int> agreements,
                       std::span<const double> removable, std::span<double> seats_left,
                       std::span<double> passengers, RemovalCapacity& capacity,
                       RemovalMoves& moves) {
    const int groups = static_cast<int>(s.groups.size());
    moves.assign(groups, {});
    std::vector<std::vector<int>> options(groups);
    std::size_t rounds = 0;
    for (int g = 0; g < groups; ++g) {
        if (removable[g] > 0) {
            removal_options(s, sender, s.groups[g], today, agreements, capacity, options[g]);
            rounds = std::max(rounds, options[g].size());
        }
    }

    std::vector<double> remaining(removable.begin(), removable.end());
    std::vector<double> counts(groups), eligible(groups), share(groups), limited(groups),
        taken(groups);
    std::vector<int> channels;
    for (std::size_t round = 0; round < rounds; ++round) {
        for (int p : programme_order) {
            const auto& programme = s.programmes[p];
            if (programme.sender != sender || seats_left[p] <= 0) {
                continue;
            }
            // Demand on this programme, then capped per option by its room.
            std::fill(counts.begin(), counts.end(), 0.0);
            channels.clear();
            for (int g = 0; g < groups; ++g) {
                if (round < options[g].size() && remaining[g] > 0 &&
                    programme.serves(channel_destination(s, options[g][round]))) {
                    counts[g] = remaining[g];
                    const int ch = options[g][round];
                    if (std::find(channels.begin(), channels.end(), ch) == channels.end()) {
                        channels.push_back(ch);
                    }
                }
            }
            if (channels.empty()) {
                continue;
            }
            eligible = counts;
            const auto cell = static_cast<std::uint32_t>(((sender * 16 + round) * 64 + p) * 4096);
            for (int ch : channels) {
                const double left = capacity.room(ch);
                double demand = 0;
                std::fill(share.begin(), share.end(), 0.0);
                for (int g = 0; g < groups; ++g) {
                    if (counts[g] > 0 && options[g][round] == ch) {
                        share[g] = counts[g];
                        demand += counts[g];
                    }
                }
                if (demand > left) {
                    capacity.choose(share, left, limited,
                                    cell + static_cast<std::uint32_t>(ch + 2048));
                    for (int g = 0; g < groups; ++g) {
                        if (share[g] > 0) {
                            eligible[g] = limited[g];
                        }
                    }
                }
            }
            const double wanting = std::accumulate(eligible.begin(), eligible.end(), 0.0);
            if (wanting <= 0) {
                continue;
            }
            if (wanting > seats_left[p]) {
                capacity.choose(eligible, seats_left[p], taken, cell + 4095);
            } else {
                taken = eligible;
            }
            double carried = 0;
            for (int g = 0; g < groups; ++g) {
                if (taken[g] <= 0) {
                    continue;
                }
                const int ch = options[g][round];
                remaining[g] -= taken[g];
                carried += taken[g];
                moves[g].emplace_back(ch, taken[g]);
                capacity.take(ch, g, taken[g]);
            }
            seats_left[p] -= carried;
            passengers[p] += carried;
        }
    }
}

} // namespace deportsim
