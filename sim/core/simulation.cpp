#include "core/simulation.hpp"

#include "core/error.hpp"
#include "core/removal_rules.hpp"
#include "core/routes.hpp"
#include "core/rules/accounting.hpp"
#include "core/rules/disposition.hpp"
#include "core/rules/held.hpp"
#include "core/rules/intake.hpp"
#include "core/rules/rates.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace deportsim {

namespace {

using rules::hazard_probability;

// Tolerance for expected-mode rounding in invariant checks (relative).
constexpr double rounding = 1e-9;

// The flows of the step, as the shared disposition rules count them (rules/disposition.hpp).
struct FlowCounter {
    StepOutputs& out;
    void flow(Flow f, int country, int group, double persons) {
        out.flows[static_cast<int>(f)](country, group) += persons;
    }
    void by_destination(int sender, int destination, double persons) {
        out.removals_by_destination(sender, destination) += persons;
    }
    void transfer(int agreement, double persons) { out.agreement_transfers[agreement] += persons; }
};

} // namespace

// ---------------------------------------------------------------------------------------------
// Transitions

double Transitions::binomial(double n, double p, Purpose purpose, std::uint32_t cell) const {
    if (n <= 0 || p <= 0) {
        return 0;
    }
    if (p >= 1) {
        return n;
    }
    if (!stochastic()) {
        return n * p;
    }
    RandomStream rng(seed_, step_, cell, purpose);
    return static_cast<double>(sample_binomial(rng, std::llround(n), p));
}

double Transitions::poisson(double mean, Purpose purpose, std::uint32_t cell) const {
    if (mean <= 0) {
        return 0;
    }
    if (!stochastic()) {
        return mean;
    }
    RandomStream rng(seed_, step_, cell, purpose);
    return static_cast<double>(sample_poisson(rng, mean));
}

void Transitions::multinomial(double n, std::span<const double> p, std::span<double> out,
                              Purpose purpose, std::uint32_t cell) const {
    if (n <= 0) {
        std::fill(out.begin(), out.end(), 0.0);
        return;
    }
    if (!stochastic()) {
        for (std::size_t k = 0; k < p.size(); ++k) {
            out[k] = n * p[k];
        }
        return;
    }
    RandomStream rng(seed_, step_, cell, purpose);
    std::int64_t counts[64];
    std::vector<std::int64_t> large;
    std::span<std::int64_t> c;
    if (p.size() <= 64) {
        c = std::span<std::int64_t>(counts, p.size());
    } else {
        large.resize(p.size());
        c = large;
    }
    sample_multinomial(rng, std::llround(n), p, c);
    for (std::size_t k = 0; k < p.size(); ++k) {
        out[k] = static_cast<double>(c[k]);
    }
}

void Transitions::choose(std::span<const double> counts, double draws, std::span<double> out,
                         Purpose purpose, std::uint32_t cell) const {
    if (!stochastic()) {
        rules::choose_expected(counts, draws, out);
        return;
    }
    RandomStream rng(seed_, step_, cell, purpose);
    rules::choose_whole_persons(rng, counts, draws, out);
}

double Transitions::whole(double capacity) const {
    return stochastic() ? rules::whole_persons(capacity) : capacity;
}

// ---------------------------------------------------------------------------------------------
// Construction and initial state

Simulation::Simulation(Scenario scenario, RunInfo info)
    : scenario_(std::move(scenario)), info_(std::move(info)), mode_(info_.mode),
      transitions_(info_.mode, info_.seed) {
    if (mode_ == Mode::agents) {
        throw InternalError("Simulation runs the expected and stochastic modes; make_engine gives "
                            "the agents mode its own engine");
    }
    countries_ = static_cast<int>(scenario_.countries.size());
    groups_ = static_cast<int>(scenario_.groups.size());
    steps_total_ = scenario_.steps();
}

double& Simulation::detention_cell(int country, int age, int stage, int group) {
    const int size = structure_.detention_ages[country] + 1;
    const int slot = (detention_base_[country] + age) % size;
    const std::size_t index =
        (static_cast<std::size_t>(slot) * (structure_.detention_stages[country] + 1) + stage) *
            groups_ +
        group;
    return detention_[country][index];
}

