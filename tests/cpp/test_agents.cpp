// The agent engine (sim/core/agents): its samplers, exact answers where every probability is 0
// or 1, invariants and per-person bookkeeping on every step, bit-identical output for any
// number of threads, and agreement in distribution with the stochastic cohort mode on small
// scenarios where beds, seats, budgets, quotas, prison places and return caps bind.
#include "core/agents.hpp"
#include "core/agents_support.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "core/simulation.hpp"
#include "files.hpp"
#include "io/person_file.hpp"
#include "io/run_file.hpp"
#include "scenario/load.hpp"
#include "small_scenarios.hpp"
#include "stats.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

using namespace deportsim;
using deportsim::testing::queue_scenario;
using deportsim::testing::third_country_scenario;

namespace {

struct Collector final : Observer {
    std::vector<StepOutputs> steps;
    bool finished = false;
    void start(const Scenario&, const RunInfo&) override {}
    void record(int, const StepOutputs& outputs) override { steps.push_back(outputs); }
    void finish() override { finished = true; }
};

double stock(const StepOutputs& o, int country, Status status) {
    return o.stocks.row(stock_row(country, status)).sum();
}

double stock(const StepOutputs& o, Status status) {
    double total = 0;
    for (Eigen::Index c = 0; c < o.stocks.rows() / status_count; ++c) {
        total += stock(o, static_cast<int>(c), status);
    }
    return total;
}

double flow(const StepOutputs& o, Flow f, int country) {
    return o.flows[static_cast<int>(f)].row(country).sum();
}

double flow(const StepOutputs& o, Flow f) {
    return o.flows[static_cast<int>(f)].sum();
}

struct AgentRun {
    Collector collector;
    PersonColumns persons;
    std::vector<RemovalRecord> removals;
    PersonDistributions distributions;
    PersonTrace trace;
    std::size_t count = 0;
};

AgentRun run_agents(const Scenario& s, std::uint64_t seed, int threads = 1, bool check = true,
                    std::size_t trace = 0) {
    RunInfo info;
    info.mode = Mode::agents;
    info.seed = seed;
    AgentEngine engine(s, info);
    engine.set_threads(threads);
    engine.set_check_invariants(check);
    engine.set_trace(trace);
    AgentRun result;
    engine.add_observer(result.collector);
    engine.run();
    result.count = engine.persons();
    engine.person_columns(0, engine.persons(), result.persons);
    result.removals.assign(engine.removals().begin(), engine.removals().end());
    result.distributions = engine.distributions();
    result.trace = engine.trace();
    return result;
}

Collector run_stochastic(const Scenario& s, std::uint64_t seed) {
    RunInfo info;
    info.mode = Mode::stochastic;
    info.seed = seed;
    Simulation simulation(s, info);
    Collector collector;
    simulation.add_observer(collector);
    simulation.run();
    return collector;
}

constexpr int ORG = 0, DST = 1, TCR = 2;

// ---- Scenarios with binding capacities.

// A: beds, prison places, seats, a flight budget, a monthly quota, prison releases, deaths on
// the route, Erlang processing and maximum detention (the origin refuses returns, so removals go
// to the third-country prison).
Scenario capacity_scenario() {
    Scenario s = third_country_scenario(37, 7, 35, 120, 300);
    s.facilities[0].capacity = 200;
    s.programmes[0].budget = 40 * 1000.0;
    s.agreements[0].monthly_quota = 150;
    s.agreements[0].release_per_day = 0.01;
    s.enforcement[DST].processing_mean_days = 6;
    s.enforcement[DST].processing_stages = 2;
    s.enforcement[DST].max_detention_days = 30;
    s.enforcement[DST].arrest_per_day = 0.01;
    s.routes[0].mortality = 0.02;
    return s;
}

// B: a route graph with a transit country, two profiles with priorities at intake, a shelter
// agreement preferred for violent records with onward flights and outcomes, a monthly return
// cap, re-migration after a delay, an exemption from maximum detention, and initial stocks.
Scenario shelter_scenario() {
    Scenario s;
    s.name = "shelter";
    s.start = date_from_ymd(2025, 1, 20);
    s.end = Date{s.start.days + 100};
    s.dt_days = 1;
    s.countries = {{"ORG", "Origin", true},
                   {"DST", "Destination", true},
                   {"TCR", "Third country", true},
                   {"MID", "Transit", true}};
    constexpr int MID = 3;
    s.profiles = {"no_record", "violent"};
    s.groups = {{"ORG/no_record", ORG, 0}, {"ORG/violent", ORG, 1}, {"MID/no_record", MID, 0}};
    s.facilities = {{"DST_detention", DST, FacilityKind::detention, 150, 100.0},
                    {"TCR_shelter", TCR, FacilityKind::shelter, 60, 30.0},
                    {"MID_detention", MID, FacilityKind::detention, 25, 20.0}};
    s.routes = {{"ORG->MID", ORG, MID, 2.0, 0.01, 2.0},
                {"ORG->DST", ORG, DST, 5.0, 0.03, 1.0},
                {"MID->DST", MID, DST, 2.0, 0.0, 1.0}};
    s.departures = {{0, ORG, DST, 30, std::nullopt},
                    {1, ORG, DST, 3, std::nullopt},
                    {2, MID, DST, 8, std::nullopt}};
    Enforcement none;
    none.interdiction_per_day = {0.0, 0.0};
    none.priority = {1.0, 1.0};
    s.enforcement = {none, none, none, none};
    s.enforcement[MID].interdiction_per_day = {0.05, 0.2};
    s.enforcement[MID].processing_mean_days = 3;
    s.enforcement[MID].max_detention_days = 10;
    auto& dst = s.enforcement[DST];
    dst.border_apprehension_probability = 0.7;
    dst.arrest_per_day = 0.002;
    dst.priority = {1.0, 5.0};
    dst.processing_mean_days = 8;
    dst.processing_stages = 2;
    dst.max_detention_days = 40;
    dst.max_detention_exempt = {0, 1};
    s.returns = {ReturnAcceptance{}, ReturnAcceptance{}, ReturnAcceptance{}, ReturnAcceptance{}};
    s.returns[ORG].policy = ReturnPolicy::cap;
    s.returns[ORG].monthly_cap = 250;
    FlightProgramme removals;
    removals.id = "DST_removals";
    removals.sender = DST;
    removals.any_destination = true;
    removals.seats_per_flight = 25;
    removals.flights_per_week = 7;
    removals.cost_per_flight = 1000;
    removals.budget = 70 * 1000.0;
    removals.start = s.start;
    removals.end = far_future;
    FlightProgramme mid = removals;
    mid.id = "MID_buses";
    mid.sender = MID;
    mid.any_destination = false;
    mid.destinations = {ORG};
    mid.seats_per_flight = 20;
    mid.flights_per_week = 3.5;
    mid.budget = unlimited;
    FlightProgramme onward = mid;
    onward.id = "TCR_onward";
    onward.sender = TCR;
    onward.destinations = {ORG, MID};
    onward.seats_per_flight = 10;
    onward.flights_per_week = 2;
    s.programmes = {removals, mid, onward};
    Agreement a;
    a.id = "DST_TCR";
    a.sender = DST;
    a.receiver = TCR;
    a.any_nationality = true;
    a.profiles = {1};
    a.preferred_profiles = {1};
    a.disposition = Disposition::shelter;
    a.facility = 1;
    a.start = s.start;
    a.end = far_future;
    a.fee_per_person_day = 40;
    a.shelter.onward_return_per_day = 0.05;
    a.shelter.asylum_per_day = 0.01;
    a.shelter.permit_per_day = 0.01;
    a.shelter.abscond_per_day = 0.005;
    s.agreements = {a};
    s.remigration.per_day = {0.01, 0.02};
    s.remigration.min_delay_days = 5;
    s.initial = {{DST, Status::at_large, 0, 2000}, {DST, Status::at_large, 1, 150},
                 {DST, Status::detained, 0, 80},   {DST, Status::detained, 1, 10},
                 {ORG, Status::returned, 0, 500},  {TCR, Status::settled, 0, 7}};
    return s;
}

// C: a deterrence signal, two dated policy changes (returns refused, then accepted again with
// faster processing and more arrests), total and monthly quotas, an agreement that releases
// people into the receiver, and the destination's own nationals, who only agreements take.
Scenario policy_scenario() {
    Scenario s = third_country_scenario(40, 12, 14, 110, 80);
    s.profiles = {"no_record", "violent"};
    s.groups.push_back({"DST/violent", DST, 1});
    s.groups.push_back({"ORG/violent", ORG, 1});
    s.departures.push_back({2, ORG, DST, 4, std::nullopt});
    for (auto& e : s.enforcement) {
        e.interdiction_per_day = {0.0, 0.0};
        e.priority = {1.0, 3.0};
    }
    s.enforcement[ORG].interdiction_per_day = {0.01, 0.05};
    auto& dst = s.enforcement[DST];
    dst.border_apprehension_probability = 0.5;
    dst.arrest_per_day = 0.004;
    dst.processing_mean_days = 5;
    dst.max_detention_days = 25;
    s.facilities[0].capacity = 120;
    s.returns[ORG].policy = ReturnPolicy::accept;
    s.agreements[0].profiles = {1};
    s.agreements[0].monthly_quota = 40;
    s.agreements[0].total_quota = 100;
    s.agreements[0].release_per_day = 0.02;
    Agreement release;
    release.id = "DST_TCR_release";
    release.sender = DST;
    release.receiver = TCR;
    release.any_nationality = true;
    release.profiles = {0};
    release.disposition = Disposition::release;
    release.start = s.start;
    release.end = far_future;
    release.priority = 1;
    release.monthly_quota = 60;
    s.agreements.push_back(release);
    s.remigration.per_day = {0.03, 0.01};
    s.deterrence.kind = DeterrenceKind::signal;
    s.deterrence.window_days = 7;
    s.deterrence.elasticity = 0.7;
    s.deterrence.reference = 0.5;
    s.initial = {{DST, Status::at_large, 1, 300},
                 {DST, Status::at_large, 0, 1500},
                 {DST, Status::at_large, 2, 60}};
    auto refused = std::make_shared<Scenario>(s);
    refused->returns[ORG].policy = ReturnPolicy::refuse;
    s.timeline.push_back({Date{s.start.days + 30}, "returns refused", refused});
    auto reopened = std::make_shared<Scenario>(s);
    reopened->returns[ORG].policy = ReturnPolicy::cap;
    reopened->returns[ORG].monthly_cap = 200;
    reopened->enforcement[DST].processing_mean_days = 2;
    reopened->enforcement[DST].arrest_per_day = 0.01;
    s.timeline.push_back({Date{s.start.days + 70}, "returns reopened", reopened});
    return s;
}

// ---- Headline outputs, as docs/analysis.md defines them.

struct Headline {
    double imprisoned_end = 0;
    double removals = 0;
    double peak_detention = 0;
    double deaths = 0;
    double returned_end = 0;
    double at_large_end = 0;
    double sheltered_end = 0;
    double settled_end = 0;
    double transfers = 0;
    double cost = 0;
    double departures = 0;
    double remigrations = 0;
    double interdictions = 0;
    double arrests = 0;
    double overflow = 0;
    double max_detention = 0;
    double onward = 0;
};

Headline headline(const Collector& c) {
    Headline h;
    const auto& last = c.steps.back();
    h.imprisoned_end = stock(last, Status::imprisoned);
    h.deaths = stock(last, Status::dead_or_missing);
    h.returned_end = stock(last, Status::returned);
    h.at_large_end = stock(last, Status::at_large);
    h.sheltered_end = stock(last, Status::sheltered);
    h.settled_end = stock(last, Status::settled);
    for (const auto& o : c.steps) {
        h.removals += flow(o, Flow::removals);
        h.transfers += flow(o, Flow::transfers_received);
        h.peak_detention = std::max(h.peak_detention, stock(o, Status::detained));
        h.cost += o.programme_cost.sum();
        h.departures += flow(o, Flow::departures);
        h.remigrations += flow(o, Flow::remigrations);
        h.interdictions += flow(o, Flow::interdictions);
        h.arrests += flow(o, Flow::arrests);
        h.overflow += flow(o, Flow::overflow_releases);
        h.max_detention += flow(o, Flow::max_detention_releases);
        h.onward += flow(o, Flow::onward_returns);
    }
    return h;
}

struct Metric {
    const char* name;
    double Headline::*field;
};
const Metric metrics[] = {{"imprisoned abroad at the end", &Headline::imprisoned_end},
                          {"total removals", &Headline::removals},
                          {"peak detention", &Headline::peak_detention},
                          {"deaths", &Headline::deaths},
                          {"returned at the end", &Headline::returned_end},
                          {"at large at the end", &Headline::at_large_end},
                          {"sheltered at the end", &Headline::sheltered_end},
                          {"settled at the end", &Headline::settled_end},
                          {"transfers to agreements", &Headline::transfers},
                          {"flight cost", &Headline::cost},
                          {"departures", &Headline::departures},
                          {"re-migrations", &Headline::remigrations},
                          {"interdictions", &Headline::interdictions},
                          {"arrests", &Headline::arrests},
                          {"overflow releases", &Headline::overflow},
                          {"maximum-detention releases", &Headline::max_detention},
                          {"onward returns", &Headline::onward}};

// Two-sample KS of every headline metric between `replicates` stochastic runs (seeds 1..R) and
// as many agent runs (seeds 1,000,001..), returning the smallest p-value and logging each.
double smallest_ks_p_value(const Scenario& stochastic_scenario, const Scenario& agent_scenario,
                           int replicates) {
    std::vector<Headline> cohort, agents;
    for (int r = 1; r <= replicates; ++r) {
        cohort.push_back(
            headline(run_stochastic(stochastic_scenario, static_cast<std::uint64_t>(r))));
        agents.push_back(
            headline(run_agents(agent_scenario, 1000000 + static_cast<std::uint64_t>(r), 1, false)
                         .collector));
    }
    double smallest = 1.0;
    for (const auto& m : metrics) {
        std::vector<double> a, b;
        for (const auto& h : cohort) {
            a.push_back(h.*(m.field));
        }
        for (const auto& h : agents) {
            b.push_back(h.*(m.field));
        }
        const auto result = stats::ks_two_sample(a, b);
        const double mean_a = std::accumulate(a.begin(), a.end(), 0.0) / a.size();
        const double mean_b = std::accumulate(b.begin(), b.end(), 0.0) / b.size();
        UNSCOPED_INFO(m.name << ": stochastic mean " << mean_a << ", agents mean " << mean_b
                             << ", KS D = " << result.statistic << ", p = " << result.p_value);
        smallest = std::min(smallest, result.p_value);
    }
    return smallest;
}

void require_same_outputs(const StepOutputs& a, const StepOutputs& b) {
    REQUIRE((a.stocks == b.stocks).all());
    for (int f = 0; f < flow_count; ++f) {
        REQUIRE((a.flows[f] == b.flows[f]).all());
    }
    REQUIRE((a.removals_by_destination == b.removals_by_destination).all());
    REQUIRE((a.programme_flights == b.programme_flights).all());
    REQUIRE((a.programme_passengers == b.programme_passengers).all());
    REQUIRE((a.programme_cost == b.programme_cost).all());
    REQUIRE((a.agreement_transfers == b.agreement_transfers).all());
    REQUIRE((a.agreement_held == b.agreement_held).all());
    REQUIRE((a.agreement_quota_used == b.agreement_quota_used).all());
    REQUIRE((a.facility_occupancy == b.facility_occupancy).all());
    REQUIRE(a.deterrence_factor == b.deterrence_factor);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Samplers

TEST_CASE("first_success has the geometric distribution of one Bernoulli trial per step",
          "[agents][statistics]") {
    // 200,000 waiting times for p = 0.07 from step 5, compared with the geometric pmf by
    // chi-square (alpha = 1e-4, false-failure rate 1e-4 for a random seed; seed fixed). The
    // horizon cuts the tail: P(no success by step 60) = 0.93^56, counted as `never`.
    const auto h = agents::Hazard::of(0.07);
    std::vector<double> observed(57, 0.0), expected(57, 0.0);
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        RandomStream rng(42, 0, static_cast<std::uint32_t>(i), Purpose::agent_start);
        const agents::Step s = agents::first_success(rng, h, 5, 60);
        observed[s == agents::never ? 56 : s - 5] += 1;
    }
    double survive = 1.0;
    for (int k = 0; k < 56; ++k) {
        expected[k] = n * survive * 0.07;
        survive *= 0.93;
    }
    expected[56] = n * survive;
    const auto result = stats::chi_square_test(observed, expected);
    INFO("chi-square " << result.statistic << ", p = " << result.p_value);
    CHECK(result.p_value > 1e-4);

    RandomStream rng(1, 0, 0, Purpose::agent_start);
    CHECK(agents::first_success(rng, agents::Hazard::of(0.0), 1, 100) == agents::never);
    CHECK(agents::first_success(rng, agents::Hazard::of(1.0), 7, 100) == 7);
    CHECK(agents::first_success(rng, agents::Hazard::of(0.5), 101, 100) == agents::never);
}

TEST_CASE("bounded and shuffle_to_back choose uniformly", "[agents][statistics]") {
    // Which 2 of 6 persons are chosen: 15 subsets equally likely; 150,000 draws, chi-square
    // with alpha = 1e-4 (false-failure rate 1e-4; seed fixed). bounded(7) likewise.
    std::map<std::pair<std::uint32_t, std::uint32_t>, double> subsets;
    std::vector<double> digits(7, 0.0);
    const int n = 150000;
    RandomStream rng(7, 0, 0, Purpose::agent_trace);
    for (int i = 0; i < n; ++i) {
        std::vector<std::uint32_t> list = {0, 1, 2, 3, 4, 5};
        agents::shuffle_to_back(rng, list, 2);
        subsets[std::minmax(list[4], list[5])] += 1;
        digits[agents::bounded(rng, 7)] += 1;
    }
    REQUIRE(subsets.size() == 15);
    std::vector<double> observed, expected;
    for (const auto& [subset, count] : subsets) {
        observed.push_back(count);
        expected.push_back(n / 15.0);
    }
    CHECK(stats::chi_square_test(observed, expected).p_value > 1e-4);
    CHECK(stats::chi_square_test(digits, std::vector<double>(7, n / 7.0)).p_value > 1e-4);
}

// ---------------------------------------------------------------------------------------------
// Exact answers

TEST_CASE("with certain transitions the agents mode gives the exact queue, person by person",
          "[agents]") {
    // 100 detainees at the start, processed at once, one flight of 10 seats a day home: 10
    // removed each day, in ten days; nobody arrives.
    Scenario s = queue_scenario(0, 10, 7, 12);
    s.initial = {{DST, Status::detained, 0, 100}};
    const AgentRun r = run_agents(s, 3);
    const auto& c = r.collector;
    REQUIRE(c.finished);
    REQUIRE(c.steps.size() == 13);
    for (int n = 0; n <= 12; ++n) {
        INFO("step " << n);
        CHECK(stock(c.steps[n], DST, Status::detained) == std::max(0, 100 - 10 * n));
        CHECK(stock(c.steps[n], ORG, Status::returned) == std::min(100, 10 * n));
        CHECK(c.steps[n].programme_flights[0] == (n >= 1 && n <= 10 ? 1.0 : 0.0));
    }
    REQUIRE(r.count == 100);
    REQUIRE(r.removals.size() == 100);
    std::vector<int> per_day(13, 0);
    for (std::size_t i = 0; i < 100; ++i) {
        CHECK(r.persons.times_removed[i] == 1);
        CHECK(r.persons.status[i] == static_cast<int>(Status::returned));
        CHECK(r.persons.country[i] == ORG);
        // Detained from the start until the day of removal.
        CHECK(r.persons.days_detained[i] == static_cast<float>(r.persons.first_removal[i]));
        CHECK(r.persons.route_length[i] == 2);
        CHECK(std::isnan(r.persons.first_departure[i]));
        ++per_day[static_cast<int>(r.persons.first_removal[i])];
    }
    for (int n = 1; n <= 10; ++n) {
        CHECK(per_day[n] == 10);
    }
    CHECK(r.distributions.removals_per_person == std::vector<std::int64_t>{0, 100});
    for (std::size_t i = 0; i < r.persons.route_country.size(); i += 2) {
        CHECK(r.persons.route_country[i] == DST);
        CHECK(r.persons.route_country[i + 1] == ORG);
    }
}

TEST_CASE("people travel the route's days, arrive, and are removed the day they arrive",
          "[agents]") {
    // 3-day route, certain apprehension, instant processing, ample seats: everyone who departs
    // on day d arrives and is removed on day d + 3.
    Scenario s = queue_scenario(20, 1000, 7, 15);
    s.routes[0].days = 3;
    const AgentRun r = run_agents(s, 5);
    const auto& c = r.collector;
    for (int n = 4; n <= 15; ++n) {
        CHECK(flow(c.steps[n], Flow::removals, DST) == flow(c.steps[n - 3], Flow::departures, ORG));
    }
    for (std::size_t i = 0; i < r.count; ++i) {
        INFO("person " << i);
        REQUIRE(!std::isnan(r.persons.first_departure[i]));
        if (r.persons.times_removed[i] == 1) {
            CHECK(r.persons.first_removal[i] - r.persons.first_departure[i] == 3.0);
            CHECK(r.persons.days_in_transit[i] == 3.0f);
            CHECK(r.persons.days_detained[i] == 0.0f);
            CHECK(r.persons.route_length[i] == 3); // ORG, DST, ORG
        } else {
            CHECK(r.persons.status[i] == static_cast<int>(Status::in_transit));
        }
    }
    CHECK(r.distributions.departure_to_first_removal[3] ==
          static_cast<std::int64_t>(r.removals.size()));
}

// ---------------------------------------------------------------------------------------------
// Invariants, bookkeeping, reproducibility

TEST_CASE("agent runs conserve persons, respect every capacity and match a recount of the "
          "records on every step",
          "[agents]") {
    // check_invariants recounts every record against the per-step counts; it throws on failure.
    const Scenario scenarios[] = {capacity_scenario(), shelter_scenario(), policy_scenario()};
    for (const auto& s : scenarios) {
        INFO("scenario " << s.name);
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            REQUIRE_NOTHROW(run_agents(s, seed, 2, true));
        }
    }
}

