// Phase 7, removal allocation: which removable detainees go where, on which programme's seats.
// One implementation shared by every engine (the cohort Simulation and the agent engine), so
// that the rule order of docs/model.md lives in one place; each engine supplies the room left
// on each option, what taking people does to its own state, and how it draws.
#pragma once

#include "core/scenario.hpp"

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace deportsim {

// A removal option: an agreement a (channel a >= 0) or the own country n (channel -1 - n).
inline int home_channel(int nationality) {
    return -1 - nationality;
}
inline int channel_destination(const Scenario& s, int channel) {
    return channel >= 0 ? s.agreements[channel].receiver : -1 - channel;
}

// Agreements in the order they are tried: by priority (lower first), then file order.
std::vector<int> agreement_order(const Scenario& s);

// Flight programmes in the order their seats are filled: those with a destination list first,
// then those flying anywhere, each in file order.
std::vector<int> programme_order(const Scenario& s);

// What an engine tells the allocation and how it draws.
class RemovalCapacity {
public:
    virtual ~RemovalCapacity() = default;
    // Persons an option can still take now (quotas, facility places, return caps).
    virtual double room(int channel) const = 0;
    // Counts persons taken by an option at once, so later programmes see it.
    virtual void take(int channel, int group, double persons) = 0;
    // Takes `draws` without replacement from `counts` (proportional in expected mode,
    // multivariate hypergeometric otherwise); `cell` keys the random stream.
    virtual void choose(std::span<const double> counts, double draws, std::span<double> out,
                        std::uint32_t cell) = 0;
};

// Persons moved, per group: (channel, persons) in the order they were allocated.
using RemovalMoves = std::vector<std::vector<std::pair<int, double>>>;

// Allocates the removable detainees of one sender (removable[g] per group) to options and
// seats, as docs/model.md phase 7 says: options in rounds (preferred agreements, the own country
// if it accepts returns now — final — or else the other eligible agreements by priority), each
// round filling the sender's programmes in programme_order. Updates seats_left and passengers
// (per programme) and fills moves.
void allocate_removals(const Scenario& s, int sender, Date today,
                       std::span<const int> programme_order, std::span<const int> agreements,
                       std::span<const double> removable, std::span<double> seats_left,
                       std::span<double> passengers, RemovalCapacity& capacity,
                       RemovalMoves& moves);

} // namespace deportsim