double Simulation::detention_cell(int country, int age, int stage, int group) const {
    return const_cast<Simulation*>(this)->detention_cell(country, age, stage, group);
}

void Simulation::initialize() {
    const Scenario& s = scenario_;
    structure_ = rules::run_structure(s);
    const int slots = structure_.slots();

    // Routes: storage for [steps remaining][slot][group] of each.
    route_offset_.clear();
    std::size_t offset = 0;
    for (const int k : structure_.route_steps) {
        route_offset_.push_back(offset);
        offset += static_cast<std::size_t>(k) * slots * groups_;
    }
    on_route_.assign(offset, 0.0);

    choose_routes_and_programmes(s);
    at_node_ = CellArray::Zero(static_cast<Eigen::Index>(countries_) * slots, groups_);
    arriving_ = CellArray::Zero(countries_, groups_);

    at_large_ = CellArray::Zero(countries_, groups_);
    returned_ = CellArray::Zero(countries_, groups_);
    settled_ = CellArray::Zero(countries_, groups_);
    dead_ = CellArray::Zero(countries_, groups_);
    candidates_ = CellArray::Zero(countries_, groups_);

    detention_base_.assign(countries_, 0);
    detention_.assign(countries_, {});
    for (const int c : structure_.detention_countries) {
        detention_[c].assign(static_cast<std::size_t>(structure_.detention_ages[c] + 1) *
                                 (structure_.detention_stages[c] + 1) * groups_,
                             0.0);
    }

    held_ = CellArray::Zero(static_cast<Eigen::Index>(s.agreements.size()), groups_);
    ready_ = held_;
    returned_recent_.assign(static_cast<std::size_t>(structure_.return_delay),
                            CellArray::Zero(countries_, groups_));
    parameters_.reset(scenario_);
    ledger_.reset(s, transitions_.stochastic());
    departures_total_ = 0;
    deterrence_.reset(structure_.deterrence_window);

    // Initial stocks.
    for (const auto& init : s.initial) {
        switch (init.status) {
        case Status::at_large:
            at_large_(init.country, init.group) += init.persons;
            break;
        case Status::returned:
            returned_(init.country, init.group) += init.persons;
            break;
        case Status::settled:
            settled_(init.country, init.group) += init.persons;
            break;
        case Status::detained: {
            rules::check_initial_detention(s, structure_, init);
            const auto by_age = rules::initial_detention_by_age(
                s, structure_, init.country, init.persons, transitions_.stochastic());
            for (std::size_t age = 0; age < by_age.size(); ++age) {
                detention_cell(init.country, static_cast<int>(age), 0, init.group) += by_age[age];
            }
            break;
        }
        default:
            throw InputError(std::string("initial: status '") +
                             std::string(enum_name(status_names, init.status)) +
                             "' cannot be set at the start");
        }
    }
    rules::check_initial_beds(s, [&](int c) { return detained(c); });

    step_ = 0;
    out_.resize(s);
    out_.deterrence_factor = 1.0;
    account();
    initial_total_ = total_persons();

    for (Observer* o : observers_) {
        o->start(s, info_);
    }
    if (check_invariants_) {
        check_invariants();
    }
    for (Observer* o : observers_) {
        o->record(0, out_);
    }
}

// Admissible routes from node c towards destination d, with choice probabilities from the
// weights in force, and the order in which flight programmes are filled (rules shared with the
// agents engine). Recomputed when policy events change parameters.
void Simulation::choose_routes_and_programmes(const Scenario& s) {
    RouteChoice choice = admissible_routes(s, structure_.destinations);
    choice_routes_ = std::move(choice.routes);
    choice_weights_ = std::move(choice.probabilities);
    programme_order_ = programme_order(s);
}

// ---------------------------------------------------------------------------------------------
// The step

void Simulation::step() {
    ++step_;
    transitions_.set_step(step_);
    const Date today = scenario_.date_of_step(step_ - 1);
    out_.clear_flows();

    rules::run_phases(*this, today);

    if (check_invariants_) {
        check_invariants();
    }
    for (Observer* o : observers_) {
        o->record(step_, out_);
    }
}

void Simulation::finalize() {
    for (Observer* o : observers_) {
        o->finish();
    }
}