TEST_CASE("per-person outputs add up to the run's flows and final stocks", "[agents]") {
    const Scenario s = shelter_scenario();
    const AgentRun r = run_agents(s, 17, 2, true, 50);
    const auto& c = r.collector;
    const auto& last = c.steps.back();
    REQUIRE(static_cast<double>(r.count) == last.stocks.sum());
    std::size_t initial = 0; // persons of the initial state come first
    for (const auto& init : s.initial) {
        initial += static_cast<std::size_t>(init.persons);
    }
    // Final status and country reproduce the final stocks.
    CellArray recount = CellArray::Zero(last.stocks.rows(), last.stocks.cols());
    for (std::size_t i = 0; i < r.count; ++i) {
        recount(stock_row(r.persons.country[i], static_cast<Status>(r.persons.status[i])),
                r.persons.group[i]) += 1;
    }
    CHECK((recount == last.stocks).all());
    // Removals: per person, per step and per destination.
    double removals = 0;
    CellArray by_destination =
        CellArray::Zero(last.removals_by_destination.rows(), last.removals_by_destination.cols());
    for (const auto& o : c.steps) {
        removals += flow(o, Flow::removals);
    }
    CHECK(std::accumulate(r.persons.times_removed.begin(), r.persons.times_removed.end(), 0.0) ==
          removals);
    CHECK(static_cast<double>(r.removals.size()) == removals);
    // Removals to the third country are the transfers it received.
    double transfers = 0;
    for (const auto& o : c.steps) {
        transfers += flow(o, Flow::transfers_received, TCR);
    }
    CHECK(static_cast<double>(std::count(r.persons.removal_destination.begin(),
                                         r.persons.removal_destination.end(),
                                         static_cast<std::int16_t>(TCR))) == transfers);
    CHECK(transfers > 0);
    CHECK(r.persons.removal_time.size() == r.removals.size());
    std::vector<double> per_step(c.steps.size(), 0.0);
    for (const auto& record : r.removals) {
        per_step[record.step] += 1;
    }
    for (std::size_t n = 0; n < c.steps.size(); ++n) {
        CHECK(per_step[n] == flow(c.steps[n], Flow::removals));
    }
    std::int64_t removed_once_or_more = 0;
    for (std::size_t k = 1; k < r.distributions.removals_per_person.size(); ++k) {
        removed_once_or_more += r.distributions.removals_per_person[k];
        CHECK(r.distributions.removals_per_person[k] == std::count(r.persons.times_removed.begin(),
                                                                   r.persons.times_removed.end(),
                                                                   static_cast<std::int32_t>(k)));
    }
    CHECK(removed_once_or_more + r.distributions.removals_per_person[0] ==
          static_cast<std::int64_t>(r.count));
    // Routes: from where the person started to where they are, a new country at each step.
    std::size_t offset = 0;
    for (std::size_t i = 0; i < r.count; ++i) {
        const int length = r.persons.route_length[i];
        REQUIRE(length >= 1);
        const std::int16_t* route = r.persons.route_country.data() + offset;
        CHECK(route[length - 1] == r.persons.country[i]);
        for (int k = 1; k < length; ++k) {
            CHECK(route[k] != route[k - 1]);
        }
        if (i >= initial) { // created by departures: they start at their origin
            const int group = r.persons.group[i];
            CHECK(route[0] == s.departures[static_cast<std::size_t>(group)].origin);
            CHECK(!std::isnan(r.persons.first_departure[i]));
        }
        offset += static_cast<std::size_t>(length);
    }
    CHECK(offset == r.persons.route_country.size());
    // Detention stays ended: one per removal and per release from detention.
    double ended = 0;
    for (const auto& o : c.steps) {
        ended += flow(o, Flow::removals) + flow(o, Flow::max_detention_releases);
    }
    CHECK(std::accumulate(r.distributions.detention_stay.begin(),
                          r.distributions.detention_stay.end(), 0.0) == ended);
    // The trace: 50 persons, ascending, the last record matching the final state, -1 before a
    // person existed.
    REQUIRE(r.trace.persons.size() == 50);
    REQUIRE(std::is_sorted(r.trace.persons.begin(), r.trace.persons.end()));
    const auto records = static_cast<std::size_t>(r.trace.records);
    REQUIRE(records == c.steps.size());
    for (std::size_t k = 0; k < 50; ++k) {
        const std::uint32_t id = r.trace.persons[k];
        INFO("traced person " << id);
        CHECK(r.trace.status[k * records + records - 1] == r.persons.status[id]);
        CHECK(r.trace.country[k * records + records - 1] == r.persons.country[id]);
        if (id >= initial) {
            const auto created = static_cast<std::size_t>(r.persons.first_departure[id]);
            CHECK(r.trace.status[k * records + created - 1] == -1);
            CHECK(r.trace.status[k * records + created] >= 0);
        }
    }
}

