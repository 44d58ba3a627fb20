#include "core/agents.hpp"

#include "core/agents_support.hpp"
#include "core/error.hpp"
#include "core/random.hpp"
#include "core/removal_rules.hpp"
#include "core/routes.hpp"
#include "core/rules/accounting.hpp"
#include "core/rules/deterrence.hpp"
#include "core/rules/disposition.hpp"
#include "core/rules/held.hpp"
#include "core/rules/intake.hpp"
#include "core/rules/rates.hpp"
#include "core/rules/step.hpp"
#include "core/rules/timeline.hpp"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <numeric>
#include <sstream>
#include <tuple>

namespace deportsim {

using agents::Array;
using agents::at_node;
using agents::Calendar;
using agents::clock_of;
using agents::code;
using agents::first_success;
using agents::Hazard;
using agents::never;
using agents::Person;
using agents::RouteTrie;
using agents::shuffle_to_back;
using agents::Step;
using agents::stopped;

namespace {

constexpr std::uint8_t in_transit = code(Status::in_transit);
constexpr std::uint8_t at_large = code(Status::at_large);
constexpr std::uint8_t detained = code(Status::detained);
constexpr std::uint8_t imprisoned = code(Status::imprisoned);
constexpr std::uint8_t sheltered = code(Status::sheltered);
constexpr std::uint8_t returned = code(Status::returned);
constexpr std::uint8_t settled = code(Status::settled);
constexpr std::uint8_t dead = code(Status::dead_or_missing);

// Persons handed to a thread at a time, and the number of such chunks below which work runs on
// the calling thread alone (waking threads would cost more than it saves).
constexpr std::size_t chunk_persons = 512;

// Per-person arrays are read at random (the persons due in a step are anywhere in them). When
// they are large, 2 MiB pages spare most of the address translations (TLB misses) this costs;
// the kernel uses them where transparent huge pages are allowed on request (`madvise`, the
// usual setting). Small arrays keep 4 KiB pages: 2 MiB ones would add to the resident memory.
template <class Vector>
void advise_huge_pages(const Vector& values) {
    constexpr std::size_t huge_page = std::size_t{2} << 20;
    constexpr std::size_t least_bytes = std::size_t{32} << 20;
    const std::size_t bytes = values.capacity() * sizeof(typename Vector::value_type);
    if (bytes < least_bytes) {
        return;
    }
    const auto first = reinterpret_cast<std::uintptr_t>(values.data());
    const std::uintptr_t begin = (first + huge_page - 1) & ~(huge_page - 1);
    const std::uintptr_t end = (first + bytes) & ~(huge_page - 1);
    if (end > begin) {
        // Advice only: where the kernel declines, the arrays keep their pages.
        madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
    }
}
constexpr std::size_t parallel_chunks = 2;
// Actions per chunk when the capacity phases' decisions are carried out. Sharing even a few
// hundred of them pays: the persons they touch were last touched on any thread, and one thread
// alone would fetch all of their records from the other cores' caches.
constexpr std::size_t chunk_actions = 64;
// Persons of the initial state per chunk.
constexpr std::size_t chunk_initial = 16384;

// Someone stopped by enforcement this step, waiting for a bed, and their place among all the
// persons stopped (set in phase 5).
struct Candidate {
    std::uint16_t country;
    std::uint16_t group;
    std::uint32_t person;
    std::uint32_t slot = 0;
};

// What one thread changes during parallel work, added to the totals afterwards (integer counts,
// so the totals never depend on how persons were shared among threads). The entries of stocks
// and flows a thread touched are listed, so that adding them up costs what was done.
struct alignas(64) Worker {
    int thread = 0;
    std::vector<std::int64_t> stocks; // [(country * status_count + status) * groups + group]
    std::vector<std::int64_t> flows;  // [(flow * countries + country) * groups + group]
    std::vector<std::uint32_t> touched_stocks;
    std::vector<std::uint32_t> touched_flows;
    bool touched_other = false;               // held, stays, by_destination, transfers
    std::vector<std::int64_t> held;           // [agreement]
    std::vector<std::int64_t> stays;          // [steps]: detention stays ended, by length
    std::vector<std::int64_t> by_destination; // [sender * countries + destination]
    std::vector<std::int64_t> transfers;      // [agreement]
    std::vector<RemovalRecord> removals;
    std::vector<Candidate> stopped;
    std::vector<std::uint32_t> removable; // became removable this step
    std::vector<std::uint32_t> ready;     // sheltered, ready for onward return this step
    std::vector<std::uint32_t> leaving;   // leaving a prison this step
    RouteTrie::Cache trie;
    // Room for phase 5's decisions in a country (kept from country to country).
    std::vector<double> waiting, admitted;
    rules::IntakeScratch intake;
    std::vector<std::uint32_t> places;
};

// What becomes of one person, decided by a capacity phase (in a fixed order within each country,
// whatever the threads) and then carried out person by person, in parallel.
enum class Outcome : std::uint8_t {
    admitted,      // phase 5: into detention
    overflow,      // phase 5: no bed, at large
    removed,       // phase 7: value = sender, channel = own country (-1 - n) or agreement
    onward,        // phase 8: flown home from a shelter; value = their country
    waiting,       // phase 8: ready, but no seat: still sheltered
    released_home, // phase 9: from a prison to their own country; value = that country
    released_here, // phase 9: from a prison, at large in the receiver
};
struct Action {
    std::uint32_t person;
    Outcome outcome;
    std::int32_t value;
    std::int32_t channel;
};

// A slice of the persons a pass handles: from a calendar bucket (ids) or a range of new persons.
struct Chunk {
    const std::uint32_t* ids;
    std::uint32_t first;
    std::uint32_t size;
};

std::atomic_ref<Step> event_of(Person& p) {
    return std::atomic_ref<Step>(p.event);
}

} // namespace

struct AgentEngine::Impl {
    // ---- The run.
    Scenario scenario;
    rules::ParametersInForce parameters;
    const Scenario* now = nullptr; // parameters in force: &parameters.now()
    RunInfo info;
    std::uint64_t seed = 0;
    std::vector<Observer*> observers;
    bool check = false;
    int threads = 0;
    std::size_t trace_size = 0;
    bool initialized = false;
    bool finalized = false;

    int step = 0;
    int steps_total = 0;
    int countries = 0;
    int groups = 0;
    int agreements = 0;
    int programmes = 0;

    // ---- Structure (from the scenario as given: rules::run_structure).
    rules::RunStructure structure;
    std::vector<std::vector<int>> choice_routes;        // [node * slots + slot]
    std::vector<std::vector<double>> choice_cumulative; // cumulative probabilities
    std::vector<int> programme_order;

    // ---- Rates in force (recomputed when parameters change).
    std::vector<Hazard> arrest;       // [country * groups + group]
    std::vector<Hazard> interdiction; // [route * groups + group]
    std::vector<Hazard> processing;   // [country]: one stage
    std::vector<Hazard> prison_release;
    std::vector<Hazard> shelter_any;                 // [agreement]: any outcome
    std::vector<std::array<double, 4>> shelter_part; // [agreement]: cumulative shares
    std::vector<double> remigration_rate;            // [group], per day; 0 without a stream
    double factor_bound = 1.0;                       // deterrence factor bound for thinning
    std::vector<Hazard> remigration_bound;           // [group], at factor_bound
    std::vector<double> remigration_accept;          // [group], this step: p(factor) / p(bound)

    // ---- Persons.
    Array<Person> persons;
    Array<std::uint32_t> route_node; // RouteTrie node
    Array<Step> detained_steps;
    Array<Step> first_departure;
    RouteTrie trie;
    Calendar calendar;
    std::vector<Worker> workers;
    std::vector<RemovalRecord> removal_log;
    std::vector<std::vector<std::uint32_t>> removable; // [country * groups + group]
    std::vector<Candidate> candidates;
    std::vector<Candidate> sorted_candidates;
    std::vector<std::uint32_t> country_start; // first candidate, or removal, of each country
    std::vector<std::uint32_t> stopped_start; // first candidate of each thread's list
    std::vector<Outcome> intake_outcome;      // [slot]
    std::vector<Outcome> sorted_outcome;      // as sorted_candidates
    std::vector<int> busy_countries;          // countries with candidates, or with removals
    std::vector<RemovalMoves> moves;          // [sender]: this step's removals, by group
    std::vector<std::uint32_t> ready;
    std::vector<std::uint32_t> leaving;
    std::vector<Action> actions;
    std::uint32_t new_first = 0; // persons created this step: [new_first, persons.size())

    // ---- Totals.
    std::vector<std::int64_t> stocks;   // [(country * status_count + status) * groups + group]
    std::vector<std::int64_t> held;     // [agreement]
    std::vector<std::int64_t> stays;    // [steps]
    rules::RemovalLedger ledger;        // quotas, seats, budgets, return caps
    rules::DeterrenceWindow deterrence; // removals and arrivals over the trailing window
    double departures_total = 0;
    double initial_total = 0;
    StepOutputs out;
    std::vector<std::uint32_t> flow_cells; // flow_index of the cells of out.flows not zero

    // ---- Results.
    PersonDistributions distributions;
    PersonTrace trace;
    std::vector<std::uint32_t> trace_slots; // reservoir: person in each slot
    std::uint64_t trace_next = 0;           // index of the next person to enter the reservoir
    double trace_w = 0;                     // Algorithm L's W

    Impl(Scenario s, RunInfo i) : scenario(std::move(s)), info(std::move(i)), seed(info.seed) {}

    // Index helpers.
    std::size_t stock_index(int country, int status, int group) const {
        return (static_cast<std::size_t>(country) * status_count + status) * groups + group;
    }
    std::size_t flow_index(Flow f, int country, int group) const {
        return (static_cast<std::size_t>(f) * countries + country) * groups + group;
    }
    int profile(int group) const { return scenario.groups[group].profile; }
    int nationality(int group) const { return scenario.groups[group].nationality; }
    std::uint32_t step_counter() const { return static_cast<std::uint32_t>(step); }