// Phase 1. Dated parameter changes (policy events) take effect; monthly quotas and caps start
// again in a new month. Windows of agreements and programmes are read where they are used.
void Simulation::apply_policy(Date today) {
    if (parameters_.advance(today)) {
        choose_routes_and_programmes(now());
    }
    ledger_.roll_month(today);
}

// Phase 2.
void Simulation::depart(Date today) {
    const Scenario& s = now();
    const double dt = s.dt_days;
    const int slots = structure_.slots();

    const double factor = deterrence_.factor(s, today);
    out_.deterrence_factor = factor;

    auto& departures = out_.flows[static_cast<int>(Flow::departures)];
    for (std::size_t i = 0; i < s.departures.size(); ++i) {
        const auto& d = s.departures[i];
        const double mean = rules::departure_mean(d, today, factor, dt);
        const double persons =
            transitions_.poisson(mean, Purpose::departures, static_cast<std::uint32_t>(i));
        if (persons <= 0) {
            continue;
        }
        departures(d.origin, d.group) += persons;
        departures_total_ += persons;
        at_node_(static_cast<Eigen::Index>(d.origin) * slots +
                     structure_.destination_slot[d.destination],
                 d.group) += persons;
    }

    // People returned min_delay steps ago may leave again from now on.
    if (!returned_recent_.empty()) {
        CellArray& maturing =
            returned_recent_[static_cast<std::size_t>(step_) % returned_recent_.size()];
        returned_ += maturing;
        maturing.setZero();
    }

    // Re-migration of returned people: they leave again from their group's departure origin
    // towards its destination.
    auto& remigrations = out_.flows[static_cast<int>(Flow::remigrations)];
    for (int g = 0; g < groups_; ++g) {
        const double rate = rules::remigration_per_day(s, structure_, g);
        if (rate <= 0) {
            continue;
        }
        const double p = hazard_probability(rate * factor, dt);
        const int origin = structure_.group_origin[g];
        for (int c = 0; c < countries_; ++c) {
            const double leaving =
                transitions_.binomial(returned_(c, g), p, Purpose::remigration,
                                      static_cast<std::uint32_t>(c * groups_ + g));
            if (leaving <= 0) {
                continue;
            }
            returned_(c, g) -= leaving;
            remigrations(origin, g) += leaving;
            at_node_(static_cast<Eigen::Index>(origin) * slots + structure_.group_destination[g],
                     g) += leaving;
        }
    }
}

// Phases 3 and 4.
void Simulation::travel() {
    move();
    enforce();
}

// Splits travellers at a node over the admissible routes towards their destination.
void Simulation::place_on_routes(int node, int dslot, int group, double persons) {
    const int slots = structure_.slots();
    const auto& routes = choice_routes_[static_cast<std::size_t>(node) * slots + dslot];
    const auto& weights = choice_weights_[static_cast<std::size_t>(node) * slots + dslot];
    double split[64];
    std::vector<double> large;
    std::span<double> shares;
    if (routes.size() <= 64) {
        shares = std::span<double>(split, routes.size());
    } else {
        large.resize(routes.size());
        shares = large;
    }
    // The last route takes the remainder, so that nobody is lost to rounding.
    const std::size_t last = routes.size() - 1;
    transitions_.multinomial(persons, std::span<const double>(weights).first(last),
                             shares.first(last), Purpose::route_choice,
                             static_cast<std::uint32_t>((node * slots + dslot) * groups_ + group));
    double placed = 0;
    for (std::size_t i = 0; i < last; ++i) {
        placed += shares[i];
    }
    shares[last] = std::max(0.0, persons - placed);
    for (std::size_t i = 0; i < routes.size(); ++i) {
        const int r = routes[i];
        const int k = structure_.route_steps[r];
        const std::size_t index =
            route_offset_[r] + (static_cast<std::size_t>(k - 1) * slots + dslot) * groups_ + group;
        on_route_[index] += shares[i];
    }
}

