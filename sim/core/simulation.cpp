#include "core/simulation.hpp"

#include "core/error.hpp"
#include "core/removal_rules.hpp"
#include "core/routes.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace deportsim {

namespace {

// Probability that a hazard (per day) fires within a step of dt days.
double hazard_probability(double per_day, double dt) {
    return per_day <= 0 ? 0.0 : -std::expm1(-per_day * dt);
}

// Tolerance for expected-mode rounding in invariant checks (relative).
constexpr double rounding = 1e-9;

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
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    if (draws <= 0 || total <= 0) {
        std::fill(out.begin(), out.end(), 0.0);
        return;
    }
    if (draws >= total) {
        std::copy(counts.begin(), counts.end(), out.begin());
        return;
    }
    if (!stochastic()) {
        const double share = draws / total;
        for (std::size_t k = 0; k < counts.size(); ++k) {
            out[k] = counts[k] * share;
        }
        return;
    }
    std::vector<std::int64_t> whole_counts(counts.size());
    std::vector<std::int64_t> taken(counts.size());
    for (std::size_t k = 0; k < counts.size(); ++k) {
        whole_counts[k] = std::llround(counts[k]);
    }
    RandomStream rng(seed_, step_, cell, purpose);
    sample_multivariate_hypergeometric(rng, whole_counts, std::llround(std::floor(draws)), taken);
    for (std::size_t k = 0; k < counts.size(); ++k) {
        out[k] = static_cast<double>(taken[k]);
    }
}