    // ---- Changes to persons, counted in a worker.
    void count(Worker& w, int country, std::uint8_t status, int group, std::int64_t delta) {
        const std::size_t i = stock_index(country, status, group);
        if (w.stocks[i] == 0) {
            w.touched_stocks.push_back(static_cast<std::uint32_t>(i));
        }
        w.stocks[i] += delta;
    }
    void flow(Worker& w, Flow f, int country, int group) {
        const std::size_t i = flow_index(f, country, group);
        if (w.flows[i] == 0) {
            w.touched_flows.push_back(static_cast<std::uint32_t>(i));
        }
        ++w.flows[i];
    }
    // Sets the person's next event and lists them in the calendar for it.
    void schedule(Worker& w, std::uint32_t id, Step event) {
        Person& p = persons[id];
        event_of(p).store(event, std::memory_order_relaxed);
        if (event != never) {
            calendar.bucket(event, clock_of(p.status), w.thread).push_back(id);
        }
    }
    // Moves the person to another country, extending their route.
    void move_to(Worker& w, std::uint32_t id, int country) {
        Person& p = persons[id];
        if (p.country != country) {
            route_node[id] = trie.extend(route_node[id], country, w.trie);
            p.country = static_cast<std::uint16_t>(country);
        }
    }
    void end_detention(Worker& w, std::uint32_t id) {
        const Person& p = persons[id];
        const int length = step - std::max(p.since, 0);
        detained_steps[id] = static_cast<Step>(detained_steps[id] + length);
        ++w.stays[static_cast<std::size_t>(length)];
        w.touched_other = true;
    }

    // The flows of one person's change, as the shared disposition rules count them
    // (rules/disposition.hpp): persons is 1.
    struct PersonCounter {
        Impl& engine;
        Worker& w;
        void flow(Flow f, int country, int group, double) { engine.flow(w, f, country, group); }
        void by_destination(int sender, int destination, double) {
            ++w.by_destination[static_cast<std::size_t>(sender) * engine.countries + destination];
            w.touched_other = true;
        }
        void transfer(int agreement, double) {
            ++w.transfers[agreement];
            w.touched_other = true;
        }
    };

    // ---- Clocks.
    Step arrest_clock(RandomStream& rng, const Person& p, int first) const {
        return first_success(rng, arrest[static_cast<std::size_t>(p.country) * groups + p.group],
                             first, steps_total);
    }
    // First step a returned person may leave again: after the delay, as the cohort engine's
    // ring of recent returns; the initial state's returned persons from step 1.
    int maturity(const Person& p) const {
        return p.since == 0 ? 1 : p.since + std::max(structure.return_delay, 1);
    }
    Step remigration_clock(RandomStream& rng, const Person& p, int first) const {
        return first_success(rng, remigration_bound[p.group], std::max(first, maturity(p)),
                             steps_total);
    }
    // Detainees of the initial state have since = -age (age at step 1, as the cohort engine
    // holds them); persons admitted during the run have since = the step of their admission.
    // Either way the age at step m is m - admission and days detained count from max(since, 0).
    static int admission(const Person& p) { return p.since >= 1 ? p.since : p.since + 1; }
    int deadline(const Person& p) const {
        return admission(p) + structure.detention_ages[p.country];
    }
    bool exempt(const Person& p) const {
        const auto& e = now->enforcement[p.country].max_detention_exempt;
        return !e.empty() && e[profile(p.group)];
    }
    // Next detention event from `first`: the end of the current stage, or the release after
    // the maximum period (unless exempt), whichever comes first (the release when both fall on
    // the same step, as phase 6 releases before it processes).
    Step detention_clock(RandomStream& rng, const Person& p, int first) const {
        Step next = never;
        if (p.aux < structure.detention_stages[p.country]) {
            next = first_success(rng, processing[p.country], first, steps_total);
        }
        if (!exempt(p)) {
            const int release = std::max(deadline(p), first);
            if (release <= steps_total && release <= next) {
                next = static_cast<Step>(release);
            }
        }
        return next;
    }
    Step held_clock(RandomStream& rng, const Person& p, int first) const {
        const Hazard& h = p.status == sheltered ? shelter_any[p.place] : prison_release[p.place];
        return first_success(rng, h, first, steps_total);
    }
    // In transit: interdiction from `first`, else the end of the route.
    Step transit_clock(RandomStream& rng, const Person& p, int first) const {
        const int end = p.since + structure.route_steps[p.place];
        const Step stop =
            first_success(rng, interdiction[static_cast<std::size_t>(p.place) * groups + p.group],
                          first, std::min(end - 1, steps_total));
        if (stop != never) {
            return stop;
        }
        return end <= steps_total ? static_cast<Step>(end) : never;
    }
    // Every clock of a person from step `first` (initial state, parameter changes).
    Step any_clock(RandomStream& rng, const Person& p, int first) const {
        switch (p.status) {
        case at_large:
            return arrest_clock(rng, p, first);
        case returned:
            return remigration_clock(rng, p, first);
        case in_transit:
            return transit_clock(rng, p, first);
        case detained:
            return detention_clock(rng, p, first);
        case imprisoned:
        case sheltered:
            return held_clock(rng, p, first);
        default:
            return never;
        }
    }

    // ---- Parallel work: body(worker, begin, end) over [0, count), in chunks of `chunk`; on
    // the calling thread alone when the work is small.
    template <class Body>
    void run_parallel(std::size_t count, Body&& body, std::size_t chunk = chunk_persons) {
        const std::size_t chunks = (count + chunk - 1) / chunk;
        if (threads == 1 || chunks < parallel_chunks) {
            body(workers[0], std::size_t{0}, count);
            return;
        }
        const auto n = static_cast<std::int64_t>(chunks);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (std::int64_t c = 0; c < n; ++c) {
            const auto begin = static_cast<std::size_t>(c) * chunk;
            body(workers[static_cast<std::size_t>(omp_get_thread_num())], begin,
                 std::min(count, begin + chunk));
        }
    }

    // ---- Setup and steps.
    void check_limits() const;
    void build_structure();
    void choose_routes_and_programmes(const Scenario& parameters);
    void compute_rates();
    void set_factor_bound(double bound);
    // Creates the persons of the initial state; `alongside` runs on the calling thread while the
    // other threads begin (it must not throw).
    void create_initial_persons(const std::function<void()>& alongside);
    void initialize();
    void step_once();
    void redraw(bool returned_only);
    template <class Handle>
    void parallel_pass(int clock, std::uint32_t new_end, Handle&& handle);
    void merge(Worker& w);
    void clear_step_outputs();
    void merge_all();
    void carry_out();
    void apply(Worker& w, const Action& action);

    // The phases, in the order of rules::run_phases.
    DEPORTSIM_STEP_PHASES