// Phase 3. Everyone on a route advances one step; those who reach the end of a route survive it
// or die; survivors at their destination arrive, the others choose their next route.
void Simulation::move() {
    const Scenario& s = now();
    const int slots = structure_.slots();
    auto& deaths = out_.flows[static_cast<int>(Flow::deaths)];
    arriving_.setZero();

    for (std::size_t r = 0; r < s.routes.size(); ++r) {
        const auto& route = s.routes[r];
        const std::size_t block = static_cast<std::size_t>(slots) * groups_;
        double* base = on_route_.data() + route_offset_[r];
        // Remaining 1 -> the end of the route.
        for (int dslot = 0; dslot < slots; ++dslot) {
            for (int g = 0; g < groups_; ++g) {
                double& travellers = base[static_cast<std::size_t>(dslot) * groups_ + g];
                if (travellers <= 0) {
                    continue;
                }
                const double died = transitions_.binomial(
                    travellers, route.mortality, Purpose::mortality,
                    static_cast<std::uint32_t>((r * slots + dslot) * groups_ + g));
                deaths(route.from, g) += died;
                dead_(route.from, g) += died;
                at_node_(static_cast<Eigen::Index>(route.to) * slots + dslot, g) +=
                    travellers - died;
                travellers = 0;
            }
        }
        // Everyone else is one step closer.
        const int k = structure_.route_steps[r];
        if (k > 1) {
            std::copy(base + block, base + static_cast<std::size_t>(k) * block, base);
            std::fill(base + static_cast<std::size_t>(k - 1) * block,
                      base + static_cast<std::size_t>(k) * block, 0.0);
        }
    }

    // Travellers at nodes: arrive, or take the next route.
    for (int c = 0; c < countries_; ++c) {
        for (int dslot = 0; dslot < slots; ++dslot) {
            const Eigen::Index row = static_cast<Eigen::Index>(c) * slots + dslot;
            for (int g = 0; g < groups_; ++g) {
                const double persons = at_node_(row, g);
                if (persons <= 0) {
                    continue;
                }
                at_node_(row, g) = 0;
                if (structure_.destinations[dslot] == c) {
                    arriving_(c, g) += persons;
                } else {
                    place_on_routes(c, dslot, g, persons);
                }
            }
        }
    }
}

void Simulation::enqueue_for_detention(int country, int group, double persons) {
    candidates_(country, group) += persons;
}

// Phase 4.
void Simulation::enforce() {
    const Scenario& s = now();
    const int slots = structure_.slots();
    auto& interdictions = out_.flows[static_cast<int>(Flow::interdictions)];
    auto& apprehensions = out_.flows[static_cast<int>(Flow::apprehensions)];
    auto& arrests = out_.flows[static_cast<int>(Flow::arrests)];
    auto& arrivals = out_.flows[static_cast<int>(Flow::arrivals)];
    candidates_.setZero();

    // Interdiction of people in transit, by the country they are in.
    for (std::size_t r = 0; r < s.routes.size(); ++r) {
        const int c = s.routes[r].from;
        double* base = on_route_.data() + route_offset_[r];
        const int k = structure_.route_steps[r];
        for (int g = 0; g < groups_; ++g) {
            const double p = rules::interdiction_probability(s, static_cast<int>(r), g);
            if (p <= 0) {
                continue;
            }
            for (int step = 0; step < k; ++step) {
                for (int dslot = 0; dslot < slots; ++dslot) {
                    double& travellers =
                        base[(static_cast<std::size_t>(step) * slots + dslot) * groups_ + g];
                    if (travellers <= 0) {
                        continue;
                    }
                    const double stopped = transitions_.binomial(
                        travellers, p, Purpose::interdiction,
                        static_cast<std::uint32_t>(
                            ((route_offset_[r] / groups_) + step * slots + dslot) * groups_ + g));
                    travellers -= stopped;
                    interdictions(c, g) += stopped;
                    enqueue_for_detention(c, g, stopped);
                }
            }
        }
    }

    // Interior arrests of people at large (before this step's arrivals join them).
    for (int c = 0; c < countries_; ++c) {
        if (s.enforcement[c].arrest_per_day <= 0) {
            continue;
        }
        for (int g = 0; g < groups_; ++g) {
            const double p = rules::arrest_probability(s, c, g);
            const double arrested = transitions_.binomial(
                at_large_(c, g), p, Purpose::arrest, static_cast<std::uint32_t>(c * groups_ + g));
            if (arrested <= 0) {
                continue;
            }
            at_large_(c, g) -= arrested;
            arrests(c, g) += arrested;
            enqueue_for_detention(c, g, arrested);
        }
    }

    // Apprehension at the destination's border.
    for (int c = 0; c < countries_; ++c) {
        const double p = s.enforcement[c].border_apprehension_probability;
        for (int g = 0; g < groups_; ++g) {
            const double persons = arriving_(c, g);
            if (persons <= 0) {
                continue;
            }
            arrivals(c, g) += persons;
            const double stopped = transitions_.binomial(
                persons, p, Purpose::apprehension, static_cast<std::uint32_t>(c * groups_ + g));
            apprehensions(c, g) += stopped;
            enqueue_for_detention(c, g, stopped);
            at_large_(c, g) += persons - stopped;
        }
    }
}