double Transitions::whole(double capacity) const {
    if (!stochastic() || !std::isfinite(capacity)) {
        return capacity;
    }
    return std::floor(capacity + 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Construction and initial state

Simulation::Simulation(Scenario scenario, RunInfo info)
    : scenario_(std::move(scenario)), info_(std::move(info)), mode_(info_.mode), seed_(info_.seed),
      transitions_(info_.mode, info_.seed) {
    if (mode_ == Mode::agents) {
        throw InputError("--mode agents is not available in this version; use expected or "
                         "stochastic");
    }
    countries_ = static_cast<int>(scenario_.countries.size());
    groups_ = static_cast<int>(scenario_.groups.size());
    steps_total_ = scenario_.steps();
}

double& Simulation::detention_cell(int country, int age, int stage, int group) {
    const int size = detention_ages_[country] + 1;
    const int slot = (detention_base_[country] + age) % size;
    const std::size_t index =
        (static_cast<std::size_t>(slot) * (detention_stages_[country] + 1) + stage) * groups_ +
        group;
    return detention_[country][index];
}

double Simulation::detention_cell(int country, int age, int stage, int group) const {
    return const_cast<Simulation*>(this)->detention_cell(country, age, stage, group);
}

void Simulation::initialize() {
    const Scenario& s = scenario_;
    const double dt = s.dt_days;

    // Destinations and each group's departure stream (origin, destination).
    destination_slot_.assign(countries_, -1);
    group_destination_.assign(groups_, -1);
    group_origin_.assign(groups_, -1);
    for (const auto& d : s.departures) {
        if (destination_slot_[d.destination] < 0) {
            destination_slot_[d.destination] = static_cast<int>(destinations_.size());
            destinations_.push_back(d.destination);
        }
        if (group_destination_[d.group] < 0) {
            group_destination_[d.group] = destination_slot_[d.destination];
            group_origin_[d.group] = d.origin;
        }
    }
    const int slots = static_cast<int>(destinations_.size());

    // Routes: steps per traversal and storage.
    route_steps_.clear();
    route_offset_.clear();
    std::size_t offset = 0;
    for (const auto& r : s.routes) {
        const int k = std::max(1, static_cast<int>(std::ceil(r.days / dt - 1e-9)));
        route_steps_.push_back(k);
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

    detention_ages_.assign(countries_, 0);
    detention_stages_.assign(countries_, 1);
    detention_base_.assign(countries_, 0);
    detention_.assign(countries_, {});
    for (int c = 0; c < countries_; ++c) {
        if (s.detention_facility(c) < 0) {
            continue;
        }
        const auto& e = s.enforcement[c];
        detention_ages_[c] = std::max(1, static_cast<int>(std::llround(e.max_detention_days / dt)));
        detention_stages_[c] = std::max(1, e.processing_stages);
        detention_[c].assign(static_cast<std::size_t>(detention_ages_[c] + 1) *
                                 (detention_stages_[c] + 1) * groups_,
                             0.0);
    }

    held_ = CellArray::Zero(static_cast<Eigen::Index>(s.agreements.size()), groups_);
    onward_waiting_ = held_;
    returned_recent_.assign(
        static_cast<std::size_t>(std::max(0L, std::lround(s.remigration.min_delay_days / dt))),
        CellArray::Zero(countries_, groups_));
    now_ = &scenario_;
    next_change_ = 0;
    programme_spent_.assign(s.programmes.size(), 0.0);
    programme_seats_left_.assign(s.programmes.size(), 0.0);
    programme_flights_left_.assign(s.programmes.size(), 0.0);
    agreement_month_used_.assign(s.agreements.size(), 0.0);
    agreement_month_.assign(s.agreements.size(), -1);
    returns_month_used_.assign(countries_, 0.0);
    returns_month_.assign(countries_, -1);
    departures_total_ = 0;

    const int window = std::max(1, static_cast<int>(std::llround(s.deterrence.window_days / dt)));
    window_removals_.assign(window, 0.0);
    window_arrivals_.assign(window, 0.0);

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
        case Status::detained:
            if (detention_[init.country].empty()) {
                throw InputError("initial." + s.countries[init.country].code +
                                 ".detained: the country has no detention facility");
            }
            {
                // Already held for a while: spread evenly over the ages up to the mean processing
                // time, all still pending, so that their releases after the maximum period do not
                // all fall on one day.
                const int spread =
                    std::clamp(static_cast<int>(std::lround(
                                   s.enforcement[init.country].processing_mean_days / dt)),
                               1, detention_ages_[init.country]);
                for (int age = 0; age < spread; ++age) {
                    double share = init.persons / spread;
                    if (transitions_.stochastic()) { // whole persons
                        share = std::floor((age + 1) * init.persons / spread + 1e-9) -
                                std::floor(age * init.persons / spread + 1e-9);
                    }
                    detention_cell(init.country, age, 0, init.group) += share;
                }
                break;
            }
        default:
            throw InputError(std::string("initial: status '") +
                             std::string(enum_name(status_names, init.status)) +
                             "' cannot be set at the start");
        }
    }
    for (int c = 0; c < countries_; ++c) {
        const int facility = s.detention_facility(c);
        if (facility >= 0 && detained(c) > s.facilities[facility].capacity * (1 + rounding)) {
            std::ostringstream message;
            message << "initial." << s.countries[c].code << ".detained: " << detained(c)
                    << " persons exceed the " << s.facilities[facility].capacity
                    << " beds of facility " << s.facilities[facility].id;
            throw InputError(message.str());
        }
    }

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

// Admissible routes from node c towards destination d: every route whose end is d or can reach
// d (backward search from each destination), with choice probabilities from the weights in
// force; and the order in which flight programmes are filled. Recomputed when policy events
// change parameters.
void Simulation::choose_routes_and_programmes(const Scenario& s) {
    RouteChoice choice = admissible_routes(s, destinations_);
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

    apply_policy(today);            // 1
    depart(today);                  // 2 departures and re-migration, times the deterrence factor
    move();                         // 3 movement along routes; deaths on traversal
    enforce();                      // 4 interdiction, border apprehension, interior arrests
    admit_to_detention();           // 5 intake within beds, by priority; overflow released
    process_detainees();            // 6 pending -> removable; release after maximum detention
    allocate_removals(today);       // 7 + 8 removal allocation and receiver dispositions
    return_sheltered_onward(today); // 8 onward repatriation from shelters
    fly();                          // 7-8 flights flown for the seats taken, and their cost
    release_from_facilities();      // 9 outflows from prisons and shelters
    account();                      // 10 stocks, capacity use, money

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

// Phase 1. Dated parameter changes (policy events) take effect: from its date on, the run reads
// every parameter from the event's snapshot of the scenario. Windows of agreements and
// programmes are read from the date where they are used.
void Simulation::apply_policy(Date today) {
    const auto& timeline = scenario_.timeline;
    bool changed = false;
    while (next_change_ < timeline.size() && timeline[next_change_].date <= today) {
        now_ = timeline[next_change_].parameters.get();
        ++next_change_;
        changed = true;
    }
    if (changed) {
        choose_routes_and_programmes(*now_);
    }
    const int month = month_index(today);
    for (std::size_t a = 0; a < agreement_month_.size(); ++a) {
        if (agreement_month_[a] != month) {
            agreement_month_[a] = month;
            agreement_month_used_[a] = 0;
        }
    }
    for (int c = 0; c < countries_; ++c) {
        if (returns_month_[c] != month) {
            returns_month_[c] = month;
            returns_month_used_[c] = 0;
        }
    }
}

// Phase 2.
void Simulation::depart(Date today) {
    const Scenario& s = *now_;
    const double dt = s.dt_days;

    const double factor = s.deterrence.factor(
        today, std::accumulate(window_removals_.begin(), window_removals_.end(), 0.0),
        std::accumulate(window_arrivals_.begin(), window_arrivals_.end(), 0.0));
    out_.deterrence_factor = factor;

    auto& departures = out_.flows[static_cast<int>(Flow::departures)];
    for (std::size_t i = 0; i < s.departures.size(); ++i) {
        const auto& d = s.departures[i];
        const double multiplier = d.multiplier ? d.multiplier->at(today) : 1.0;
        const double mean = d.persons_per_day * multiplier * factor * dt;
        const double persons =
            transitions_.poisson(mean, Purpose::departures, static_cast<std::uint32_t>(i));
        if (persons <= 0) {
            continue;
        }
        departures(d.origin, d.group) += persons;
        departures_total_ += persons;
        at_node_(static_cast<Eigen::Index>(d.origin) *
                         static_cast<Eigen::Index>(destinations_.size()) +
                     destination_slot_[d.destination],
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
        const double rate =
            s.remigration.per_day.empty() ? 0.0 : s.remigration.per_day[s.groups[g].profile];
        if (rate <= 0 || group_destination_[g] < 0) {
            continue;
        }
        const double p = hazard_probability(rate * factor, dt);
        for (int c = 0; c < countries_; ++c) {
            const double leaving =
                transitions_.binomial(returned_(c, g), p, Purpose::remigration,
                                      static_cast<std::uint32_t>(c * groups_ + g));
            if (leaving <= 0) {
                continue;
            }
            returned_(c, g) -= leaving;
            remigrations(group_origin_[g], g) += leaving;
            at_node_(static_cast<Eigen::Index>(group_origin_[g]) *
                             static_cast<Eigen::Index>(destinations_.size()) +
                         group_destination_[g],
                     g) += leaving;
        }
    }
}

// Splits travellers at a node over the admissible routes towards their destination.
void Simulation::place_on_routes(int node, int dslot, int group, double persons) {
    const int slots = static_cast<int>(destinations_.size());
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
        const int k = route_steps_[r];
        const std::size_t index =
            route_offset_[r] + (static_cast<std::size_t>(k - 1) * slots + dslot) * groups_ + group;
        on_route_[index] += shares[i];
    }
}

// Phase 3. Everyone on a route advances one step; those who reach the end of a route survive it
// or die; survivors at their destination arrive, the others choose their next route.
void Simulation::move() {
    const Scenario& s = *now_;
    const int slots = static_cast<int>(destinations_.size());
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
        const int k = route_steps_[r];
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
                if (destinations_[dslot] == c) {
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
    const Scenario& s = *now_;
    const double dt = s.dt_days;
    const int slots = static_cast<int>(destinations_.size());
    auto& interdictions = out_.flows[static_cast<int>(Flow::interdictions)];
    auto& apprehensions = out_.flows[static_cast<int>(Flow::apprehensions)];
    auto& arrests = out_.flows[static_cast<int>(Flow::arrests)];
    auto& arrivals = out_.flows[static_cast<int>(Flow::arrivals)];
    candidates_.setZero();

    // Interdiction of people in transit, by the country they are in. A country does not
    // interdict its own nationals travelling through it.
    for (std::size_t r = 0; r < s.routes.size(); ++r) {
        const int c = s.routes[r].from;
        const auto& hazard = s.enforcement[c].interdiction_per_day;
        double* base = on_route_.data() + route_offset_[r];
        const int k = route_steps_[r];
        for (int g = 0; g < groups_; ++g) {
            const double p = s.groups[g].nationality == c
                                 ? 0.0
                                 : hazard_probability(hazard[s.groups[g].profile], dt);
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
        const auto& e = s.enforcement[c];
        if (e.arrest_per_day <= 0) {
            continue;
        }
        for (int g = 0; g < groups_; ++g) {
            const double p =
                hazard_probability(e.arrest_per_day * e.priority[s.groups[g].profile], dt);
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

// Phase 5. Admission within free beds, higher priority first; within a priority class the beds
// are shared without replacement. Whoever finds no bed is released at large.
void Simulation::admit_to_detention() {
    const Scenario& s = *now_;
    auto& intake = out_.flows[static_cast<int>(Flow::detention_intake)];
    auto& overflow = out_.flows[static_cast<int>(Flow::overflow_releases)];
    std::vector<double> counts(groups_), admitted(groups_);

    for (int c = 0; c < countries_; ++c) {
        double waiting = 0;
        for (int g = 0; g < groups_; ++g) {
            waiting += candidates_(c, g);
        }
        if (waiting <= 0) {
            continue;
        }
        const int facility = s.detention_facility(c);
        double free_beds =
            facility < 0
                ? 0.0
                : transitions_.whole(std::max(0.0, s.facilities[facility].capacity - detained(c)));
        std::fill(admitted.begin(), admitted.end(), 0.0);
        if (waiting <= free_beds) {
            for (int g = 0; g < groups_; ++g) {
                admitted[g] = candidates_(c, g);
            }
        } else {
            // Priority classes, highest first.
            const auto& priority = s.enforcement[c].priority;
            std::vector<double> classes;
            for (int g = 0; g < groups_; ++g) {
                classes.push_back(priority[s.groups[g].profile]);
            }
            std::sort(classes.begin(), classes.end(), std::greater<>());
            classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
            for (std::size_t k = 0; k < classes.size() && free_beds > 0; ++k) {
                double in_class = 0;
                for (int g = 0; g < groups_; ++g) {
                    const bool member = priority[s.groups[g].profile] == classes[k];
                    counts[g] = member ? candidates_(c, g) : 0.0;
                    in_class += counts[g];
                }
                std::vector<double> taken(groups_);
                transitions_.choose(counts, std::min(free_beds, in_class), taken,
                                    Purpose::detention_intake,
                                    static_cast<std::uint32_t>(c * 64 + k));
                for (int g = 0; g < groups_; ++g) {
                    admitted[g] += taken[g];
                    free_beds -= taken[g];
                }
            }
        }
        for (int g = 0; g < groups_; ++g) {
            const double released = candidates_(c, g) - admitted[g];
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
    const Scenario& s = *now_;
    const double dt = s.dt_days;
    auto& released = out_.flows[static_cast<int>(Flow::max_detention_releases)];
    for (int c = 0; c < countries_; ++c) {
        if (detention_[c].empty()) {
            continue;
        }
        const int ages = detention_ages_[c];
        const int stages = detention_stages_[c];
        for (int stage = 0; stage <= stages; ++stage) {
            for (int g = 0; g < groups_; ++g) {
                double& cell = detention_cell(c, ages, stage, g);
                const auto& exempt = s.enforcement[c].max_detention_exempt;
                if (cell > 0 && !exempt.empty() && exempt[s.groups[g].profile]) {
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
        const double p = hazard_probability(stages / s.enforcement[c].processing_mean_days, dt);
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

double Simulation::scheduled_flights(int programme, int step) const {
    return now_->programmes[programme].scheduled_flights(now_->dt_days, step);
}

// Phases 7 and 8. Each removable detainee's destination follows the rules of docs/model.md:
// agreements preferred for the profile (by priority), then their own country if it accepts
// returns now, otherwise the eligible agreements by priority. An option that lacks seats, quota,
// capacity or funding passes its remaining people to their next option in the next round; the
// own-country option is the last one (people wait for seats). Seats are filled programme by
// programme, programmes with a destination list before those flying anywhere.
void Simulation::allocate_removals(Date today) {
    const Scenario& s = *now_;
    const int programmes = static_cast<int>(s.programmes.size());

    // Seats this step.
    for (int p = 0; p < programmes; ++p) {
        const auto& prog = s.programmes[p];
        const double flights = prog.flights_available(today, s.dt_days, step_, programme_spent_[p]);
        programme_flights_left_[p] = flights;
        programme_seats_left_[p] = flights * prog.seats_per_flight;
    }
    const std::vector<int> agreements = agreement_order(s);

    // What the shared removal rules need from this engine.
    struct Capacity final : RemovalCapacity {
        Simulation& sim;
        explicit Capacity(Simulation& simulation) : sim(simulation) {}
        double room(int channel) const override { return sim.room(channel); }
        void take(int channel, int group, double persons) override {
            if (channel >= 0) {
                sim.agreement_month_used_[channel] += persons;
                sim.out_.agreement_quota_used[channel] += persons;
                sim.held_(channel, group) += persons;
            } else {
                sim.returns_month_used_[-1 - channel] += persons;
            }
        }
        void choose(std::span<const double> counts, double draws, std::span<double> out,
                    std::uint32_t cell) override {
            sim.transitions_.choose(counts, draws, out, Purpose::removal, cell);
        }
    } capacity(*this);

    std::vector<double> removable(groups_);
    RemovalMoves moved;
    for (int c = 0; c < countries_; ++c) {
        if (detention_[c].empty()) {
            continue;
        }
        const int ages = detention_ages_[c];
        const int stages = detention_stages_[c];
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
            s, c, today, programme_order_, agreements, removable, programme_seats_left_,
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
                dispose(c, g, ch, persons, today);
            }
        }
    }
}

// How many more persons a removal option can take now: for an agreement (channel >= 0) its
// monthly and total quotas left and the free places of its facility; for a return to the own
// country n (channel -1 - n) what is left of the monthly cap (0 when it refuses).
double Simulation::room(int channel) const {
    const Scenario& s = *now_;
    if (channel >= 0) {
        const auto& a = s.agreements[channel];
        double left = std::min(a.monthly_quota - agreement_month_used_[channel],
                               a.total_quota - out_.agreement_quota_used[channel]);
        if (a.facility >= 0) {
            double occupancy = 0;
            for (std::size_t other = 0; other < s.agreements.size(); ++other) {
                if (s.agreements[other].facility == a.facility) {
                    occupancy += held_.row(static_cast<Eigen::Index>(other)).sum();
                }
            }
            left = std::min(left, s.facilities[a.facility].capacity - occupancy);
        }
        return transitions_.whole(std::max(0.0, left));
    }
    const int n = -1 - channel;
    const auto& acceptance = s.returns[n];
    if (acceptance.policy == ReturnPolicy::refuse) {
        return 0.0;
    }
    if (acceptance.policy == ReturnPolicy::cap) {
        return transitions_.whole(std::max(0.0, acceptance.monthly_cap - returns_month_used_[n]));
    }
    return unlimited;
}

// Flights flown (enough for the passengers, within the schedule) and their cost.
void Simulation::fly() {
    const Scenario& s = *now_;
    for (std::size_t p = 0; p < s.programmes.size(); ++p) {
        const auto& prog = s.programmes[p];
        const double passengers = out_.programme_passengers[p];
        // Enough flights for the passengers: whole flights in stochastic mode; in expected mode
        // the expected number of flights, passengers / seats (real counts, like every stock).
        double flights = passengers / prog.seats_per_flight;
        if (transitions_.stochastic()) {
            flights = std::ceil(flights - 1e-9);
        }
        flights = std::min(flights, programme_flights_left_[p]);
        out_.programme_flights[p] = flights;
        out_.programme_cost[p] = flights * prog.cost_per_flight;
        programme_spent_[p] += out_.programme_cost[p];
    }
}

// Phase 8. Where a removed person ends up.
void Simulation::dispose(int sender, int group, int channel, double persons, Date) {
    const Scenario& s = *now_;
    auto& removals = out_.flows[static_cast<int>(Flow::removals)];
    removals(sender, group) += persons;
    if (channel < 0) {
        const int n = -1 - channel;
        out_.removals_by_destination(sender, n) += persons;
        out_.flows[static_cast<int>(Flow::returns_received)](n, group) += persons;
        add_returned(n, group, persons);
        return;
    }
    const auto& a = s.agreements[channel];
    out_.removals_by_destination(sender, a.receiver) += persons;
    out_.flows[static_cast<int>(Flow::transfers_received)](a.receiver, group) += persons;
    out_.agreement_transfers[channel] += persons;
    if (a.disposition == Disposition::release) {
        // Released into the receiver: not held.
        held_(channel, group) -= persons;
        at_large_(a.receiver, group) += persons;
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

// Probabilities of the four shelter outcomes within a step, as competing risks:
// {onward return, asylum, permit, abscond}.

// Phase 8 (continued). Sheltered people ready for onward repatriation take the seats left on
// the receiver's own flight programmes, to their own country if it accepts returns now;
// whoever is ready but finds no seat stays sheltered this step.
void Simulation::return_sheltered_onward(Date today) {
    const Scenario& s = *now_;
    onward_waiting_.setZero();
    std::vector<double> ready(groups_), counts(groups_), taken(groups_);
    for (std::size_t a = 0; a < s.agreements.size(); ++a) {
        const auto& agreement = s.agreements[a];
        if (agreement.disposition != Disposition::shelter ||
            agreement.shelter.onward_return_per_day <= 0) {
            continue;
        }
        const double p_ready = agreement.shelter.step_probabilities(s.dt_days)[0];
        const auto row = static_cast<Eigen::Index>(a);
        bool any = false;
        for (int g = 0; g < groups_; ++g) {
            ready[g] = transitions_.binomial(held_(row, g), p_ready, Purpose::disposition,
                                             static_cast<std::uint32_t>(a * groups_ + g));
            any = any || ready[g] > 0;
        }
        if (!any) {
            continue;
        }
        const int receiver = agreement.receiver;
        for (int p : programme_order_) {
            const auto& prog = s.programmes[p];
            if (prog.sender != receiver || programme_seats_left_[p] <= 0) {
                continue;
            }
            // Demand by group, limited by each nationality's return cap.
            std::fill(counts.begin(), counts.end(), 0.0);
            for (int g = 0; g < groups_; ++g) {
                const int n = s.groups[g].nationality;
                if (ready[g] > 0 && n != receiver && prog.serves(n) && room(-1 - n) > 0) {
                    counts[g] = ready[g];
                }
            }
            for (int n = 0; n < countries_; ++n) {
                const double cap = room(-1 - n);
                double demand = 0;
                std::vector<double> of_n(groups_, 0.0), limited(groups_);
                for (int g = 0; g < groups_; ++g) {
                    if (s.groups[g].nationality == n) {
                        of_n[g] = counts[g];
                        demand += counts[g];
                    }
                }
                if (demand > cap) {
                    transitions_.choose(
                        of_n, cap, limited, Purpose::disposition,
                        static_cast<std::uint32_t>(0x40000000u + (a * 64 + p) * 1024 + n));
                    for (int g = 0; g < groups_; ++g) {
                        if (s.groups[g].nationality == n) {
                            counts[g] = limited[g];
                        }
                    }
                }
            }
            const double wanting = std::accumulate(counts.begin(), counts.end(), 0.0);
            if (wanting <= 0) {
                continue;
            }
            if (wanting > programme_seats_left_[p]) {
                transitions_.choose(counts, programme_seats_left_[p], taken, Purpose::disposition,
                                    static_cast<std::uint32_t>(0x60000000u + a * 64 + p));
            } else {
                taken = counts;
            }
            for (int g = 0; g < groups_; ++g) {
                if (taken[g] <= 0) {
                    continue;
                }
                const int n = s.groups[g].nationality;
                ready[g] -= taken[g];
                held_(row, g) -= taken[g];
                programme_seats_left_[p] -= taken[g];
                out_.programme_passengers[p] += taken[g];
                returns_month_used_[n] += taken[g];
                out_.flows[static_cast<int>(Flow::onward_returns)](receiver, g) += taken[g];
                out_.flows[static_cast<int>(Flow::returns_received)](n, g) += taken[g];
                out_.removals_by_destination(receiver, n) += taken[g];
                add_returned(n, g, taken[g]);
            }
        }
        for (int g = 0; g < groups_; ++g) {
            onward_waiting_(row, g) = ready[g];
        }
    }
    (void)today;
}

// Phase 9 for a shelter: asylum (settled in the receiver), release with a permit and
// absconding (both at large in the receiver), drawn for those who were not ready for onward
// return this step, with the competing-risk probabilities conditional on that.
void Simulation::leave_shelter(int a) {
    const Scenario& s = *now_;
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
        const double staying = held_(row, g) - onward_waiting_(row, g);
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
// return to their own country if it accepts returns now, or are released in the receiver;
// sheltered people leave by asylum, permit or absconding.
void Simulation::release_from_facilities() {
    const Scenario& s = *now_;
    const double dt = s.dt_days;
    auto& releases = out_.flows[static_cast<int>(Flow::prison_releases)];
    auto& received = out_.flows[static_cast<int>(Flow::returns_received)];
    std::vector<double> leaving(groups_), of_n(groups_), home(groups_);
    for (std::size_t a = 0; a < s.agreements.size(); ++a) {
        const auto& agreement = s.agreements[a];
        if (agreement.disposition == Disposition::shelter) {
            leave_shelter(static_cast<int>(a));
            continue;
        }
        const double p = hazard_probability(agreement.release_per_day, dt);
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
        // Home if their country accepts returns now (within its cap); otherwise released in
        // the receiver.
        for (int n = 0; n < countries_; ++n) {
            double demand = 0;
            for (int g = 0; g < groups_; ++g) {
                of_n[g] = s.groups[g].nationality == n ? leaving[g] : 0.0;
                demand += of_n[g];
            }
            if (demand <= 0) {
                continue;
            }
            const double accepted = std::min(demand, room(-1 - n));
            transitions_.choose(of_n, accepted, home, Purpose::outflow,
                                static_cast<std::uint32_t>(0x10000000u + a * 1024 + n));
            returns_month_used_[n] += accepted;
            for (int g = 0; g < groups_; ++g) {
                if (of_n[g] <= 0) {
                    continue;
                }
                received(n, g) += home[g];
                add_returned(n, g, home[g]);
                at_large_(agreement.receiver, g) += of_n[g] - home[g];
            }
        }
    }
}

// Phase 10. Stocks, facility use, fees and detention costs; the deterrence window; detention
// ages advance by one step.
void Simulation::account() {
    const Scenario& s = *now_;
    const double dt = s.dt_days;
    assemble_stocks();

    for (std::size_t f = 0; f < s.facilities.size(); ++f) {
        out_.facility_occupancy[f] = 0;
    }
    for (int c = 0; c < countries_; ++c) {
        const int f = s.detention_facility(c);
        if (f >= 0) {
            out_.facility_occupancy[f] = detained(c);
        }
    }
    for (std::size_t a = 0; a < s.agreements.size(); ++a) {
        const double held = held_.row(static_cast<Eigen::Index>(a)).sum();
        out_.agreement_held[a] = held;
        if (s.agreements[a].facility >= 0) {
            out_.facility_occupancy[s.agreements[a].facility] += held;
        }
        out_.agreement_fees[a] = step_ > 0 ? held * s.agreements[a].fee_per_person_day * dt : 0.0;
    }
    for (std::size_t f = 0; f < s.facilities.size(); ++f) {
        out_.facility_cost[f] =
            step_ > 0 ? out_.facility_occupancy[f] * s.facilities[f].cost_per_person_day * dt : 0.0;
    }
    for (std::size_t p = 0; p < s.programmes.size(); ++p) {
        out_.programme_budget_left[p] = s.programmes[p].budget - programme_spent_[p];
    }

    if (step_ > 0) {
        const std::size_t slot = static_cast<std::size_t>(step_) % window_removals_.size();
        window_removals_[slot] = out_.flows[static_cast<int>(Flow::removals)].sum();
        window_arrivals_[slot] = out_.flows[static_cast<int>(Flow::arrivals)].sum();
        // Everyone in detention has been held one more step.
        for (int c = 0; c < countries_; ++c) {
            if (!detention_[c].empty()) {
                const int size = detention_ages_[c] + 1;
                detention_base_[c] = (detention_base_[c] + size - 1) % size;
            }
        }
    }
}

void Simulation::assemble_stocks() {
    const Scenario& s = *now_;
    const int slots = static_cast<int>(destinations_.size());
    CellArray& stocks = out_.stocks;
    stocks.setZero();
    for (std::size_t r = 0; r < s.routes.size(); ++r) {
        const Eigen::Index row = stock_row(s.routes[r].from, Status::in_transit);
        const double* base = on_route_.data() + route_offset_[r];
        const std::size_t cells = static_cast<std::size_t>(route_steps_[r]) * slots;
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
        const auto& agreement = s.agreements[a];
        Status status = Status::imprisoned;
        if (agreement.disposition == Disposition::shelter) {
            status = Status::sheltered;
        } else if (agreement.disposition == Disposition::release) {
            continue;
        }
        stocks.row(stock_row(agreement.receiver, status)) +=
            held_.row(static_cast<Eigen::Index>(a));
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
    const Scenario& s = *now_;
    const auto fail = [&](const std::string& what) {
        std::ostringstream message;
        message << "invariant failed at step " << step_ << " ("
                << format_iso_date(s.date_of_step(step_)) << "): " << what;
        throw InternalError(message.str());
    };
    const double total = total_persons();
    const double expected = expected_total();
    const double tolerance = mode_ == Mode::expected ? rounding * std::max(1.0, expected) : 0.0;
    if (std::abs(total - expected) > tolerance) {
        std::ostringstream message;
        message.precision(17);
        message << "persons not conserved: " << total << " in the state, " << expected
                << " = initial + departures";
        fail(message.str());
    }
    const double negative = mode_ == Mode::expected ? -rounding * std::max(1.0, expected) : 0.0;
    for (Eigen::Index row = 0; row < out_.stocks.rows(); ++row) {
        for (Eigen::Index g = 0; g < out_.stocks.cols(); ++g) {
            if (out_.stocks(row, g) < negative) {
                std::ostringstream message;
                message << "negative stock " << out_.stocks(row, g) << " of " << s.groups[g].id
                        << " in " << s.countries[row / status_count].code << " "
                        << status_names[row % status_count];
                fail(message.str());
            }
        }
    }
    for (std::size_t f = 0; f < s.facilities.size(); ++f) {
        if (out_.facility_occupancy[f] > s.facilities[f].capacity * (1 + rounding) + rounding) {
            std::ostringstream message;
            message << "facility " << s.facilities[f].id << " holds " << out_.facility_occupancy[f]
                    << " persons, capacity " << s.facilities[f].capacity;
            fail(message.str());
        }
    }
    for (std::size_t p = 0; p < s.programmes.size(); ++p) {
        const auto& prog = s.programmes[p];
        if (out_.programme_passengers[p] >
            out_.programme_flights[p] * prog.seats_per_flight * (1 + rounding) + rounding) {
            fail("programme " + prog.id + " carried more persons than its flights have seats");
        }
        if (step_ > 0 &&
            out_.programme_flights[p] > scheduled_flights(static_cast<int>(p), step_)) {
            fail("programme " + prog.id + " flew more flights than scheduled");
        }
        if (out_.programme_budget_left[p] < -rounding * std::max(1.0, prog.budget)) {
            fail("programme " + prog.id + " overspent its budget");
        }
    }
    for (std::size_t a = 0; a < s.agreements.size(); ++a) {
        const auto& agreement = s.agreements[a];
        if (out_.agreement_quota_used[a] > agreement.total_quota * (1 + rounding) + rounding ||
            agreement_month_used_[a] > agreement.monthly_quota * (1 + rounding) + rounding) {
            fail("agreement " + agreement.id + " exceeded its quota");
        }
    }
    for (int c = 0; c < countries_; ++c) {
        const auto& acceptance = s.returns[c];
        if (acceptance.policy == ReturnPolicy::cap &&
            returns_month_used_[c] > acceptance.monthly_cap * (1 + rounding) + rounding) {
            fail("returns to " + s.countries[c].code + " exceeded the monthly cap");
        }
        if (acceptance.policy == ReturnPolicy::refuse &&
            out_.flows[static_cast<int>(Flow::returns_received)].row(c).sum() > 0) {
            fail("returns to " + s.countries[c].code + " although it refuses them");
        }
    }
}

} // namespace deportsim