    // Parts of the phases.
    void travel_person(Worker& w, std::uint32_t id);
    void at_node_step(Worker& w, RandomStream& rng, std::uint32_t id);
    void stop(Worker& w, std::uint32_t id);
    void admit_in(Worker& w, int country, std::span<Candidate> stopped_here,
                  std::span<Outcome> decided);
    void process(Worker& w, std::uint32_t id);
    void shelter_or_prison(Worker& w, std::uint32_t id);
    void collect_removable();
    void remove_from(int sender, Action* decided);
    double room(int channel) const;
    double scheduled_flights(int programme, int at_step) const;
    void to_returned(Worker& w, RandomStream& rng, std::uint32_t id, int country);
    void release_from_prisons();
    template <class Handle>
    void by_agreement_and_group(std::vector<std::uint32_t>& list,
                                std::vector<std::uint32_t> Worker::*listed, Handle&& handle);
    void record_trace();
    void trace_new_persons(int at_step);
    void check_invariants() const;
    void finish_results();
};

// ---------------------------------------------------------------------------------------------
// Setup

void AgentEngine::Impl::check_limits() const {
    const Scenario& s = scenario;
    auto limit = [](const char* what, std::size_t size, std::size_t most) {
        if (size > most) {
            throw InputError(std::string("--mode agents: the scenario has ") +
                             std::to_string(size) + " " + what + "; agents mode holds at most " +
                             std::to_string(most));
        }
    };
    limit("steps", static_cast<std::size_t>(s.steps()), agents::max_steps);
    limit("countries", s.countries.size(), 32767);
    limit("groups", s.groups.size(), 32767);
    limit("routes", s.routes.size(), 65535);
    limit("agreements", s.agreements.size(), 65535);
    for (const auto& e : s.enforcement) {
        limit("processing stages in a country", static_cast<std::size_t>(e.processing_stages), 254);
    }
    for (const auto& init : s.initial) {
        if (!(init.persons >= 0) || std::abs(init.persons - std::round(init.persons)) > 1e-9) {
            std::ostringstream message;
            message << "initial." << s.countries[init.country].code << "."
                    << status_names[static_cast<int>(init.status)] << "." << s.groups[init.group].id
                    << ": " << init.persons << " persons; agents mode needs whole persons";
            throw InputError(message.str());
        }
    }
}

void AgentEngine::Impl::build_structure() {
    structure = rules::run_structure(scenario);
    if (structure.slots() > 255) {
        throw InputError("--mode agents: the scenario has " + std::to_string(structure.slots()) +
                         " destinations; agents mode holds at most 255");
    }
    choose_routes_and_programmes(scenario);
}

// The admissible routes from each node towards each destination with choice probabilities from
// the weights in force (as cumulative probabilities), and the order in which programmes are
// filled: the rules shared with the cohort engine. Recomputed when policy events change
// parameters.
void AgentEngine::Impl::choose_routes_and_programmes(const Scenario& s) {
    RouteChoice choice = admissible_routes(s, structure.destinations);
    choice_routes = std::move(choice.routes);
    choice_cumulative.assign(choice.probabilities.size(), {});
    for (std::size_t i = 0; i < choice.probabilities.size(); ++i) {
        double sum = 0;
        for (double p : choice.probabilities[i]) {
            sum += p;
            choice_cumulative[i].push_back(sum);
        }
    }
    programme_order = deportsim::programme_order(s);
}

// The per-step probabilities of the parameters in force (rules/rates.hpp), as hazards for the
// persons' clocks.
void AgentEngine::Impl::compute_rates() {
    const Scenario& s = *now;
    arrest.assign(static_cast<std::size_t>(countries) * groups, {});
    processing.assign(countries, {});
    for (int c = 0; c < countries; ++c) {
        for (int g = 0; g < groups; ++g) {
            arrest[static_cast<std::size_t>(c) * groups + g] =
                Hazard::of(rules::arrest_probability(s, c, g));
        }
        if (structure.detention_ages[c] > 0) {
            processing[c] =
                Hazard::of(rules::processing_probability(s, c, structure.detention_stages[c]));
        }
    }
    interdiction.assign(s.routes.size() * groups, {});
    for (std::size_t r = 0; r < s.routes.size(); ++r) {
        for (int g = 0; g < groups; ++g) {
            interdiction[r * groups + g] =
                Hazard::of(rules::interdiction_probability(s, static_cast<int>(r), g));
        }
    }
    prison_release.assign(agreements, {});
    shelter_any.assign(agreements, {});
    shelter_part.assign(agreements, {0, 0, 0, 0});
    for (int a = 0; a < agreements; ++a) {
        const auto& agreement = s.agreements[a];
        if (agreement.disposition == Disposition::shelter) {
            const auto p = agreement.shelter.step_probabilities(s.dt_days);
            const double any = p[0] + p[1] + p[2] + p[3];
            shelter_any[a] = Hazard::of(any);
            double sum = 0;
            for (int k = 0; k < 4; ++k) {
                sum += any > 0 ? p[k] / any : 0.0;
                shelter_part[a][k] = sum;
            }
        } else if (agreement.disposition == Disposition::imprison) {
            prison_release[a] = Hazard::of(rules::prison_release_probability(s, a));
        }
    }
    remigration_rate.assign(groups, 0.0);
    for (int g = 0; g < groups; ++g) {
        remigration_rate[g] = rules::remigration_per_day(s, structure, g);
    }
    // Thinning bound for the deterrence factor: the largest factor the kind can give, where it
    // is known; a signal with negative elasticity starts at 1 and is raised when exceeded.
    double bound = 1.0;
    if (s.deterrence.kind == DeterrenceKind::series && s.deterrence.multiplier) {
        bound = s.deterrence.multiplier->before;
        for (double v : s.deterrence.multiplier->values) {
            bound = std::max(bound, v);
        }
    }
    set_factor_bound(std::max(bound, 0.0));
}

void AgentEngine::Impl::set_factor_bound(double bound) {
    factor_bound = bound;
    remigration_bound.assign(groups, {});
    for (int g = 0; g < groups; ++g) {
        remigration_bound[g] =
            Hazard::of(rules::hazard_probability(remigration_rate[g] * bound, now->dt_days));
    }
}

// The persons of the initial state, made and given their clocks in parallel, in chunks shared
// dynamically among the threads (the calling thread joins once `alongside` is done).
void AgentEngine::Impl::create_initial_persons(const std::function<void()>& alongside) {
    const Scenario& s = scenario;
    const double dt = s.dt_days;
    struct Block {
        std::size_t first;
        std::size_t size;
        Person person;
    };
    std::vector<Block> blocks;
    std::size_t total = 0;
    auto add = [&](int country, std::uint8_t status, int group, std::int32_t since, std::size_t n) {
        if (n == 0) {
            return;
        }
        Person p{};
        p.since = since;
        p.group = static_cast<std::uint16_t>(group);
        p.country = static_cast<std::uint16_t>(country);
        p.status = status;
        p.event = never;
        blocks.push_back({total, n, p});
        total += n;
        stocks[stock_index(country, status, group)] += static_cast<std::int64_t>(n);
    };
    for (const auto& init : s.initial) {
        const auto n = static_cast<std::size_t>(std::llround(init.persons));
        switch (init.status) {
        case Status::at_large:
        case Status::returned:
        case Status::settled:
            add(init.country, code(init.status), init.group, 0, n);
            break;
        case Status::detained: {
            // Spread over the ages of detention (rules::initial_detention_by_age), all pending;
            // a person of age a at step 1 is recorded with since = -a.
            rules::check_initial_detention(s, structure, init);
            const auto by_age = rules::initial_detention_by_age(s, structure, init.country,
                                                                static_cast<double>(n), true);
            for (std::size_t age = 0; age < by_age.size(); ++age) {
                add(init.country, detained, init.group, -static_cast<std::int32_t>(age),
                    static_cast<std::size_t>(by_age[age]));
            }
            break;
        }
        default:
            throw InputError(std::string("initial: status '") +
                             std::string(enum_name(status_names, init.status)) +
                             "' cannot be set at the start");
        }
    }
    rules::check_initial_beds(s, [&](int c) {
        std::int64_t held_here = 0;
        for (int g = 0; g < groups; ++g) {
            held_here += stocks[stock_index(c, detained, g)];
        }
        return static_cast<double>(held_here);
    });

    // Room for the persons departures will add: enough for the mean plus ten standard
    // deviations at the largest multipliers. Only what is used becomes resident memory.
    double departing = 0;
    for (const auto& d : s.departures) {
        double multiplier = 1;
        if (d.multiplier) {
            multiplier = d.multiplier->before;
            for (double v : d.multiplier->values) {
                multiplier = std::max(multiplier, v);
            }
        }
        departing += d.persons_per_day * multiplier * dt * steps_total;
    }
    for (const auto& change : s.timeline) {
        double more = 0;
        for (const auto& d : change.parameters->departures) {
            more += d.persons_per_day * dt * steps_total;
        }
        departing = std::max(departing, more);
    }
    const double reserve =
        static_cast<double>(total) + 1.2 * departing + 10 * std::sqrt(departing) + 1024;
    if (reserve >= 4294967295.0) {
        throw InputError("--mode agents: the scenario would create about " +
                         std::to_string(static_cast<long long>(reserve)) +
                         " persons; agents mode holds fewer than 2^32");
    }
    const auto capacity = static_cast<std::size_t>(reserve);
    persons.reserve(capacity);
    route_node.reserve(capacity);
    detained_steps.reserve(capacity);
    first_departure.reserve(capacity);
    advise_huge_pages(persons);
    advise_huge_pages(route_node);
    advise_huge_pages(detained_steps);
    advise_huge_pages(first_departure);
    persons.resize(total);
    route_node.resize(total);
    detained_steps.resize(total);
    first_departure.resize(total);

    // The threads fill, and schedule from step 1, the persons in chunks; the calling thread
    // first does `alongside`.
    const auto chunks = static_cast<std::int64_t>((total + chunk_initial - 1) / chunk_initial);
#pragma omp parallel num_threads(threads)
    {
        if (omp_get_thread_num() == 0) {
            alongside();
        }
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t c = 0; c < chunks; ++c) {
            Worker& w = workers[static_cast<std::size_t>(omp_get_thread_num())];
            const std::size_t begin = static_cast<std::size_t>(c) * chunk_initial;
            const std::size_t end = std::min(total, begin + chunk_initial);
            auto block =
                std::upper_bound(blocks.begin(), blocks.end(), begin,
                                 [](std::size_t i, const Block& b) { return i < b.first; });
            for (std::size_t i = begin; i < end; ++i) {
                while (i >= std::prev(block)->first + std::prev(block)->size) {
                    ++block;
                }
                const Person& p = std::prev(block)->person;
                const auto id = static_cast<std::uint32_t>(i);
                persons[i] = p;
                route_node[i] = RouteTrie::root(p.country);
                // Initial detainees have been held since the start.
                detained_steps[i] = 0;
                first_departure[i] = never;
                RandomStream rng(seed, 0, id, Purpose::agent_start);
                schedule(w, id, any_clock(rng, persons[i], 1));
            }
        }
    }
}