double Simulation::detained(int country) const {
    const auto& cells = detention_[country];
    return std::accumulate(cells.begin(), cells.end(), 0.0);
}

// Phase 5: intake by priority within free beds (rules/intake.hpp); whoever finds no bed is
// released at large.
void Simulation::admit_to_detention() {
    const Scenario& s = now();
    auto& intake = out_.flows[static_cast<int>(Flow::detention_intake)];
    auto& overflow = out_.flows[static_cast<int>(Flow::overflow_releases)];
    std::vector<double> waiting(groups_), admitted(groups_);
    rules::IntakeScratch scratch;
    TransitionChooser chooser(transitions_, Purpose::detention_intake);

    for (int c = 0; c < countries_; ++c) {
        double all = 0;
        for (int g = 0; g < groups_; ++g) {
            waiting[g] = candidates_(c, g);
            all += waiting[g];
        }
        if (all <= 0) {
            continue;
        }
        const double beds = rules::free_beds(s, c, detained(c), transitions_.stochastic());
        rules::admit_by_priority(s, c, waiting, beds, chooser, admitted, scratch);
        for (int g = 0; g < groups_; ++g) {
            const double released = waiting[g] - admitted[g];
            intake(c, g) += admitted[g];
            if (admitted[g] > 0) {
                detention_cell(c, 0, 0, g) += admitted[g];
            }
            if (released > 0) {
                overflow(c, g) += released;
                at_large_(c, g) += released;
            }
        }
    }
}

// Phase 6. Release whoever has been held the maximum period; the others progress through the
// processing stages (one stage per step at most: Euler step of an Erlang-k dwell).
void Simulation::process_detainees() {
    const Scenario& s = now();
    auto& released = out_.flows[static_cast<int>(Flow::max_detention_releases)];
    for (const int c : structure_.detention_countries) {
        const int ages = structure_.detention_ages[c];
        const int stages = structure_.detention_stages[c];
        for (int stage = 0; stage <= stages; ++stage) {
            for (int g = 0; g < groups_; ++g) {
                double& cell = detention_cell(c, ages, stage, g);
                if (cell > 0 && rules::max_detention_exempt(s, c, g)) {
                    // Never released for time held: stays at the oldest age kept.
                    detention_cell(c, ages - 1, stage, g) += cell;
                    cell = 0;
                } else if (cell > 0) {
                    released(c, g) += cell;
                    at_large_(c, g) += cell;
                    cell = 0;
                }
            }
        }
        const double p = rules::processing_probability(s, c, stages);
        for (int age = 0; age < ages; ++age) {
            // Highest stage first so that nobody moves two stages in one step.
            for (int stage = stages - 1; stage >= 0; --stage) {
                for (int g = 0; g < groups_; ++g) {
                    double& cell = detention_cell(c, age, stage, g);
                    if (cell <= 0) {
                        continue;
                    }
                    const double done = transitions_.binomial(
                        cell, p, Purpose::processing,
                        static_cast<std::uint32_t>(
                            ((c * (ages + 1) + age) * (stages + 1) + stage) * groups_ + g));
                    cell -= done;
                    detention_cell(c, age, stage + 1, g) += done;
                }
            }
        }
    }
}