TEST_CASE("the output is bit-identical for 1, 2 and 8 threads", "[agents]") {
    for (const Scenario& s : {shelter_scenario(), policy_scenario()}) {
        INFO("scenario " << s.name);
        const AgentRun one = run_agents(s, 99, 1, false, 20);
        for (int threads : {2, 8}) {
            INFO(threads << " threads");
            const AgentRun other = run_agents(s, 99, threads, false, 20);
            REQUIRE(other.collector.steps.size() == one.collector.steps.size());
            for (std::size_t n = 0; n < one.collector.steps.size(); ++n) {
                require_same_outputs(one.collector.steps[n], other.collector.steps[n]);
            }
            REQUIRE(other.count == one.count);
            CHECK(other.persons.group == one.persons.group);
            CHECK(other.persons.status == one.persons.status);
            CHECK(other.persons.country == one.persons.country);
            CHECK(other.persons.times_removed == one.persons.times_removed);
            CHECK(other.persons.days_detained == one.persons.days_detained);
            CHECK(other.persons.days_in_transit == one.persons.days_in_transit);
            CHECK(other.persons.route_length == one.persons.route_length);
            CHECK(other.persons.route_country == one.persons.route_country);
            CHECK(other.persons.removal_time == one.persons.removal_time);
            CHECK(other.distributions.detention_stay == one.distributions.detention_stay);
            CHECK(other.trace.persons == one.trace.persons);
            CHECK(other.trace.status == one.trace.status);
            CHECK(other.trace.country == one.trace.country);
        }
    }
}