void AgentEngine::Impl::initialize() {
    if (initialized) {
        throw InternalError("AgentEngine::initialize called twice");
    }
    initialized = true;
    const Scenario& s = scenario;
    countries = static_cast<int>(s.countries.size());
    groups = static_cast<int>(s.groups.size());
    agreements = static_cast<int>(s.agreements.size());
    programmes = static_cast<int>(s.programmes.size());
    steps_total = s.steps();
    if (threads <= 0) {
        threads = omp_get_max_threads();
    }
    build_structure();
    parameters.reset(scenario);
    now = &parameters.now();
    compute_rates();

    calendar.reset(steps_total, threads);
    trie.reset(countries);
    workers.assign(threads, Worker{});
    for (int t = 0; t < threads; ++t) {
        Worker& w = workers[t];
        w.thread = t;
        w.stocks.assign(static_cast<std::size_t>(countries) * status_count * groups, 0);
        w.flows.assign(static_cast<std::size_t>(flow_count) * countries * groups, 0);
        w.held.assign(agreements, 0);
        w.stays.assign(static_cast<std::size_t>(steps_total) + 2, 0);
        w.by_destination.assign(static_cast<std::size_t>(countries) * countries, 0);
        w.transfers.assign(agreements, 0);
    }
    removable.assign(static_cast<std::size_t>(countries) * groups, {});
    stocks.assign(static_cast<std::size_t>(countries) * status_count * groups, 0);
    held.assign(agreements, 0);
    stays.assign(static_cast<std::size_t>(steps_total) + 2, 0);
    ledger.reset(s, true);
    deterrence.reset(structure.deterrence_window);
    departures_total = 0;
    out.resize(s);
    out.deterrence_factor = 1.0;

    // The observers start (files are created) while the persons are.
    std::exception_ptr start_error;
    create_initial_persons([&] {
        try {
            for (Observer* o : observers) {
                o->start(s, info);
            }
        } catch (...) {
            start_error = std::current_exception();
        }
    });
    if (start_error) {
        std::rethrow_exception(start_error);
    }
    new_first = static_cast<std::uint32_t>(persons.size());
    step = 0;
    if (trace_size > 0) {
        trace.records = steps_total + 1;
        trace_slots.clear();
        trace.status.assign(trace_size * trace.records, -1);
        trace.country.assign(trace_size * trace.records, -1);
        trace_new_persons(0);
    }
    account();
    initial_total = static_cast<double>(persons.size());
    if (check) {
        check_invariants();
    }
    for (Observer* o : observers) {
        o->record(0, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Parallel passes

// Handles every person whose event is due this step on `clock` (and, for the travel clock, the
// persons created this step): handle(worker, id) once per person due; stale calendar entries
// are skipped. The order in which persons are handled does not matter: each draws from its own
// streams and changes only itself and its worker's counts.
template <class Handle>
void AgentEngine::Impl::parallel_pass(int clock, std::uint32_t new_end, Handle&& handle) {
    // The chunks of each thread's bucket, then those of the new persons: region r is
    // [region_start[r], region_start[r + 1]).
    std::vector<Chunk> chunks;
    std::vector<std::size_t> region_start{0};
    for (int t = 0; t < threads; ++t) {
        const auto& bucket = calendar.bucket(step, clock, t);
        for (std::size_t offset = 0; offset < bucket.size(); offset += chunk_persons) {
            chunks.push_back(
                {bucket.data() + offset, 0,
                 static_cast<std::uint32_t>(std::min(chunk_persons, bucket.size() - offset))});
        }
        region_start.push_back(chunks.size());
    }
    for (std::uint32_t first = new_first; first < new_end; first += chunk_persons) {
        chunks.push_back(
            {nullptr, first,
             static_cast<std::uint32_t>(std::min<std::size_t>(chunk_persons, new_end - first))});
    }
    region_start.push_back(chunks.size());
    const auto due = static_cast<Step>(step);
    const auto run_chunk = [&](Worker& w, const Chunk& chunk) {
        for (std::uint32_t k = 0; k < chunk.size; ++k) {
            if (chunk.ids == nullptr) {
                handle(w, chunk.first + k);
                continue;
            }
            const std::uint32_t id = chunk.ids[k];
            Person& p = persons[id];
            Step expected = due;
            if (!event_of(p).compare_exchange_strong(expected, agents::claimed,
                                                     std::memory_order_acq_rel)) {
                continue; // stale, or a second entry of a person being handled
            }
            if (clock_of(p.status) != clock) {
                // Due on another clock this step: restore for that pass.
                event_of(p).store(due, std::memory_order_release);
                continue;
            }
            event_of(p).store(never, std::memory_order_relaxed);
            handle(w, id);
        }
    };
    if (threads == 1 || chunks.size() < parallel_chunks) {
        for (const Chunk& chunk : chunks) {
            run_chunk(workers[0], chunk);
        }
    } else {
        // Each thread first takes the chunks of the bucket it filled (the persons it scheduled
        // last, whose records its cache may still hold), then those of the others, and the new
        // persons, in turn.
        struct alignas(64) Region {
            std::atomic<std::size_t> next;
            std::size_t end;
        };
        std::vector<Region> regions(static_cast<std::size_t>(threads) + 1);
        for (std::size_t r = 0; r < regions.size(); ++r) {
            regions[r].next.store(region_start[r], std::memory_order_relaxed);
            regions[r].end = region_start[r + 1];
        }
#pragma omp parallel num_threads(threads)
        {
            const auto t = static_cast<std::size_t>(omp_get_thread_num());
            Worker& w = workers[t];
            for (std::size_t k = 0; k < regions.size(); ++k) {
                Region& region = regions[(t + k) % regions.size()];
                for (std::size_t c = region.next.fetch_add(1, std::memory_order_relaxed);
                     c < region.end; c = region.next.fetch_add(1, std::memory_order_relaxed)) {
                    run_chunk(w, chunks[c]);
                }
            }
        }
    }
    calendar.release(step, clock);
    merge_all();
}

void AgentEngine::Impl::merge(Worker& w) {
    for (const std::uint32_t i : w.touched_stocks) {
        stocks[i] += w.stocks[i];
        w.stocks[i] = 0;
    }
    w.touched_stocks.clear();
    const std::size_t cells = static_cast<std::size_t>(countries) * groups;
    for (const std::uint32_t i : w.touched_flows) {
        double& total = out.flows[i / cells].data()[i % cells];
        if (total == 0) {
            flow_cells.push_back(i);
        }
        total += static_cast<double>(w.flows[i]);
        w.flows[i] = 0;
    }
    w.touched_flows.clear();
    removal_log.insert(removal_log.end(), w.removals.begin(), w.removals.end());
    w.removals.clear();
    if (!w.touched_other) {
        return;
    }
    w.touched_other = false;
    for (int a = 0; a < agreements; ++a) {
        held[a] += w.held[a];
        out.agreement_transfers[a] += static_cast<double>(w.transfers[a]);
        w.held[a] = 0;
        w.transfers[a] = 0;
    }
    for (std::size_t i = 0; i < stays.size(); ++i) {
        stays[i] += w.stays[i];
        w.stays[i] = 0;
    }
    double* by_destination = out.removals_by_destination.data();
    for (std::size_t i = 0; i < w.by_destination.size(); ++i) {
        by_destination[i] += static_cast<double>(w.by_destination[i]);
        w.by_destination[i] = 0;
    }
}

// As StepOutputs::clear_flows, clearing only the cells of the flows that are not zero (most of
// them are: clearing them all every step cost more than the rest of the step's accounting).
void AgentEngine::Impl::clear_step_outputs() {
    const std::size_t cells = static_cast<std::size_t>(countries) * groups;
    for (const std::uint32_t i : flow_cells) {
        out.flows[i / cells].data()[i % cells] = 0;
    }
    flow_cells.clear();
    out.clear_step_totals();
}

void AgentEngine::Impl::merge_all() {
    for (Worker& w : workers) {
        merge(w);
    }
}

// Carries out the actions the capacity phases decided, in parallel.
void AgentEngine::Impl::carry_out() {
    run_parallel(
        actions.size(),
        [&](Worker& w, std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                apply(w, actions[i]);
            }
        },
        chunk_actions);
    actions.clear();
    merge_all();
}

// Redraws every clock from this step on: after a change of parameters (memoryless draws, so
// exact), or for returned persons when the deterrence factor exceeds its thinning bound.
void AgentEngine::Impl::redraw(bool returned_only) {
    run_parallel(persons.size(), [&](Worker& w, std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            const auto id = static_cast<std::uint32_t>(i);
            Person& p = persons[id];
            if (clock_of(p.status) < 0 || (returned_only && p.status != returned)) {
                continue;
            }
            RandomStream rng(seed, step_counter(), id, Purpose::agent_redraw);
            const Step next = any_clock(rng, p, step);
            if (next != p.event) {
                schedule(w, id, next);
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// The step

void AgentEngine::Impl::step_once() {
    ++step;
    const Date today = scenario.date_of_step(step - 1);
    clear_step_outputs();

    rules::run_phases(*this, today);

    if (check) {
        check_invariants();
    }
    for (Observer* o : observers) {
        o->record(step, out);
    }
}

// Phase 1: the parameters in force (a change redraws every clock: the draws are memoryless, so
// this is exact); monthly quotas and caps start again in a new month.
void AgentEngine::Impl::apply_policy(Date today) {
    if (parameters.advance(today)) {
        now = &parameters.now();
        choose_routes_and_programmes(*now);
        compute_rates();
        redraw(false);
    }
    ledger.roll_month(today);
}

// Phase 2: the deterrence factor, and the persons departing (whole persons, Poisson as the
// stochastic mode). Re-migration is each returned person's own clock, thinned by the factor.
void AgentEngine::Impl::depart(Date today) {
    const Scenario& s = *now;
    const double dt = s.dt_days;
    const double f = deterrence.factor(s, today);
    out.deterrence_factor = f;
    if (f > factor_bound) {
        set_factor_bound(2 * f);
        redraw(true);
    }
    remigration_accept.assign(groups, 0.0);
    for (int g = 0; g < groups; ++g) {
        const double bound = remigration_bound[g].p;
        remigration_accept[g] =
            bound > 0 ? rules::hazard_probability(remigration_rate[g] * f, dt) / bound : 0.0;
    }

    new_first = static_cast<std::uint32_t>(persons.size());
    for (std::size_t i = 0; i < s.departures.size(); ++i) {
        const auto& d = s.departures[i];
        const double mean = rules::departure_mean(d, today, f, dt);
        if (mean <= 0) {
            continue;
        }
        RandomStream rng(seed, step_counter(), static_cast<std::uint32_t>(i),
                         Purpose::agent_departures);
        const std::int64_t n = sample_poisson(rng, mean);
        if (n <= 0) {
            continue;
        }
        if (persons.size() + static_cast<std::size_t>(n) >= 0xFFFFFFFFu) {
            throw InputError("--mode agents: more than 2^32 - 1 persons");
        }
        Person p{};
        p.since = step;
        p.group = static_cast<std::uint16_t>(d.group);
        p.country = static_cast<std::uint16_t>(d.origin);
        p.status = at_node;
        p.aux = static_cast<std::uint8_t>(structure.destination_slot[d.destination]);
        p.event = never;
        const auto k = static_cast<std::size_t>(n);
        persons.insert(persons.end(), k, p);
        route_node.insert(route_node.end(), k, RouteTrie::root(d.origin));
        detained_steps.insert(detained_steps.end(), k, 0);
        first_departure.insert(first_departure.end(), k, static_cast<Step>(step));
        double& flowed = out.flows[static_cast<int>(Flow::departures)](d.origin, d.group);
        if (flowed == 0) {
            flow_cells.push_back(
                static_cast<std::uint32_t>(flow_index(Flow::departures, d.origin, d.group)));
        }
        flowed += static_cast<double>(n);
        departures_total += static_cast<double>(n);
    }
    if (trace_size > 0) {
        trace_new_persons(step);
    }
}

// Phases 2-4 for every person whose event is due on the travel clock, and the persons who
// departed this step (who choose their first route): re-migration, movement, deaths, arrivals,
// interdiction, arrests, apprehension.
void AgentEngine::Impl::travel() {
    parallel_pass(agents::travel_clock, static_cast<std::uint32_t>(persons.size()),
                  [this](Worker& w, std::uint32_t id) { travel_person(w, id); });
}

// Phases 2-4 for one person whose event is due (or who departed this step).
void AgentEngine::Impl::travel_person(Worker& w, std::uint32_t id) {
    Person& p = persons[id];
    RandomStream rng(seed, step_counter(), id, Purpose::agent_travel);
    const int g = p.group;
    switch (p.status) {
    case at_node: // departed this step
        at_node_step(w, rng, id);
        return;
    case returned: {
        // Thinning: the clock runs at the bound; a candidate step is kept with probability
        // p(factor) / p(bound), so that each step's chance is exactly p(factor).
        const double accept = remigration_accept[g];
        if (accept < 1 && !(rng.uniform() < accept)) {
            schedule(w, id, remigration_clock(rng, p, step + 1));
            return;
        }
        count(w, p.country, returned, g, -1);
        const int origin = structure.group_origin[g];
        flow(w, Flow::remigrations, origin, g);
        move_to(w, id, origin);
        if (first_departure[id] == never) {
            first_departure[id] = static_cast<Step>(step);
        }
        p.status = at_node;
        p.aux = static_cast<std::uint8_t>(structure.group_destination[g]);
        p.since = step;
        at_node_step(w, rng, id);
        return;
    }
    case in_transit: {
        const int r = p.place;
        const auto& route = now->routes[r];
        const int end = p.since + structure.route_steps[r];
        count(w, route.from, in_transit, g, -1);
        if (step < end) { // interdicted by the country the route leaves
            p.transit_steps = static_cast<Step>(p.transit_steps + (step - p.since));
            flow(w, Flow::interdictions, route.from, g);
            stop(w, id);
            return;
        }
        // The end of the route: death on the way, or the next country.
        p.transit_steps = static_cast<Step>(p.transit_steps + structure.route_steps[r]);
        if (rng.uniform() < route.mortality) {
            p.status = dead;
            p.since = step;
            count(w, route.from, dead, g, +1);
            flow(w, Flow::deaths, route.from, g);
            return;
        }
        move_to(w, id, route.to);
        p.status = at_node;
        at_node_step(w, rng, id);
        return;
    }
    case at_large:
        count(w, p.country, at_large, g, -1);
        flow(w, Flow::arrests, p.country, g);
        stop(w, id);
        return;
    default:
        throw InternalError("agents: travel event for a person with status " +
                            std::to_string(p.status));
    }
}

// A traveller at a country: arrival (and apprehension) at the destination, otherwise the next
// route, chosen by weight, with the interdiction clock on it from this step.
void AgentEngine::Impl::at_node_step(Worker& w, RandomStream& rng, std::uint32_t id) {
    Person& p = persons[id];
    const int c = p.country;
    const int g = p.group;
    const int slot = p.aux;
    if (structure.destinations[slot] == c) {
        flow(w, Flow::arrivals, c, g);
        if (rng.uniform() < now->enforcement[c].border_apprehension_probability) {
            flow(w, Flow::apprehensions, c, g);
            stop(w, id);
            return;
        }
        p.status = at_large;
        p.since = step;
        count(w, c, at_large, g, +1);
        schedule(w, id, arrest_clock(rng, p, step + 1));
        return;
    }
    const std::size_t node = static_cast<std::size_t>(c) * structure.destinations.size() + slot;
    const auto& routes = choice_routes[node];
    if (routes.empty()) {
        throw InternalError("agents: no route from " + scenario.countries[c].code + " towards " +
                            scenario.countries[structure.destinations[slot]].code);
    }
    const auto& cumulative = choice_cumulative[node];
    std::size_t choice = 0;
    if (routes.size() > 1) {
        const double u = rng.uniform();
        while (choice + 1 < routes.size() && !(u < cumulative[choice])) {
            ++choice;
        }
    }
    p.status = in_transit;
    p.place = static_cast<std::uint16_t>(routes[choice]);
    p.since = step;
    const Step next = transit_clock(rng, p, step);
    if (next == step) { // interdicted on the day the route starts
        flow(w, Flow::interdictions, c, g);
        stop(w, id);
        return;
    }
    count(w, c, in_transit, g, +1);
    schedule(w, id, next);
}

void AgentEngine::Impl::stop(Worker& w, std::uint32_t id) {
    Person& p = persons[id];
    p.status = stopped;
    p.since = step;
    w.stopped.push_back({p.country, p.group, id});
}

// Phase 5: how many of each group are admitted by the shared intake rule (rules/intake.hpp: free
// beds, priority classes from the highest); then which persons, uniformly among those stopped
// in each group. Countries are independent here
// (their own beds, their own stream): each is decided on any thread, and the decisions are then
// carried out in parallel.
void AgentEngine::Impl::admit_to_detention() {
    // The candidates, each with its place in this concatenation of the threads' lists.
    candidates.clear();
    stopped_start.assign(workers.size() + 1, 0);
    for (std::size_t t = 0; t < workers.size(); ++t) {
        for (Candidate c : workers[t].stopped) {
            c.slot = static_cast<std::uint32_t>(candidates.size());
            candidates.push_back(c);
        }
        stopped_start[t + 1] = static_cast<std::uint32_t>(candidates.size());
    }
    if (candidates.empty()) {
        return;
    }
    // By country (a counting sort); each country's candidates are put in order of (group,
    // person) by the thread that decides for the country.
    country_start.assign(static_cast<std::size_t>(countries) + 1, 0);
    for (const Candidate& c : candidates) {
        ++country_start[static_cast<std::size_t>(c.country) + 1];
    }
    std::partial_sum(country_start.begin(), country_start.end(), country_start.begin());
    sorted_candidates.resize(candidates.size());
    {
        std::vector<std::uint32_t> next(country_start.begin(), country_start.end() - 1);
        for (const Candidate& c : candidates) {
            sorted_candidates[next[c.country]++] = c;
        }
    }
    busy_countries.clear();
    for (int c = 0; c < countries; ++c) {
        if (country_start[c + 1] > country_start[c]) {
            busy_countries.push_back(c);
        }
    }
    // The countries with most candidates first, so that the threads finish together.
    std::stable_sort(busy_countries.begin(), busy_countries.end(), [&](int a, int b) {
        return country_start[a + 1] - country_start[a] > country_start[b + 1] - country_start[b];
    });
    // Each country's outcomes in its own part of sorted_outcome (so that the threads deciding
    // write to cache lines of their own), then put in the candidates' places.
    sorted_outcome.resize(candidates.size());
    run_parallel(
        busy_countries.size(),
        [&](Worker& w, std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                const int c = busy_countries[k];
                const std::size_t first = country_start[c];
                const std::size_t size = country_start[c + 1] - first;
                admit_in(w, c, std::span<Candidate>(sorted_candidates.data() + first, size),
                         std::span<Outcome>(sorted_outcome.data() + first, size));
            }
        },
        1);
    intake_outcome.resize(candidates.size());
    for (std::size_t i = 0; i < sorted_candidates.size(); ++i) {
        intake_outcome[sorted_candidates[i].slot] = sorted_outcome[i];
    }
    // Carried out by the thread that stopped each person, whose cache holds their record.
    const auto carry_out_stopped = [&](Worker& w, std::size_t t) {
        const auto& stopped_by_t = workers[t].stopped;
        for (std::size_t i = 0; i < stopped_by_t.size(); ++i) {
            apply(w, {stopped_by_t[i].person, intake_outcome[stopped_start[t] + i], 0, 0});
        }
    };
    if (threads == 1 || candidates.size() < parallel_chunks * chunk_actions) {
        for (std::size_t t = 0; t < workers.size(); ++t) {
            carry_out_stopped(workers[0], t);
        }
    } else {
#pragma omp parallel num_threads(threads)
        {
            Worker& w = workers[static_cast<std::size_t>(omp_get_thread_num())];
            for (auto t = static_cast<std::size_t>(omp_get_thread_num()); t < workers.size();
                 t += static_cast<std::size_t>(omp_get_num_threads())) {
                carry_out_stopped(w, t);
            }
        }
    }
    for (Worker& w : workers) {
        w.stopped.clear();
    }
    merge_all();
}

// Phase 5 in one country, for the persons stopped there this step: the outcome of each, in
// `decided` (in the order stopped_here ends up in).
void AgentEngine::Impl::admit_in(Worker& w, int c, std::span<Candidate> stopped_here,
                                 std::span<Outcome> decided) {
    const Scenario& s = *now;
    std::sort(stopped_here.begin(), stopped_here.end(), [](const Candidate& a, const Candidate& b) {
        return std::tie(a.group, a.person) < std::tie(b.group, b.person);
    });
    RandomStream rng(seed, step_counter(), static_cast<std::uint32_t>(c),
                     Purpose::agent_intake_choice);
    auto& waiting_by_group = w.waiting;
    auto& admitted = w.admitted;
    waiting_by_group.assign(groups, 0.0);
    admitted.assign(groups, 0.0);
    for (const Candidate& candidate : stopped_here) {
        waiting_by_group[candidate.group] += 1;
    }
    double in_detention = 0;
    for (int g = 0; g < groups; ++g) {
        in_detention += static_cast<double>(stocks[stock_index(c, detained, g)]);
    }
    rules::StreamChooser chooser(rng);
    rules::admit_by_priority(s, c, waiting_by_group, rules::free_beds(s, c, in_detention, true),
                             chooser, admitted, w.intake);
    // Which persons: uniformly within each group (their places shuffled in the order of
    // persons).
    auto& places = w.places;
    for (std::size_t i = 0; i < stopped_here.size();) {
        const int g = stopped_here[i].group;
        std::size_t j = i;
        places.clear();
        while (j < stopped_here.size() && stopped_here[j].group == g) {
            places.push_back(static_cast<std::uint32_t>(j));
            ++j;
        }
        const auto k = static_cast<std::size_t>(admitted[g]);
        shuffle_to_back(rng, places, k);
        for (std::size_t n = 0; n < places.size(); ++n) {
            decided[places[n]] = n >= places.size() - k ? Outcome::admitted : Outcome::overflow;
        }
        i = j;
    }
}

// Phase 6 for every detainee whose event is due; then the removable detainees are listed.
void AgentEngine::Impl::process_detainees() {
    parallel_pass(agents::detention_clock, new_first,
                  [this](Worker& w, std::uint32_t id) { process(w, id); });
    collect_removable();
}

// Phase 6 for one detainee whose event is due: released after the maximum period (unless
// exempt), or one processing stage done (one stage per step at most).
void AgentEngine::Impl::process(Worker& w, std::uint32_t id) {
    Person& p = persons[id];
    RandomStream rng(seed, step_counter(), id, Purpose::agent_detention);
    const int c = p.country;
    const int g = p.group;
    if (!exempt(p) && step >= deadline(p)) {
        count(w, c, detained, g, -1);
        end_detention(w, id);
        flow(w, Flow::max_detention_releases, c, g);
        p.status = at_large;
        p.since = step;
        count(w, c, at_large, g, +1);
        schedule(w, id, arrest_clock(rng, p, step + 1));
        return;
    }
    // Otherwise the event is the end of a stage: an exempt detainee's clock never holds the
    // deadline, and a change of exemption redraws every clock.
    if (p.aux >= structure.detention_stages[c]) {
        throw InternalError("agents: processing event for a removable detainee");
    }
    ++p.aux;
    if (p.aux == structure.detention_stages[c]) {
        w.removable.push_back(id);
    }
    schedule(w, id, detention_clock(rng, p, step + 1));
}

// Phases 8-9 for one held person whose event is due. Prison: their release, decided in phase 9.
// Shelter: one of the four outcomes, as competing risks: ready for onward return (phase 8 seats
// them), or asylum, a permit or absconding.
void AgentEngine::Impl::shelter_or_prison(Worker& w, std::uint32_t id) {
    Person& p = persons[id];
    if (p.status == imprisoned) {
        w.leaving.push_back(id);
        return;
    }
    RandomStream rng(seed, step_counter(), id, Purpose::agent_held);
    const auto& part = shelter_part[p.place];
    const double u = rng.uniform();
    const int receiver = now->agreements[p.place].receiver;
    if (u < part[0]) {
        w.ready.push_back(id);
        return;
    }
    count(w, receiver, sheltered, p.group, -1);
    --w.held[p.place];
    w.touched_other = true;
    p.since = step;
    if (u < part[1]) {
        p.status = settled;
        count(w, receiver, settled, p.group, +1);
        flow(w, Flow::settlements, receiver, p.group);
        return;
    }
    p.status = at_large;
    count(w, receiver, at_large, p.group, +1);
    flow(w, u < part[2] ? Flow::permit_releases : Flow::absconded, receiver, p.group);
    schedule(w, id, arrest_clock(rng, p, step + 1));
}

// The removable detainees of each (country, group), in a fixed order: those still removable from
// earlier steps in their order, then this step's new ones by person.
void AgentEngine::Impl::collect_removable() {
    // Those no longer detained leave the lists (each country's lists on any thread; only
    // countries with detention have any).
    run_parallel(
        structure.detention_countries.size(),
        [&](Worker&, std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                const auto first =
                    static_cast<std::size_t>(structure.detention_countries[k]) * groups;
                for (std::size_t i = first; i < first + groups; ++i) {
                    std::erase_if(removable[i],
                                  [&](std::uint32_t id) { return persons[id].status != detained; });
                }
            }
        },
        1);
    std::vector<std::uint32_t> fresh;
    for (Worker& w : workers) {
        fresh.insert(fresh.end(), w.removable.begin(), w.removable.end());
        w.removable.clear();
    }
    std::sort(fresh.begin(), fresh.end());
    for (const std::uint32_t id : fresh) {
        const Person& p = persons[id];
        removable[static_cast<std::size_t>(p.country) * groups + p.group].push_back(id);
    }
}

double AgentEngine::Impl::scheduled_flights(int programme, int at_step) const {
    return now->programmes[programme].scheduled_flights(now->dt_days, at_step);
}

// What a removal option can still take (rules::RemovalLedger::room, whole persons).
double AgentEngine::Impl::room(int channel) const {
    return ledger.room(*now, out, channel, [this](int a) { return static_cast<double>(held[a]); });
}

// Phases 7 and 8: the counts by group from the shared removal rules (removal_rules.hpp:
// options, rounds, programmes, rooms and seats), then which removable persons of each group,
// uniformly without replacement.
void AgentEngine::Impl::allocate_removals(Date today) {
    const Scenario& s = *now;
    ledger.open_seats(s, today, step);
    const std::vector<int> agreement_list = agreement_order(s);
    RandomStream rng(seed, step_counter(), 0, Purpose::agent_removal_choice);

    // What the shared removal rules need from this engine: rooms and bookkeeping from the
    // ledger, and draws from this step's removal-choice stream.
    struct Capacity final : RemovalCapacity {
        Impl& engine;
        RandomStream& stream;
        Capacity(Impl& e, RandomStream& r) : engine(e), stream(r) {}
        double room(int channel) const override { return engine.room(channel); }
        void take(int channel, int, double persons) override {
            engine.ledger.take(channel, persons, engine.out);
            if (channel >= 0) {
                engine.held[channel] += static_cast<std::int64_t>(persons);
            }
        }
        void choose(std::span<const double> counts, double draws, std::span<double> out,
                    std::uint32_t) override {
            rules::choose_whole_persons(stream, counts, draws, out);
        }
    } capacity(*this, rng);

    std::vector<double> removable_count(groups);
    moves.resize(static_cast<std::size_t>(countries));
    busy_countries.clear();
    country_start.resize(static_cast<std::size_t>(countries) + 1);
    std::size_t removed = 0; // actions of the senders so far
    for (int c = 0; c < countries; ++c) {
        if (structure.detention_ages[c] == 0) {
            continue;
        }
        bool any = false;
        for (int g = 0; g < groups; ++g) {
            removable_count[g] =
                static_cast<double>(removable[static_cast<std::size_t>(c) * groups + g].size());
            any = any || removable_count[g] > 0;
        }
        if (!any) {
            continue;
        }
        RemovalMoves& moved = moves[c];
        deportsim::allocate_removals(
            s, c, today, programme_order, agreement_list, removable_count, ledger.seats_left(),
            std::span<double>(out.programme_passengers.data(),
                              static_cast<std::size_t>(out.programme_passengers.size())),
            capacity, moved);
        std::size_t moving = 0;
        for (int g = 0; g < groups; ++g) {
            for (const auto& [ch, n] : moved[g]) {
                moving += static_cast<std::size_t>(n);
                if (ch >= 0 && s.agreements[ch].disposition == Disposition::release) {
                    // Counted as held while the flights were filled, as the cohort engine.
                    held[ch] -= static_cast<std::int64_t>(n);
                }
            }
        }
        if (moving > 0) {
            busy_countries.push_back(c);
            country_start[c] = static_cast<std::uint32_t>(removed);
            removed += moving;
        }
    }
    // Which persons leave detention, and where each goes: each sender decided on any thread,
    // from its own stream, into its own part of the actions; then carried out in parallel.
    actions.resize(removed);
    run_parallel(
        busy_countries.size(),
        [&](Worker&, std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                remove_from(busy_countries[k], actions.data() + country_start[busy_countries[k]]);
            }
        },
        1);
    carry_out();
}

// Phase 7 in one sender: the persons of each group moved by allocate_removals, uniformly among
// the group's removable detainees; their actions from `decided` on.
void AgentEngine::Impl::remove_from(int c, Action* decided) {
    RandomStream rng(seed, step_counter(), 1 + static_cast<std::uint32_t>(c),
                     Purpose::agent_removal_choice);
    const RemovalMoves& moved = moves[c];
    for (int g = 0; g < groups; ++g) {
        if (moved[g].empty()) {
            continue;
        }
        std::size_t total = 0;
        for (const auto& [ch, n] : moved[g]) {
            total += static_cast<std::size_t>(n);
        }
        auto& list = removable[static_cast<std::size_t>(c) * groups + g];
        shuffle_to_back(rng, list, total);
        std::size_t next = list.size() - total;
        for (const auto& [ch, n] : moved[g]) {
            const auto k = static_cast<std::size_t>(n);
            for (std::size_t i = 0; i < k; ++i) {
                *decided++ = {list[next++], Outcome::removed, c, ch};
            }
        }
        list.resize(list.size() - total);
    }
}

// One person's outcome of a capacity phase (any thread).
void AgentEngine::Impl::apply(Worker& w, const Action& action) {
    const std::uint32_t id = action.person;
    Person& p = persons[id];
    const int g = p.group;
    switch (action.outcome) {
    case Outcome::admitted: {
        RandomStream rng(seed, step_counter(), id, Purpose::agent_admission);
        p.status = detained;
        p.aux = 0;
        p.since = step;
        count(w, p.country, detained, g, +1);
        flow(w, Flow::detention_intake, p.country, g);
        // Processing may end a stage this very step (phase 6 comes next).
        schedule(w, id, detention_clock(rng, p, step));
        return;
    }
    case Outcome::overflow: {
        RandomStream rng(seed, step_counter(), id, Purpose::agent_admission);
        p.status = at_large;
        p.since = step;
        count(w, p.country, at_large, g, +1);
        flow(w, Flow::overflow_releases, p.country, g);
        schedule(w, id, arrest_clock(rng, p, step + 1));
        return;
    }
    case Outcome::removed: {
        // Phase 8: returned home, or received under an agreement (imprisoned, sheltered, or
        // released at large in the receiver).
        RandomStream rng(seed, step_counter(), id, Purpose::agent_disposal);
        const int sender = action.value;
        const int channel = action.channel;
        PersonCounter counter{*this, w};
        const auto to = rules::count_removal(*now, counter, sender, g, channel, 1.0);
        const int destination = to.country;
        count(w, sender, detained, g, -1);
        end_detention(w, id);
        w.removals.push_back(
            {id, static_cast<std::uint16_t>(step), static_cast<std::uint16_t>(destination)});
        if (to.status == Status::returned) {
            to_returned(w, rng, id, destination);
            return;
        }
        move_to(w, id, destination);
        p.since = step;
        if (to.status == Status::at_large) {
            p.status = at_large;
            count(w, destination, at_large, g, +1);
            schedule(w, id, arrest_clock(rng, p, step + 1));
            return;
        }
        p.status = code(to.status);
        p.place = static_cast<std::uint16_t>(channel);
        count(w, destination, p.status, g, +1);
        // Held persons may leave in this step's phases 8-9, as in the cohort engine.
        schedule(w, id, held_clock(rng, p, step));
        return;
    }
    case Outcome::onward: {
        RandomStream rng(seed, step_counter(), id, Purpose::agent_onward);
        const int receiver = p.country;
        const int n = action.value;
        count(w, receiver, sheltered, g, -1);
        PersonCounter counter{*this, w};
        rules::count_onward_return(counter, receiver, n, g, 1.0);
        to_returned(w, rng, id, n);
        return;
    }
    case Outcome::waiting: {
        // Ready but without a seat: still sheltered; the clock runs again from the next step.
        RandomStream rng(seed, step_counter(), id, Purpose::agent_onward);
        schedule(w, id, held_clock(rng, p, step + 1));
        return;
    }
    case Outcome::released_home:
    case Outcome::released_here: {
        RandomStream rng(seed, step_counter(), id, Purpose::agent_release);
        const int receiver = p.country;
        flow(w, Flow::prison_releases, receiver, g);
        count(w, receiver, imprisoned, g, -1);
        if (action.outcome == Outcome::released_home) {
            flow(w, Flow::returns_received, action.value, g);
            to_returned(w, rng, id, action.value);
            return;
        }
        p.status = at_large;
        p.since = step;
        count(w, receiver, at_large, g, +1);
        schedule(w, id, arrest_clock(rng, p, step + 1));
        return;
    }
    }
}

void AgentEngine::Impl::to_returned(Worker& w, RandomStream& rng, std::uint32_t id, int country) {
    Person& p = persons[id];
    move_to(w, id, country);
    p.status = returned;
    p.since = step;
    count(w, country, returned, p.group, +1);
    schedule(w, id, remigration_clock(rng, p, step + 1));
}

// The held persons the threads listed (each worker's `listed`), gathered into `list` in order of
// (agreement, group, person); handle(a, count, begin, end) for each agreement's persons, with
// group g's persons at [begin[g], end[g]) of `list` and their number count[g].
template <class Handle>
void AgentEngine::Impl::by_agreement_and_group(std::vector<std::uint32_t>& list,
                                               std::vector<std::uint32_t> Worker::*listed,
                                               Handle&& handle) {
    list.clear();
    for (Worker& w : workers) {
        list.insert(list.end(), (w.*listed).begin(), (w.*listed).end());
        (w.*listed).clear();
    }
    std::sort(list.begin(), list.end(), [&](std::uint32_t x, std::uint32_t y) {
        const Person& a = persons[x];
        const Person& b = persons[y];
        return std::tie(a.place, a.group, x) < std::tie(b.place, b.group, y);
    });
    std::vector<double> count(groups);
    std::vector<std::size_t> begin(groups), end(groups);
    for (std::size_t first = 0; first < list.size();) {
        const int a = persons[list[first]].place;
        std::size_t last = first;
        std::fill(count.begin(), count.end(), 0.0);
        std::fill(begin.begin(), begin.end(), 0);
        std::fill(end.begin(), end.end(), 0);
        while (last < list.size() && persons[list[last]].place == a) {
            const int g = persons[list[last]].group;
            if (count[g] == 0) {
                begin[g] = last;
            }
            count[g] += 1;
            end[g] = last + 1;
            ++last;
        }
        handle(a, std::span<double>(count), std::span<const std::size_t>(begin),
               std::span<std::size_t>(end));
        first = last;
    }
}

// Phases 8-9 for every held person whose event is due: shelter outcomes (ready for onward
// return, asylum, permit or absconding) and prison releases due.
void AgentEngine::Impl::draw_held_outcomes() {
    parallel_pass(agents::held_clock, new_first,
                  [this](Worker& w, std::uint32_t id) { shelter_or_prison(w, id); });
}

// Phase 8 (continued): the sheltered persons ready this step take the seats left on the
// receiver's programmes, within each nationality's return cap (how many of each group: the
// shared rule, rules/held.hpp; which persons: uniformly among the group's ready persons); the
// others stay sheltered.
void AgentEngine::Impl::return_sheltered_onward() {
    const Scenario& s = *now;
    RandomStream rng(seed, step_counter(), 0, Purpose::agent_onward_choice);
    rules::StreamChooser chooser(rng);
    rules::HeldScratch scratch;
    const auto held_by = [this](int a) { return static_cast<double>(held[a]); };
    // end[g] moves down as group g's persons are seated: [begin, end) still wait.
    by_agreement_and_group(
        ready, &Worker::ready,
        [&](int a, std::span<double> ready_count, std::span<const std::size_t> begin,
            std::span<std::size_t> end) {
            rules::seat_onward_returns(
                s, a, programme_order, ready_count, held_by, ledger, out, chooser,
                [&](int, int g, double persons_seated) {
                    const auto k = static_cast<std::size_t>(persons_seated);
                    std::span<std::uint32_t> waiting(ready.data() + begin[g], end[g] - begin[g]);
                    shuffle_to_back(rng, waiting, k);
                    for (std::size_t i = waiting.size() - k; i < waiting.size(); ++i) {
                        actions.push_back({waiting[i], Outcome::onward, nationality(g), 0});
                    }
                    held[a] -= static_cast<std::int64_t>(k);
                    end[g] -= k;
                },
                scratch);
            for (int g = 0; g < groups; ++g) {
                for (std::size_t i = begin[g]; i < end[g]; ++i) {
                    actions.push_back({ready[i], Outcome::waiting, 0, 0});
                }
            }
        });
}

// Phase 8: flights flown for the passengers (whole flights) and their cost.
void AgentEngine::Impl::fly() {
    ledger.fly(*now, true, out);
}

// Phase 9: releases from prisons decided, then every capacity phase's decisions carried out.
void AgentEngine::Impl::release_from_facilities() {
    release_from_prisons();
    carry_out();
}

// Phase 9 for prisons: the persons whose release is due go home if their country accepts
// returns now, within its cap (how many of each group: the shared rule, rules/held.hpp; which
// persons: uniformly), otherwise they are released at large in the receiver.
void AgentEngine::Impl::release_from_prisons() {
    RandomStream rng(seed, step_counter(), 0, Purpose::agent_release_choice);
    rules::StreamChooser chooser(rng);
    rules::HeldScratch scratch;
    const auto held_by = [this](int a) { return static_cast<double>(held[a]); };
    by_agreement_and_group(
        leaving, &Worker::leaving,
        [&](int a, std::span<double> leaving_count, std::span<const std::size_t> begin,
            std::span<std::size_t> end) {
            held[a] -= static_cast<std::int64_t>(
                std::accumulate(leaving_count.begin(), leaving_count.end(), 0.0));
            rules::release_from_prison(
                *now, a, leaving_count, held_by, ledger, out, chooser,
                [&](int n, int g, double, double home) {
                    std::span<std::uint32_t> list(leaving.data() + begin[g], end[g] - begin[g]);
                    const auto k = static_cast<std::size_t>(home);
                    shuffle_to_back(rng, list, k);
                    for (std::size_t i = 0; i < list.size(); ++i) {
                        actions.push_back(
                            {list[i],
                             i >= list.size() - k ? Outcome::released_home : Outcome::released_here,
                             n, 0});
                    }
                },
                scratch);
        });
}

// Phase 10: stocks from the counts, facility use and money (rules/accounting.hpp), the
// deterrence window; then the trace.
void AgentEngine::Impl::account() {
    const Scenario& s = *now;
    double* stock_values = out.stocks.data();
    for (std::size_t i = 0; i < stocks.size(); ++i) {
        stock_values[i] = static_cast<double>(stocks[i]);
    }
    rules::account_facilities_and_money(
        s, step, [this](int c) { return out.stocks.row(stock_row(c, Status::detained)).sum(); },
        [this](int a) { return static_cast<double>(held[a]); }, ledger, out);
    deterrence.record(step, out);
    if (trace_size > 0) {
        record_trace();
    }
}

// ---------------------------------------------------------------------------------------------
// Trace: reservoir sampling over persons in order of creation (Li's Algorithm L: the gaps
// between persons taken into the sample are drawn, so the cost does not grow with persons).

void AgentEngine::Impl::trace_new_persons(int at_step) {
    const std::uint64_t n = persons.size();
    const std::uint64_t size = trace_size;
    RandomStream rng(seed, static_cast<std::uint32_t>(at_step), 0, Purpose::agent_trace);
    auto advance = [&](std::uint64_t from) {
        trace_w *= std::exp(std::log(rng.uniform()) / static_cast<double>(size));
        const double gap = std::floor(std::log(rng.uniform()) / std::log1p(-trace_w));
        trace_next = gap < 1e18 ? from + 1 + static_cast<std::uint64_t>(gap)
                                : std::numeric_limits<std::uint64_t>::max();
    };
    auto clear_slot = [&](std::size_t slot) {
        std::fill_n(trace.status.begin() + static_cast<std::ptrdiff_t>(slot * trace.records),
                    trace.records, std::int8_t{-1});
        std::fill_n(trace.country.begin() + static_cast<std::ptrdiff_t>(slot * trace.records),
                    trace.records, std::int16_t{-1});
    };
    while (trace_slots.size() < size && trace_slots.size() < n) {
        trace_slots.push_back(static_cast<std::uint32_t>(trace_slots.size()));
        if (trace_slots.size() == size) {
            trace_w = 1.0;
            advance(size - 1);
        }
    }
    while (trace_slots.size() == size && trace_next < n) {
        const std::size_t slot = agents::bounded(rng, size);
        trace_slots[slot] = static_cast<std::uint32_t>(trace_next);
        clear_slot(slot);
        advance(trace_next);
    }
}

void AgentEngine::Impl::record_trace() {
    for (std::size_t slot = 0; slot < trace_slots.size(); ++slot) {
        const Person& p = persons[trace_slots[slot]];
        const std::size_t at = slot * static_cast<std::size_t>(trace.records) + step;
        trace.status[at] = static_cast<std::int8_t>(p.status);
        trace.country[at] = static_cast<std::int16_t>(p.country);
    }
}

// ---------------------------------------------------------------------------------------------
// Invariants

// The checks every mode shares (rules/accounting.hpp), then the counts against a recount of
// every person's record.
void AgentEngine::Impl::check_invariants() const {
    const Scenario& s = *now;
    const std::string label = "agents mode: ";
    const auto fail = [&](const std::string& what) { rules::fail_invariant(s, step, label, what); };
    const double expected = initial_total + departures_total;
    rules::check_invariants(s, step, out, ledger, out.stocks.sum(), expected, {}, label);
    if (static_cast<double>(persons.size()) != expected) {
        fail("persons not conserved: " + std::to_string(persons.size()) + " records, " +
             std::to_string(static_cast<std::int64_t>(expected)) + " = initial + departures");
    }
    // The counts against a recount of every record.
    std::vector<std::int64_t> recount(stocks.size(), 0);
    std::vector<std::int64_t> held_recount(agreements, 0);
    for (std::size_t id = 0; id < persons.size(); ++id) {
        const Person& p = persons[id];
        if (p.status >= status_count) {
            fail("person " + std::to_string(id) + " left in a transient status");
        }
        ++recount[stock_index(p.country, p.status, p.group)];
        if (p.status == imprisoned || p.status == sheltered) {
            ++held_recount[p.place];
            if (p.country != s.agreements[p.place].receiver) {
                fail("person " + std::to_string(id) + " held outside the receiver");
            }
        }
        if (p.event != never && p.event <= step) {
            fail("person " + std::to_string(id) + " has an event in the past");
        }
    }
    for (std::size_t i = 0; i < stocks.size(); ++i) {
        if (stocks[i] < 0 || recount[i] != stocks[i]) {
            const auto row = i / groups;
            std::ostringstream message;
            message << "stock of " << s.groups[i % groups].id << " in "
                    << s.countries[row / status_count].code << " "
                    << status_names[row % status_count] << " is " << stocks[i] << ", records say "
                    << recount[i];
            fail(message.str());
        }
    }
    for (int a = 0; a < agreements; ++a) {
        if (held_recount[a] != held[a]) {
            fail("agreement " + s.agreements[a].id + " holds " + std::to_string(held[a]) +
                 ", records say " + std::to_string(held_recount[a]));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Results

void AgentEngine::Impl::finish_results() {
    // In order of (person, step), which orders the log completely (a person is removed at most
    // once a step). The log is in order of steps already (merged step by step), so a stable sort
    // by person will do: a radix sort, 16 bits at a time.
    {
        std::vector<RemovalRecord> sorted(removal_log.size());
        std::vector<std::size_t> start(std::size_t{1} << 16);
        for (const int shift : {0, 16}) {
            std::fill(start.begin(), start.end(), 0);
            for (const RemovalRecord& r : removal_log) {
                ++start[(r.person >> shift) & 0xFFFFu];
            }
            std::exclusive_scan(start.begin(), start.end(), start.begin(), std::size_t{0});
            for (const RemovalRecord& r : removal_log) {
                sorted[start[(r.person >> shift) & 0xFFFFu]++] = r;
            }
            removal_log.swap(sorted);
        }
    }
    auto& d = distributions;
    d.removals_per_person.assign(1, 0);
    d.departure_to_first_removal.assign(static_cast<std::size_t>(steps_total) + 1, 0);
    d.detention_stay.assign(stays.begin(), stays.begin() + steps_total + 1);
    std::int64_t removed_persons = 0;
    for (std::size_t i = 0; i < removal_log.size();) {
        const std::uint32_t id = removal_log[i].person;
        std::size_t j = i;
        bool counted = false;
        const Step departed = first_departure[id];
        while (j < removal_log.size() && removal_log[j].person == id) {
            if (!counted && departed != never && removal_log[j].step >= departed) {
                ++d.departure_to_first_removal[removal_log[j].step - departed];
                counted = true;
            }
            ++j;
        }
        const std::size_t times = j - i;
        if (d.removals_per_person.size() <= times) {
            d.removals_per_person.resize(times + 1, 0);
        }
        ++d.removals_per_person[times];
        ++removed_persons;
        i = j;
    }
    d.removals_per_person[0] = static_cast<std::int64_t>(persons.size()) - removed_persons;

    if (trace_size > 0) {
        // Rows in ascending person order.
        std::vector<std::size_t> order(trace_slots.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return trace_slots[a] < trace_slots[b]; });
        PersonTrace sorted;
        sorted.records = trace.records;
        const auto records = static_cast<std::size_t>(trace.records);
        for (std::size_t slot : order) {
            sorted.persons.push_back(trace_slots[slot]);
            sorted.status.insert(sorted.status.end(), trace.status.begin() + slot * records,
                                 trace.status.begin() + (slot + 1) * records);
            sorted.country.insert(sorted.country.end(), trace.country.begin() + slot * records,
                                  trace.country.begin() + (slot + 1) * records);
        }
        trace = std::move(sorted);
    }
}

// ---------------------------------------------------------------------------------------------
// AgentEngine

AgentEngine::AgentEngine(Scenario scenario, RunInfo info)
    : impl_(std::make_unique<Impl>(std::move(scenario), std::move(info))) {
    if (impl_->info.mode != Mode::agents) {
        throw InternalError("AgentEngine runs the agents mode only");
    }
    impl_->check_limits();
    impl_->steps_total = impl_->scenario.steps();
}

AgentEngine::~AgentEngine() = default;

void AgentEngine::add_observer(Observer& observer) {
    impl_->observers.push_back(&observer);
}
void AgentEngine::set_check_invariants(bool on) {
    impl_->check = on;
}
void AgentEngine::initialize() {
    impl_->initialize();
}
void AgentEngine::step() {
    if (!impl_->initialized || impl_->step >= impl_->steps_total) {
        throw InternalError("AgentEngine::step called before initialize() or after the end");
    }
    impl_->step_once();
}
void AgentEngine::finalize() {
    if (impl_->finalized) {
        throw InternalError("AgentEngine::finalize called twice");
    }
    impl_->finalized = true;
    impl_->finish_results();
    for (Observer* o : impl_->observers) {
        o->finish();
    }
}
int AgentEngine::steps_done() const {
    return impl_->step;
}
int AgentEngine::steps_total() const {
    return impl_->steps_total;
}
const Scenario& AgentEngine::scenario() const {
    return impl_->scenario;
}
const StepOutputs& AgentEngine::outputs() const {
    return impl_->out;
}
void AgentEngine::set_threads(int threads) {
    if (impl_->initialized) {
        throw InternalError("AgentEngine::set_threads after initialize()");
    }
    impl_->threads = std::max(0, threads);
}
int AgentEngine::threads() const {
    return impl_->threads > 0 ? impl_->threads : omp_get_max_threads();
}
void AgentEngine::set_trace(std::size_t persons) {
    if (impl_->initialized) {
        throw InternalError("AgentEngine::set_trace after initialize()");
    }
    impl_->trace_size = persons;
}
std::size_t AgentEngine::persons() const {
    return impl_->persons.size();
}
std::span<const RemovalRecord> AgentEngine::removals() const {
    return impl_->removal_log;
}
const PersonDistributions& AgentEngine::distributions() const {
    return impl_->distributions;
}
const PersonTrace& AgentEngine::trace() const {
    return impl_->trace;
}
double AgentEngine::total_persons() const {
    return impl_->out.stocks.sum();
}
double AgentEngine::expected_total() const {
    return impl_->initial_total + impl_->departures_total;
}

std::size_t AgentEngine::route_entries() const {
    const Impl& m = *impl_;
    const auto n = static_cast<std::int64_t>(m.persons.size());
    std::size_t total = 0;
#pragma omp parallel for num_threads(threads()) schedule(static) reduction(+ : total)
    for (std::int64_t i = 0; i < n; ++i) {
        total += m.trie.length(m.route_node[static_cast<std::size_t>(i)]);
    }
    return total;
}

void AgentEngine::person_columns(std::size_t first, std::size_t count, PersonColumns& out) const {
    const Impl& m = *impl_;
    const std::size_t n = m.persons.size();
    first = std::min(first, n);
    count = std::min(count, n - first);
    const double dt = m.scenario.dt_days;
    const int end_step = m.step;
    out.first = first;
    out.group.resize(count);
    out.status.resize(count);
    out.country.resize(count);
    out.times_removed.assign(count, 0);
    out.days_detained.resize(count);
    out.days_in_transit.resize(count);
    out.first_departure.resize(count);
    out.first_removal.assign(count, std::numeric_limits<float>::quiet_NaN());
    out.route_length.resize(count);

    // Removals of these persons: a contiguous range of the log, sorted by person.
    const auto& log = m.removal_log;
    const auto by_person = [](const RemovalRecord& r, std::uint32_t id) { return r.person < id; };
    const auto log_begin =
        std::lower_bound(log.begin(), log.end(), static_cast<std::uint32_t>(first), by_person);
    const auto log_end = std::lower_bound(log_begin, log.end(),
                                          static_cast<std::uint32_t>(first + count), by_person);
    out.removal_time.clear();
    out.removal_destination.clear();
    for (auto it = log_begin; it != log_end; ++it) {
        const std::size_t i = it->person - first;
        if (out.times_removed[i]++ == 0) {
            out.first_removal[i] = static_cast<float>(it->step * dt);
        }
        out.removal_time.push_back(it->step * dt);
        out.removal_destination.push_back(static_cast<std::int16_t>(it->destination));
    }

    const auto total = static_cast<std::int64_t>(count);
#pragma omp parallel for num_threads(threads()) schedule(static)
    for (std::int64_t k = 0; k < total; ++k) {
        const auto i = static_cast<std::size_t>(k);
        const std::size_t id = first + i;
        const Person& p = m.persons[id];
        out.group[i] = static_cast<std::int16_t>(p.group);
        out.status[i] = static_cast<std::int8_t>(p.status);
        out.country[i] = static_cast<std::int16_t>(p.country);
        int detained_now = m.detained_steps[id];
        int transit_now = p.transit_steps;
        if (p.status == detained) { // still held at the end
            detained_now += end_step - std::max(p.since, 0);
        } else if (p.status == in_transit) {
            transit_now += end_step - p.since;
        }
        out.days_detained[i] = static_cast<float>(detained_now * dt);
        out.days_in_transit[i] = static_cast<float>(transit_now * dt);
        out.first_departure[i] = m.first_departure[id] == never
                                     ? std::numeric_limits<float>::quiet_NaN()
                                     : static_cast<float>(m.first_departure[id] * dt);
        out.route_length[i] = static_cast<std::int32_t>(m.trie.length(m.route_node[id]));
    }
    // Offsets of each person's route in the flat variable, kept in route_country's place until
    // it is filled (a block holds fewer than 2^31 route entries).
    std::vector<std::uint32_t> offset(count + 1, 0);
    for (std::size_t i = 0; i < count; ++i) {
        offset[i + 1] = offset[i] + static_cast<std::uint32_t>(out.route_length[i]);
    }
    out.route_country.resize(offset[count]);
#pragma omp parallel for num_threads(threads()) schedule(static)
    for (std::int64_t k = 0; k < total; ++k) {
        const auto i = static_cast<std::size_t>(k);
        m.trie.countries(m.route_node[first + i], out.route_country.data() + offset[i]);
    }
}

} // namespace deportsim