// Phases 7 and 8: the removable detainees of each sender allocated to options and seats by the
// shared removal rules (removal_rules.hpp), taken out of detention without replacement across
// ages, and disposed of.
void Simulation::allocate_removals(Date today) {
    const Scenario& s = now();
    ledger_.open_seats(s, today, step_);
    const std::vector<int> agreements = agreement_order(s);

    // What the shared removal rules need from this engine.
    struct Capacity final : RemovalCapacity {
        Simulation& sim;
        explicit Capacity(Simulation& simulation) : sim(simulation) {}
        double room(int channel) const override { return sim.room(channel); }
        void take(int channel, int group, double persons) override {
            sim.ledger_.take(channel, persons, sim.out_);
            if (channel >= 0) {
                sim.held_(channel, group) += persons;
            }
        }
        void choose(std::span<const double> counts, double draws, std::span<double> out,
                    std::uint32_t cell) override {
            sim.transitions_.choose(counts, draws, out, Purpose::removal, cell);
        }
    } capacity(*this);

    std::vector<double> removable(groups_);
    RemovalMoves moved;
    for (const int c : structure_.detention_countries) {
        const int ages = structure_.detention_ages[c];
        const int stages = structure_.detention_stages[c];
        bool any = false;
        for (int g = 0; g < groups_; ++g) {
            removable[g] = 0;
            for (int age = 0; age < ages; ++age) {
                removable[g] += detention_cell(c, age, stages, g);
            }
            any = any || removable[g] > 0;
        }
        if (!any) {
            continue;
        }
        deportsim::allocate_removals(
            s, c, today, programme_order_, agreements, removable, ledger_.seats_left(),
            std::span<double>(out_.programme_passengers.data(),
                              static_cast<std::size_t>(out_.programme_passengers.size())),
            capacity, moved);

        // Take the people out of detention (without replacement across ages) and dispose.
        for (int g = 0; g < groups_; ++g) {
            if (moved[g].empty()) {
                continue;
            }
            double total = 0;
            for (const auto& [ch, persons] : moved[g]) {
                total += persons;
            }
            std::vector<double> by_age(ages), out_of(ages);
            for (int age = 0; age < ages; ++age) {
                by_age[age] = detention_cell(c, age, stages, g);
            }
            transitions_.choose(by_age, total, out_of, Purpose::removal,
                                static_cast<std::uint32_t>(0x80000000u + c * groups_ + g));
            for (int age = 0; age < ages; ++age) {
                detention_cell(c, age, stages, g) -= out_of[age];
            }
            for (const auto& [ch, persons] : moved[g]) {
                dispose(c, g, ch, persons);
            }
        }
    }
}

double Simulation::held(int agreement) const {
    return held_.row(static_cast<Eigen::Index>(agreement)).sum();
}

// How many more persons a removal option can take now (rules::RemovalLedger::room).
double Simulation::room(int channel) const {
    return ledger_.room(now(), out_, channel, [this](int a) { return held(a); });
}

// Phase 8. Flights flown for the passengers (whole flights in stochastic mode; in expected mode
// the expected number, passengers / seats) and their cost.
void Simulation::fly() {
    ledger_.fly(now(), transitions_.stochastic(), out_);
}

// Phase 8. Where a removed person ends up (rules/disposition.hpp).
void Simulation::dispose(int sender, int group, int channel, double persons) {
    FlowCounter counter{out_};
    const auto to = rules::count_removal(now(), counter, sender, group, channel, persons);
    switch (to.status) {
    case Status::returned:
        add_returned(to.country, group, persons);
        break;
    case Status::at_large:
        // Released into the receiver: not held.
        held_(channel, group) -= persons;
        at_large_(to.country, group) += persons;
        break;
    default: // imprisoned or sheltered: held under the agreement since it took them
        break;
    }
}

void Simulation::add_returned(int country, int group, double persons) {
    if (returned_recent_.empty()) {
        returned_(country, group) += persons;
    } else {
        returned_recent_[static_cast<std::size_t>(step_) % returned_recent_.size()](
            country, group) += persons;
    }
}

