// Building blocks of the agent engine (sim/core/agents.cpp): the person record, waiting times of
// per-step hazards, selection without replacement, the event calendar and the route trie.
// Internal to the engine; exposed in a header so that the tests can check them directly.
#pragma once

#include "core/random.hpp"
#include "core/types.hpp"

#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace deportsim::agents {

// A step number in a person record. Runs have at most max_steps steps.
using Step = std::uint16_t;
inline constexpr Step never = 0xFFFF;   // no event scheduled
inline constexpr Step claimed = 0xFFFE; // being handled by a thread
inline constexpr int max_steps = 0xFFFD;

// Statuses a person passes through within a step and never holds at the end of one.
inline constexpr std::uint8_t stopped = status_count;     // stopped, waiting for a bed (phase 5)
inline constexpr std::uint8_t at_node = status_count + 1; // choosing a route or arriving (phase 3)

inline constexpr std::uint8_t code(Status status) {
    return static_cast<std::uint8_t>(status);
}

// The record every event reads and writes: 16 bytes, one cache access per event. The history
// that events rarely touch (route, days detained, first departure) lives in separate arrays.
// Trivially constructible, so that arrays of records can be made without writing them (each
// thread then touches its own part first).
struct Person {
    std::int32_t since;    // step the current spell began (route, detention, return)
    std::uint16_t group;   // index into Scenario::groups
    std::uint16_t country; // where the person is counted (the route's start in transit)
    std::uint16_t place;   // route (in transit) or agreement (imprisoned, sheltered)
    Step event;            // step of the next scheduled event, or never
    Step transit_steps;    // steps on routes so far (finished routes)
    std::uint8_t status;   // Status, or stopped / at_node within a step
    std::uint8_t aux;      // processing stage (detained) or destination slot (travelling)
};
static_assert(sizeof(Person) == 16, "the person record is meant to be 16 bytes");
static_assert(std::is_trivially_default_constructible_v<Person>);

// An allocator whose resize() leaves trivial elements unwritten (default-initialised), so that
// a large array of records costs memory only where and when it is filled.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
    using std::allocator<T>::allocator;
    template <class U>
    struct rebind {
        using other = DefaultInitAllocator<U>;
    };
    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};
template <class T>
using Array = std::vector<T, DefaultInitAllocator<T>>;

// Which pass of a step handles a person's event, by status: travel (phases 2-4: re-migration,
// route ends, interdiction, arrests), detention (phase 6), held (phases 8-9); -1 for none.
enum Clock : int { travel_clock = 0, detention_clock = 1, held_clock = 2 };
inline constexpr int clock_count = 3;
inline int clock_of(std::uint8_t status) {
    switch (status) {
    case code(Status::returned):
    case code(Status::in_transit):
    case code(Status::at_large):
        return travel_clock;
    case code(Status::detained):
        return detention_clock;
    case code(Status::imprisoned):
    case code(Status::sheltered):
        return held_clock;
    default:
        return -1;
    }
}

// A per-step probability with log(1 - p) kept for waiting times.
struct Hazard {
    double p = 0;
    double log_q = 0;
    static Hazard of(double probability) {
        Hazard h;
        h.p = probability;
        h.log_q = probability > 0 && probability < 1 ? std::log1p(-probability) : 0.0;
        return h;
    }
};

// The step of the first success of independent trials with probability h.p, one in each step
// from `first` on: first + Geometric(p) - 1, by inversion, 1 + floor(log(U) / log(1 - p)) with U
// uniform on (0, 1]. `never` when p = 0 or the step would be after `last`. Exactly the
// distribution of drawing a Bernoulli(p) in each step, which is what the cohort modes do per
// cell and step.
inline Step first_success(RandomStream& rng, const Hazard& h, int first, int last) {
    if (h.p <= 0 || first > last) {
        return never;
    }
    if (h.p >= 1) {
        return static_cast<Step>(first);
    }
    const double failures = std::floor(std::log(rng.uniform_positive()) / h.log_q);
    if (!(failures <= static_cast<double>(last - first))) {
        return never;
    }
    return static_cast<Step>(first + static_cast<int>(failures));
}

// Uniform on 0 .. n - 1 for 1 <= n <= 2^32, without bias (Lemire 2019, "Fast random integer
// generation in an interval", with the rejection step).
inline std::uint32_t bounded(RandomStream& rng, std::uint64_t n) {
    std::uint64_t product = std::uint64_t{rng.next_u32()} * n;
    auto low = static_cast<std::uint32_t>(product);
    if (low < n) {
        const auto threshold = static_cast<std::uint32_t>((std::uint64_t{1} << 32) % n);
        while (low < threshold) {
            product = std::uint64_t{rng.next_u32()} * n;
            low = static_cast<std::uint32_t>(product);
        }
    }
    return static_cast<std::uint32_t>(product >> 32);
}

// Moves a uniformly random `k` of the entries of `list` to its end (partial Fisher-Yates from
// the back): every k-subset is equally likely, in random order. k <= list.size().
inline void shuffle_to_back(RandomStream& rng, std::span<std::uint32_t> list, std::size_t k) {
    const std::size_t n = list.size();
    for (std::size_t i = 0; i < k; ++i) {
        const std::size_t last = n - 1 - i;
        const std::size_t j = bounded(rng, last + 1);
        std::swap(list[j], list[last]);
    }
}