TEST_CASE("passes shared among 2 and 8 threads give the same run as one thread", "[agents]") {
    // Enough persons due on the same steps (tens of thousands of arrests a day) that passes and
    // capacity phases run in parallel chunks; binding beds and seats; a policy change redraws
    // every clock in parallel.
    Scenario s = queue_scenario(3000, 500, 14, 20, 5000);
    s.enforcement[DST].arrest_per_day = 0.2;
    s.enforcement[DST].border_apprehension_probability = 0.3;
    s.enforcement[DST].processing_mean_days = 3;
    s.remigration.per_day = {0.05};
    s.initial = {{DST, Status::at_large, 0, 200000}, {ORG, Status::returned, 0, 50000}};
    auto faster = std::make_shared<Scenario>(s);
    faster->enforcement[DST].processing_mean_days = 1;
    s.timeline.push_back({Date{s.start.days + 10}, "faster processing", faster});
    const AgentRun one = run_agents(s, 5, 1, false, 40);
    for (int threads : {2, 8}) {
        INFO(threads << " threads");
        const AgentRun other = run_agents(s, 5, threads, threads == 2, 40);
        for (std::size_t n = 0; n < one.collector.steps.size(); ++n) {
            require_same_outputs(one.collector.steps[n], other.collector.steps[n]);
        }
        CHECK(one.persons.status == other.persons.status);
        CHECK(one.persons.country == other.persons.country);
        CHECK(one.persons.days_detained == other.persons.days_detained);
        CHECK(one.persons.route_country == other.persons.route_country);
        CHECK(one.persons.removal_time == other.persons.removal_time);
        CHECK(one.distributions.detention_stay == other.distributions.detention_stay);
        CHECK(one.trace.persons == other.trace.persons);
        CHECK(one.trace.status == other.trace.status);
    }
}