// Phases 8-9: who among the sheltered is ready for onward return this step (the first of the
// four competing shelter outcomes; the others are drawn in phase 9 for those not ready).
void Simulation::draw_held_outcomes() {
    const Scenario& s = now();
    ready_.setZero();
    for (std::size_t a = 0; a < s.agreements.size(); ++a) {
        const auto& agreement = s.agreements[a];
        if (agreement.disposition != Disposition::shelter ||
            agreement.shelter.onward_return_per_day <= 0) {
            continue;
        }
        const double p_ready = agreement.shelter.step_probabilities(s.dt_days)[0];
        const auto row = static_cast<Eigen::Index>(a);
        for (int g = 0; g < groups_; ++g) {
            ready_(row, g) = transitions_.binomial(held_(row, g), p_ready, Purpose::disposition,
                                                   static_cast<std::uint32_t>(a * groups_ + g));
        }
    }
}

// Phase 8 (continued). Sheltered people ready for onward repatriation take the seats left on
// the receiver's own programmes (rules/held.hpp); whoever is ready but finds no seat stays
// sheltered this step.
void Simulation::return_sheltered_onward() {
    const Scenario& s = now();
    std::vector<double> ready(groups_);
    rules::HeldScratch scratch;
    TransitionChooser chooser(transitions_, Purpose::disposition);
    FlowCounter counter{out_};
    const auto held_by = [this](int a) { return held(a); };
    for (std::size_t a = 0; a < s.agreements.size(); ++a) {
        const auto row = static_cast<Eigen::Index>(a);
        bool any = false;
        for (int g = 0; g < groups_; ++g) {
            ready[g] = ready_(row, g);
            any = any || ready[g] > 0;
        }
        if (!any) {
            continue;
        }
        const int receiver = s.agreements[a].receiver;
        rules::seat_onward_returns(
            s, static_cast<int>(a), programme_order_, ready, held_by, ledger_, out_, chooser,
            [&](int, int g, double persons) {
                const int n = s.groups[g].nationality;
                held_(row, g) -= persons;
                rules::count_onward_return(counter, receiver, n, g, persons);
                add_returned(n, g, persons);
            },
            scratch);
        for (int g = 0; g < groups_; ++g) {
            ready_(row, g) = ready[g]; // ready, no seat: still sheltered
        }
    }
}

// Phase 9 for a shelter: asylum (settled in the receiver), release with a permit and
// absconding (both at large in the receiver), drawn for those who were not ready for onward
// return this step, with the competing-risk probabilities conditional on that.
void Simulation::leave_shelter(int a) {
    const Scenario& s = now();
    const auto& agreement = s.agreements[a];
    const auto p = agreement.shelter.step_probabilities(s.dt_days);
    if (p[1] + p[2] + p[3] <= 0) {
        return;
    }
    const double not_ready = 1.0 - p[0];
    const double conditional[3] = {p[1] / not_ready, p[2] / not_ready, p[3] / not_ready};
    const int receiver = agreement.receiver;
    const auto row = static_cast<Eigen::Index>(a);
    for (int g = 0; g < groups_; ++g) {
        const double staying = held_(row, g) - ready_(row, g);
        if (staying <= 0) {
            continue;
        }
        double leaving[3];
        transitions_.multinomial(staying, conditional, leaving, Purpose::outflow,
                                 static_cast<std::uint32_t>(0x20000000u + a * groups_ + g));
        held_(row, g) -= leaving[0] + leaving[1] + leaving[2];
        settled_(receiver, g) += leaving[0];
        out_.flows[static_cast<int>(Flow::settlements)](receiver, g) += leaving[0];
        at_large_(receiver, g) += leaving[1] + leaving[2];
        out_.flows[static_cast<int>(Flow::permit_releases)](receiver, g) += leaving[1];
        out_.flows[static_cast<int>(Flow::absconded)](receiver, g) += leaving[2];
    }
}