// Buckets of persons by the step of their next event and the pass that handles it, one bucket
// per thread so that threads add to them without locks. An entry is current when the person's
// `event` still equals the bucket's step and their status belongs to the bucket's clock; others
// are stale (the person was rescheduled) and skipped. The same person may be listed twice in a
// bucket; the handler claims a person atomically before handling them.
class Calendar {
public:
    void reset(int steps, int threads) {
        threads_ = threads;
        steps_ = static_cast<std::size_t>(steps) + 1;
        buckets_.assign(static_cast<std::size_t>(steps + 1) * clock_count * threads, {});
    }
    // Each thread's buckets are contiguous, so that threads adding to the same step do not
    // share cache lines.
    std::vector<std::uint32_t>& bucket(int step, int clock, int thread) {
        return buckets_[(static_cast<std::size_t>(thread) * steps_ + step) * clock_count + clock];
    }
    void release(int step, int clock) {
        for (int t = 0; t < threads_; ++t) {
            std::vector<std::uint32_t>().swap(bucket(step, clock, t));
        }
    }
    std::size_t entries() const {
        std::size_t n = 0;
        for (const auto& b : buckets_) {
            n += b.size();
        }
        return n;
    }
    int threads() const { return threads_; }

private:
    int threads_ = 1;
    std::size_t steps_ = 1;
    std::vector<std::vector<std::uint32_t>> buckets_;
};

// The routes persons took, as a trie of country sequences: a person holds the node of their
// route so far (4 bytes); moving to another country is one step down the trie. Distinct routes
// are few compared with persons, so the trie stays small. Nodes 0 .. countries - 1 are the
// one-country routes. Node numbers depend on the order threads extend the trie; the routes they
// stand for do not.
class RouteTrie {
public:
    // Each thread keeps the edges it has used (open addressing, linear probing); it locks the
    // shared table only for edges it has not used yet.
    class Cache {
    public:
        const std::uint32_t* find(std::uint64_t key) const {
            if (slots_.empty()) {
                return nullptr;
            }
            for (std::size_t i = hash(key) & mask();; i = (i + 1) & mask()) {
                if (slots_[i].key == key + 1) {
                    return &slots_[i].value;
                }
                if (slots_[i].key == 0) {
                    return nullptr;
                }
            }
        }
        void insert(std::uint64_t key, std::uint32_t value) {
            if (2 * (used_ + 1) > slots_.size()) {
                grow();
            }
            place(key, value);
        }

    private:
        struct Slot {
            std::uint64_t key; // key + 1; 0 marks an empty slot
            std::uint32_t value;
        };
        static std::size_t hash(std::uint64_t key) {
            key ^= key >> 33;
            key *= 0xff51afd7ed558ccdULL;
            key ^= key >> 33;
            return static_cast<std::size_t>(key);
        }
        std::size_t mask() const { return slots_.size() - 1; }
        void place(std::uint64_t key, std::uint32_t value) {
            std::size_t i = hash(key) & mask();
            while (slots_[i].key != 0 && slots_[i].key != key + 1) {
                i = (i + 1) & mask();
            }
            used_ += slots_[i].key == 0 ? 1 : 0;
            slots_[i] = {key + 1, value};
        }
        void grow() {
            std::vector<Slot> old = std::move(slots_);
            slots_.assign(std::max<std::size_t>(64, 2 * old.size()), Slot{0, 0});
            used_ = 0;
            for (const Slot& slot : old) {
                if (slot.key != 0) {
                    place(slot.key - 1, slot.value);
                }
            }
        }
        std::vector<Slot> slots_;
        std::size_t used_ = 0;
    };

    void reset(int countries) {
        nodes_.clear();
        children_.clear();
        for (int c = 0; c < countries; ++c) {
            nodes_.push_back({no_parent, 1, static_cast<std::uint16_t>(c)});
        }
    }
    static std::uint32_t root(int country) { return static_cast<std::uint32_t>(country); }
    // The route `node` followed by `country`. Thread-safe.
    std::uint32_t extend(std::uint32_t node, int country, Cache& cache) {
        const std::uint64_t key = (std::uint64_t{node} << 16) | static_cast<std::uint16_t>(country);
        if (const std::uint32_t* hit = cache.find(key)) {
            return *hit;
        }
        std::uint32_t child = 0;
        {
            const std::lock_guard lock(mutex_);
            const auto [it, inserted] =
                children_.try_emplace(key, static_cast<std::uint32_t>(nodes_.size()));
            if (inserted) {
                nodes_.push_back(
                    {node, nodes_[node].length + 1, static_cast<std::uint16_t>(country)});
            }
            child = it->second;
        }
        cache.insert(key, child);
        return child;
    }
    // Only when no thread is extending the trie.
    std::uint32_t length(std::uint32_t node) const { return nodes_[node].length; }
    // Writes the route's countries into out[0 .. length), first country first.
    void countries(std::uint32_t node, std::int16_t* out) const {
        for (std::uint32_t i = nodes_[node].length; i-- > 0;) {
            out[i] = static_cast<std::int16_t>(nodes_[node].country);
            node = nodes_[node].parent;
        }
    }
    std::size_t size() const { return nodes_.size(); }

private:
    static constexpr std::uint32_t no_parent = 0xFFFFFFFFu;
    struct Node {
        std::uint32_t parent;
        std::uint32_t length;
        std::uint16_t country;
    };
    std::vector<Node> nodes_;
    std::unordered_map<std::uint64_t, std::uint32_t> children_;
    std::mutex mutex_;
};

} // namespace deportsim::agents