TEST_CASE("the same seed gives the same run; another seed another", "[agents]") {
    const Scenario s = capacity_scenario();
    const AgentRun a = run_agents(s, 11, 2, false);
    const AgentRun b = run_agents(s, 11, 2, false);
    const AgentRun other = run_agents(s, 12, 2, false);
    bool differs = false;
    for (std::size_t n = 0; n < a.collector.steps.size(); ++n) {
        require_same_outputs(a.collector.steps[n], b.collector.steps[n]);
        differs =
            differs || !(a.collector.steps[n].stocks == other.collector.steps[n].stocks).all();
    }
    CHECK(differs);
}

TEST_CASE("the trace is a uniform sample of every person of the run", "[agents][statistics]") {
    // 400 runs with 200 persons at the start and about 10 x 40 created by departures; trace 25.
    // Each traced person's rank among the persons of its run, (rank + 0.5) / N, is uniform on
    // (0, 1) when the sample is; KS against the uniform distribution, alpha = 1e-4 (false-failure
    // rate 1e-4; seeds fixed).
    Scenario s = queue_scenario(40, 1000, 7, 10);
    s.initial = {{DST, Status::at_large, 0, 200}};
    std::vector<double> ranks;
    for (std::uint64_t seed = 1; seed <= 400; ++seed) {
        const AgentRun r = run_agents(s, seed, 1, false, 25);
        REQUIRE(r.trace.persons.size() == 25);
        for (std::uint32_t id : r.trace.persons) {
            ranks.push_back((id + 0.5) / static_cast<double>(r.count));
        }
    }
    const auto result = stats::ks_test(ranks, [](double x) { return std::clamp(x, 0.0, 1.0); });
    INFO("KS D = " << result.statistic << ", p = " << result.p_value);
    CHECK(result.p_value > 1e-4);
}