// Phase 9. People held in prisons under agreements leave at the agreement's release rate and
// return to their own country if it accepts returns now, or are released in the receiver
// (rules/held.hpp); sheltered people leave by asylum, permit or absconding.
void Simulation::release_from_facilities() {
    const Scenario& s = now();
    auto& releases = out_.flows[static_cast<int>(Flow::prison_releases)];
    auto& received = out_.flows[static_cast<int>(Flow::returns_received)];
    std::vector<double> leaving(groups_);
    rules::HeldScratch scratch;
    TransitionChooser chooser(transitions_, Purpose::outflow);
    const auto held_by = [this](int a) { return held(a); };
    for (std::size_t a = 0; a < s.agreements.size(); ++a) {
        const auto& agreement = s.agreements[a];
        if (agreement.disposition == Disposition::shelter) {
            leave_shelter(static_cast<int>(a));
            continue;
        }
        const double p = rules::prison_release_probability(s, static_cast<int>(a));
        if (p <= 0) {
            continue;
        }
        const auto row = static_cast<Eigen::Index>(a);
        for (int g = 0; g < groups_; ++g) {
            leaving[g] = transitions_.binomial(held_(row, g), p, Purpose::outflow,
                                               static_cast<std::uint32_t>(a * groups_ + g));
            held_(row, g) -= leaving[g];
            releases(agreement.receiver, g) += leaving[g];
        }
        rules::release_from_prison(
            s, static_cast<int>(a), leaving, held_by, ledger_, out_, chooser,
            [&](int n, int g, double persons, double home) {
                received(n, g) += home;
                add_returned(n, g, home);
                at_large_(agreement.receiver, g) += persons - home;
            },
            scratch);
    }
}

// Phase 10. Stocks, facility use, fees and detention costs; the deterrence window; detention
// ages advance by one step.
void Simulation::account() {
    const Scenario& s = now();
    assemble_stocks();
    rules::account_facilities_and_money(
        s, step_, [this](int c) { return detained(c); }, [this](int a) { return held(a); }, ledger_,
        out_);
    if (step_ > 0) {
        deterrence_.record(step_, out_);
        // Everyone in detention has been held one more step.
        for (const int c : structure_.detention_countries) {
            const int size = structure_.detention_ages[c] + 1;
            detention_base_[c] = (detention_base_[c] + size - 1) % size;
        }
    }
}

void Simulation::assemble_stocks() {
    const Scenario& s = now();
    const int slots = structure_.slots();
    CellArray& stocks = out_.stocks;
    stocks.setZero();
    for (std::size_t r = 0; r < s.routes.size(); ++r) {
        const Eigen::Index row = stock_row(s.routes[r].from, Status::in_transit);
        const double* base = on_route_.data() + route_offset_[r];
        const std::size_t cells = static_cast<std::size_t>(structure_.route_steps[r]) * slots;
        for (std::size_t i = 0; i < cells; ++i) {
            for (int g = 0; g < groups_; ++g) {
                stocks(row, g) += base[i * groups_ + g];
            }
        }
    }
    for (int c = 0; c < countries_; ++c) {
        stocks.row(stock_row(c, Status::at_large)) = at_large_.row(c);
        stocks.row(stock_row(c, Status::returned)) = returned_.row(c);
        for (const auto& recent : returned_recent_) {
            stocks.row(stock_row(c, Status::returned)) += recent.row(c);
        }
        stocks.row(stock_row(c, Status::settled)) = settled_.row(c);
        stocks.row(stock_row(c, Status::dead_or_missing)) = dead_.row(c);
        if (!detention_[c].empty()) {
            const int groups = groups_;
            const auto& cells = detention_[c];
            for (std::size_t i = 0; i < cells.size(); ++i) {
                stocks(stock_row(c, Status::detained), static_cast<Eigen::Index>(i % groups)) +=
                    cells[i];
            }
        }
    }
    for (std::size_t a = 0; a < s.agreements.size(); ++a) {
        const auto to = rules::removal_destination(s, static_cast<int>(a));
        if (to.status == Status::at_large) {
            continue; // released into the receiver: nobody is held
        }
        stocks.row(stock_row(to.country, to.status)) += held_.row(static_cast<Eigen::Index>(a));
    }
}

// ---------------------------------------------------------------------------------------------
// Invariants

double Simulation::total_persons() const {
    return out_.stocks.sum();
}

double Simulation::expected_total() const {
    return initial_total_ + departures_total_;
}

void Simulation::check_invariants() const {
    const double expected = expected_total();
    rules::CheckTolerance tolerance;
    if (mode_ == Mode::expected) {
        tolerance.conservation = rounding * std::max(1.0, expected);
        tolerance.negative = -rounding * std::max(1.0, expected);
    }
    rules::check_invariants(now(), step_, out_, ledger_, total_persons(), expected, tolerance, "");
}

} // namespace deportsim