TEST_CASE("the agents mode refuses what its records cannot hold", "[agents]") {
    RunInfo info;
    info.mode = Mode::agents;
    Scenario fractional = queue_scenario(1, 1, 1, 5);
    fractional.initial = {{DST, Status::at_large, 0, 2.5}};
    CHECK_THROWS_AS(AgentEngine(fractional, info), InputError);
    Scenario long_run = queue_scenario(1, 1, 1, 70000);
    CHECK_THROWS_AS(AgentEngine(long_run, info), InputError);
    CHECK(dynamic_cast<AgentEngine*>(make_engine(queue_scenario(1, 1, 1, 5), info).get()) !=
          nullptr);
}

// ---------------------------------------------------------------------------------------------
// The run file's /persons group

namespace {

// A fresh directory under the system's temporary directory, removed at the end of the test.
struct TemporaryDirectory {
    std::filesystem::path path;
    TemporaryDirectory() {
        path = std::filesystem::temp_directory_path() /
               ("deportsim_test_agents_" + std::to_string(::getpid()));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

} // namespace

TEST_CASE("the /persons group of a run file reads back as written", "[agents][io]") {
    // Many blocks of persons (a 64th of them: 16,384 here) and chunks of every large variable
    // (16,384 elements), with partial last chunks: 1.2 million at large, arrests, departures,
    // removals home.
    Scenario s = queue_scenario(500, 200, 14, 8, 1e6);
    s.enforcement[DST].arrest_per_day = 0.01;
    s.enforcement[DST].processing_mean_days = 2;
    s.initial = {{DST, Status::at_large, 0, 1200000}};
    const TemporaryDirectory directory;
    const std::string path = (directory.path / "run.h5").string();
    RunInfo info;
    info.mode = Mode::agents;
    info.seed = 8;
    AgentEngine engine(s, info);
    engine.set_threads(2);
    engine.set_trace(30);
    RunFileWriter run_file(path);
    PersonFileWriter person_group(path, engine);
    Collector collector;
    engine.add_observer(run_file);
    engine.add_observer(person_group);
    engine.add_observer(collector);
    engine.run();
    REQUIRE(std::filesystem::exists(path));
    REQUIRE(!std::filesystem::exists(path + ".partial"));

    PersonColumns expected;
    engine.person_columns(0, engine.persons(), expected);
    const PersonGroupContents c = read_person_group(path);
    CHECK(c.format_major == person_group_major);
    REQUIRE(c.group.size() == engine.persons());
    CHECK(c.group == expected.group);
    CHECK(c.status == expected.status);
    CHECK(c.country == expected.country);
    CHECK(c.times_removed == expected.times_removed);
    CHECK(c.days_detained == expected.days_detained);
    CHECK(c.days_in_transit == expected.days_in_transit);
    CHECK(c.route_length == expected.route_length);
    CHECK(c.route_country == expected.route_country);
    CHECK(c.removal_time == expected.removal_time);
    CHECK(c.removal_destination == expected.removal_destination);
    CHECK(c.removal_destination.size() == c.removal_time.size());
    const auto same = [](const std::vector<float>& a, const std::vector<float>& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](float x, float y) {
            return x == y || (std::isnan(x) && std::isnan(y));
        });
    };
    CHECK(same(c.first_departure, expected.first_departure));
    CHECK(same(c.first_removal, expected.first_removal));
    CHECK(c.persons_by_times_removed == engine.distributions().removals_per_person);
    CHECK(c.departure_to_first_removal == engine.distributions().departure_to_first_removal);
    CHECK(c.detention_stays == engine.distributions().detention_stay);
    CHECK(c.stay_days.size() == c.detention_stays.size());
    CHECK(c.stay_days[3] == 3.0);
    REQUIRE(c.trace_person.size() == 30);
    for (std::size_t k = 0; k < 30; ++k) {
        CHECK(c.trace_person[k] == engine.trace().persons[k]);
    }
    CHECK(c.trace_status == engine.trace().status);
    CHECK(c.trace_country == engine.trace().country);
    // The run file itself is untouched: it reads back as the steps the engine showed.
    const RunFileContents run = read_run_file(path);
    REQUIRE(run.records() == static_cast<Eigen::Index>(collector.steps.size()));
    for (Eigen::Index n = 0; n < run.records(); ++n) {
        REQUIRE(
            (run.outputs(n).stocks == collector.steps[static_cast<std::size_t>(n)].stocks).all());
    }
    CHECK(run.mode == Mode::agents);
}

TEST_CASE("an agents-mode run file with /persons has the same bytes on 1 and 3 threads",
          "[agents][io]") {
    // With SOURCE_DATE_EPOCH set, nothing in the file depends on when or on how many threads
    // it was written: no object carries a modification time, chunks are compressed in order.
    const testing::EnvironmentVariable epoch("SOURCE_DATE_EPOCH", "1738368000");
    const TemporaryDirectory directory;
    const auto write = [&](int threads) {
        const std::string path =
            (directory.path / ("run" + std::to_string(threads) + ".h5")).string();
        RunInfo info;
        info.mode = Mode::agents;
        info.seed = 21;
        AgentEngine engine(shelter_scenario(), info);
        engine.set_threads(threads);
        engine.set_trace(5);
        RunFileWriter run_file(path, threads);
        PersonFileWriter person_group(path, engine);
        engine.add_observer(run_file);
        engine.add_observer(person_group);
        engine.run();
        return testing::read_bytes(path);
    };
    const std::string one = write(1);
    REQUIRE(!one.empty());
    // A second later, so that a time stored anywhere would differ.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    CHECK(one == write(3));
}

TEST_CASE("reading /persons from a cohort-mode run file is a format error", "[agents][io]") {
    const TemporaryDirectory directory;
    const std::string path = (directory.path / "cohort.h5").string();
    RunInfo info;
    info.mode = Mode::stochastic;
    Simulation simulation(queue_scenario(5, 10, 7, 3), info);
    RunFileWriter writer(path);
    simulation.add_observer(writer);
    simulation.run();
    CHECK_THROWS_AS(read_person_group(path), FormatError);
}

// ---------------------------------------------------------------------------------------------
// Agreement with the stochastic mode

// For each scenario, 200 stochastic and 200 agent runs (different seeds); each of 17 outputs
// (the headline outputs of docs/analysis.md and the totals of the main flows) is compared by a
// two-sample Kolmogorov-Smirnov test at alpha = 5e-4. For a correct engine a single comparison
// fails with probability at most 5e-4 (less for discrete outputs, where the test is
// conservative), so the 51 comparisons of this test fail together with probability at most
// 2.6%; the seeds are fixed, so the outcome is reproducible.
TEST_CASE("agents and stochastic modes agree in distribution where capacities bind",
          "[agents][statistics]") {
    constexpr int replicates = 200;
    constexpr double alpha = 5e-4;
    SECTION("beds, seats, budget, monthly quota, prison places") {
        const Scenario s = capacity_scenario();
        CHECK(smallest_ks_p_value(s, s, replicates) > alpha);
    }
    SECTION("route graph, intake priorities, shelter with onward flights, return cap") {
        const Scenario s = shelter_scenario();
        CHECK(smallest_ks_p_value(s, s, replicates) > alpha);
    }
    SECTION("deterrence signal, policy changes, quotas, release agreement, own nationals") {
        const Scenario s = policy_scenario();
        CHECK(smallest_ks_p_value(s, s, replicates) > alpha);
    }
}

TEST_CASE("the agreement test detects a small difference in the model", "[agents][statistics]") {
    // The power of the test above: the same comparison, with the agents mode running a route
    // mortality a quarter higher (0.02 -> 0.025 per traversal), must fail. (A longer processing
    // time would not show: in this scenario the flight budget, not processing, limits removals.)
    const Scenario s = capacity_scenario();
    Scenario deadlier = s;
    deadlier.routes[0].mortality = 0.025;
    CHECK(smallest_ks_p_value(s, deadlier, 200) < 5e-4);
}

TEST_CASE("agents and stochastic modes agree on the default scenario", "[.slow]") {
    // The default scenario (8.7 million persons, two years): 100 runs of each mode, the 17
    // outputs compared by KS at alpha = 5e-4 (false-failure rate at most 0.9%). About 6 minutes
    // on two cores: run with `test_agents "[.slow]"`.
    const Scenario s =
        load_scenario_file(std::string(DEPORTSIM_SOURCE_DIR) + "/scenarios/el_salvador_2025.yaml");
    CHECK(smallest_ks_p_value(s, s, 100) > 5e-4);
}
