// The removal and agreement rules of the engine, each on a small scenario whose expected-mode
// answer is known exactly: return caps, shelters with onward flights, own nationals, the
// policy timeline, re-migration delay, Erlang dwell times, deterrence, exemptions.
#include "core/simulation.hpp"
#include "run_collector.hpp"
#include "small_scenarios.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <vector>

using namespace deportsim;
using deportsim::testing::Collector;
using deportsim::testing::flow;
using deportsim::testing::queue_scenario;
using deportsim::testing::stock;
using deportsim::testing::third_country_scenario;

namespace {

Collector run(const Scenario& s, Mode mode = Mode::expected, std::uint64_t seed = 1) {
    return deportsim::testing::run_collecting(s, mode, seed);
}

constexpr int ORG = 0, DST = 1, TCR = 2;

// third_country_scenario with a shelter instead of a prison: the origin accepts returns, the
// agreement is preferred for everyone, and TCR has its own flights home.
Scenario shelter_scenario(const ShelterOutcomes& outcomes, double onward_seats_per_day) {
    Scenario s = third_country_scenario(50, 10, 70, 20, 1e9);
    s.returns[ORG].policy = ReturnPolicy::accept;
    s.facilities[1].kind = FacilityKind::shelter;
    s.agreements[0].disposition = Disposition::shelter;
    s.agreements[0].preferred_profiles = {0};
    s.agreements[0].shelter = outcomes;
    FlightProgramme onward;
    onward.id = "TCR_onward";
    onward.sender = TCR;
    onward.destinations = {ORG};
    onward.seats_per_flight = onward_seats_per_day;
    onward.flights_per_week = 7;
    onward.cost_per_flight = 5000;
    onward.start = s.start;
    onward.end = far_future;
    s.programmes.push_back(onward);
    return s;
}

} // namespace

TEST_CASE("a monthly return cap limits returns home, and the rest wait", "[rules]") {
    Scenario s = queue_scenario(50, 10, 70, 40);
    s.returns[ORG].policy = ReturnPolicy::cap;
    s.returns[ORG].monthly_cap = 120;
    const Collector c = run(s);
    double january = 0;
    for (int n = 1; n <= 31; ++n) {
        january += flow(c.steps[n], Flow::returns_received, ORG);
    }
    CHECK(january == Approx(120.0));
    // February: 100 seats on the 1st, the other 20 of the cap on the 2nd, then none.
    CHECK(flow(c.steps[32], Flow::returns_received, ORG) == Approx(100.0));
    CHECK(flow(c.steps[33], Flow::returns_received, ORG) == Approx(20.0));
    CHECK(flow(c.steps[34], Flow::returns_received, ORG) == 0.0);
    // Nobody goes elsewhere: without an agreement the others stay detained.
    CHECK(stock(c.steps[31], DST, Status::detained) == Approx(30 * 50.0 - 120.0));
}

TEST_CASE("a refusal sends exactly the eligible people to the agreement", "[rules]") {
    // Two profiles; only profile 0 is eligible for the agreement. The origin refuses returns.
    Scenario s = third_country_scenario(50, 10, 70, 10, 1e9);
    s.profiles = {"violent_record", "no_record"};
    s.groups = {{"ORG/violent_record", ORG, 0}, {"ORG/no_record", ORG, 1}};
    s.departures = {{0, ORG, DST, 20, std::nullopt}, {1, ORG, DST, 30, std::nullopt}};
    for (auto& e : s.enforcement) {
        e.interdiction_per_day = {0, 0};
        e.priority = {1, 1};
    }
    s.remigration.per_day = {0, 0};
    const Collector c = run(s);
    const auto& last = c.steps.back();
    CHECK(last.stocks(stock_row(TCR, Status::imprisoned), 0) == Approx(9 * 20.0));
    CHECK(last.stocks(stock_row(TCR, Status::imprisoned), 1) == 0.0);
    CHECK(last.stocks(stock_row(DST, Status::detained), 1) == Approx(9 * 30.0));
    CHECK(stock(last, ORG, Status::returned) == 0.0);
}

TEST_CASE("sheltered people leave by onward flights, asylum, permits and absconding in the "
          "ratio of their rates",
          "[rules]") {
    ShelterOutcomes outcomes;
    outcomes.onward_return_per_day = 0.04;
    outcomes.asylum_per_day = 0.03;
    outcomes.permit_per_day = 0.02;
    outcomes.abscond_per_day = 0.01;
    const Scenario s = shelter_scenario(outcomes, 1000);
    const Collector c = run(s);
    // Step 2: 50 sheltered on arrival; from step 3 on each step's exits split 4:3:2:1.
    CHECK(stock(c.steps[2], TCR, Status::sheltered) == Approx(50.0 * std::exp(-0.1)));
    const auto& o = c.steps[10];
    const double onward = flow(o, Flow::onward_returns, TCR);
    CHECK(flow(o, Flow::settlements, TCR) == Approx(onward * 3 / 4));
    CHECK(flow(o, Flow::permit_releases, TCR) == Approx(onward * 2 / 4));
    CHECK(flow(o, Flow::absconded, TCR) == Approx(onward * 1 / 4));
    CHECK(o.removals_by_destination(TCR, ORG) == Approx(onward));
    CHECK(o.programme_passengers[1] == Approx(onward));
    CHECK(o.programme_flights[1] == Approx(onward / 1000)); // expected flights: real counts
    // Whoever is sheltered at step n had probability exp(-0.1) per step to stay.
    double sheltered = 0;
    for (int n = 2; n <= 20; ++n) {
        sheltered = sheltered * std::exp(-0.1) + 50.0 * std::exp(-0.1);
        INFO("step " << n);
        CHECK(stock(c.steps[n], TCR, Status::sheltered) == Approx(sheltered));
    }
}

TEST_CASE("without seats on the receiver's flights, sheltered people ready to go home wait",
          "[rules]") {
    ShelterOutcomes outcomes;
    outcomes.onward_return_per_day = 0.5;
    Scenario s = shelter_scenario(outcomes, 1000);
    s.programmes[1].flights_per_week = 0;
    const Collector c = run(s);
    CHECK(flow(c.steps.back(), Flow::onward_returns, TCR) == 0.0);
    CHECK(stock(c.steps.back(), TCR, Status::sheltered) == Approx(19 * 50.0));
}

TEST_CASE("a country's own nationals go only to an agreement that takes their profile", "[rules]") {
    Scenario s = third_country_scenario(0, 10, 70, 5, 1e9);
    s.profiles = {"no_record", "us_citizen_convict"};
    s.groups.push_back({"DST/us_citizen_convict", DST, 1});
    for (auto& e : s.enforcement) {
        e.interdiction_per_day = {0, 0};
        e.priority = {1, 1};
    }
    s.remigration.per_day = {0, 0};
    s.enforcement[DST].max_detention_exempt = {0, 1};
    s.initial = {{DST, Status::detained, 1, 40}};
    const Collector switched_off = run(s);
    CHECK(stock(switched_off.steps.back(), DST, Status::detained) == Approx(40.0));
    CHECK(stock(switched_off.steps.back(), TCR, Status::imprisoned) == 0.0);
    s.agreements[0].profiles = {0, 1};
    const Collector switched_on = run(s);
    CHECK(stock(switched_on.steps.back(), TCR, Status::imprisoned) == Approx(40.0));
    CHECK(stock(switched_on.steps.back(), DST, Status::returned) == 0.0);
}

TEST_CASE("a profile exempt from maximum detention is never released for time held", "[rules]") {
    Scenario s = queue_scenario(50, 10, 0, 30);
    s.enforcement[DST].max_detention_days = 10;
    s.enforcement[DST].max_detention_exempt = {1};
    const Collector c = run(s);
    double released = 0;
    for (const auto& o : c.steps) {
        released += flow(o, Flow::max_detention_releases, DST);
    }
    CHECK(released == 0.0);
    CHECK(stock(c.steps.back(), DST, Status::detained) == Approx(29 * 50.0));
}

TEST_CASE("a policy change takes effect on its date", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 20);
    auto grounded = std::make_shared<Scenario>(s);
    grounded->programmes[0].flights_per_week = 0;
    s.timeline.push_back({Date{s.start.days + 10}, "flights grounded", grounded});
    const Collector c = run(s);
    CHECK(c.steps[10].programme_flights[0] == Approx(3.0)); // day 10 (start + 9)
    CHECK(c.steps[11].programme_flights[0] == 0.0);         // from start + 10 on
    CHECK(flow(c.steps[20], Flow::removals, DST) == 0.0);
}

TEST_CASE("returned people leave again only after the minimum delay", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 12);
    s.remigration.per_day = {1e9}; // everyone who may leave, leaves
    s.remigration.min_delay_days = 5;
    const Collector c = run(s);
    for (int n = 1; n <= 6; ++n) {
        CHECK(flow(c.steps[n], Flow::remigrations, ORG) == 0.0);
    }
    CHECK(flow(c.steps[7], Flow::remigrations, ORG) == Approx(30.0)); // returned on step 2
    CHECK(stock(c.steps[7], ORG, Status::returned) == Approx(5 * 30.0));
}

TEST_CASE("an Erlang-k dwell has the mean and variance of k geometric stages", "[rules]") {
    // A pulse of 1000 detainees with processing_stages = 3 and mean 9 days, removed as soon as
    // they are removable: the removals per step are the dwell distribution. With one stage per
    // step at most, the dwell in steps is a sum of 3 geometric(p), p = 1 - exp(-3/9): mean 3/p
    // and variance 3(1-p)/p^2; both approach the Erlang values 9 and 27 as dt -> 0.
    Scenario s = queue_scenario(0, 1000, 7, 300);
    s.enforcement[DST].processing_mean_days = 9;
    s.enforcement[DST].processing_stages = 3;
    s.enforcement[DST].max_detention_days = 10000;
    s.initial = {{DST, Status::detained, 0, 1000}};
    const Collector c = run(s);
    double total = 0, mean = 0, second = 0;
    for (std::size_t n = 1; n < c.steps.size(); ++n) {
        const double removed = flow(c.steps[n], Flow::removals, DST);
        total += removed;
        mean += n * removed;
        second += double(n) * n * removed;
    }
    mean /= total;
    const double variance = second / total - mean * mean;
    const double p = -std::expm1(-3.0 / 9.0);
    CHECK(total == Approx(1000.0));
    CHECK(mean == Approx(3 / p).epsilon(1e-9));
    CHECK(variance == Approx(3 * (1 - p) / (p * p)).epsilon(1e-7));
    CHECK(mean == Approx(9.0).margin(1.6)); // Euler steps add about k * dt / 2
}

TEST_CASE("a dated multiplier series scales departures", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 10);
    DatedSeries series;
    series.dates = {Date{s.start.days + 4}};
    series.values = {0.5};
    s.deterrence.kind = DeterrenceKind::series;
    s.deterrence.multiplier = series;
    const Collector c = run(s);
    CHECK(flow(c.steps[4], Flow::departures, ORG) == Approx(50.0));
    CHECK(flow(c.steps[5], Flow::departures, ORG) == Approx(25.0));
    CHECK(c.steps[5].deterrence_factor == 0.5);
}

TEST_CASE("the deterrence signal lowers departures as removals per arrival rise", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 30);
    s.deterrence.kind = DeterrenceKind::signal;
    s.deterrence.window_days = 5;
    s.deterrence.elasticity = 0.5;
    s.deterrence.reference = 1;
    const Collector c = run(s);
    // Steps 2..6: 30 removals and 50 arrivals a step; the window is full at step 7.
    CHECK(c.steps[2].deterrence_factor == 1.0);
    double removals = 0, arrivals = 0;
    for (int n = 2; n <= 6; ++n) {
        removals += flow(c.steps[n], Flow::removals, DST);
        arrivals += flow(c.steps[n], Flow::arrivals, DST);
    }
    const double factor = std::pow(1 + removals / arrivals, -0.5);
    CHECK(c.steps[7].deterrence_factor == Approx(factor));
    CHECK(flow(c.steps[7], Flow::departures, ORG) == Approx(50 * factor));
}

TEST_CASE("the rules hold their invariants in stochastic mode", "[rules]") {
    ShelterOutcomes outcomes;
    outcomes.onward_return_per_day = 0.04;
    outcomes.asylum_per_day = 0.03;
    outcomes.permit_per_day = 0.02;
    outcomes.abscond_per_day = 0.01;
    Scenario s = shelter_scenario(outcomes, 7);
    s.returns[ORG].policy = ReturnPolicy::cap;
    s.returns[ORG].monthly_cap = 300;
    s.remigration.per_day = {0.05};
    s.remigration.min_delay_days = 3;
    s.enforcement[DST].processing_stages = 2;
    s.enforcement[DST].processing_mean_days = 4;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        REQUIRE_NOTHROW(run(s, Mode::stochastic, seed));
    }
}

TEST_CASE("people released from a prison go home only if their country accepts returns",
          "[rules]") {
    Scenario s = third_country_scenario(50, 10, 70, 10, 1e9);
    s.agreements[0].release_per_day = 0.1;
    const Collector refused = run(s);
    const auto& r = refused.steps.back();
    CHECK(flow(r, Flow::prison_releases, TCR) > 0.0);
    CHECK(stock(r, ORG, Status::returned) == 0.0);
    double released = 0;
    for (const auto& o : refused.steps) {
        released += flow(o, Flow::prison_releases, TCR);
    }
    CHECK(stock(r, TCR, Status::at_large) == Approx(released));

    s.returns[ORG].policy = ReturnPolicy::accept;
    s.agreements[0].preferred_profiles = {0};
    const Collector accepted = run(s);
    const auto& a = accepted.steps.back();
    CHECK(stock(a, TCR, Status::at_large) == 0.0);
    CHECK(stock(a, ORG, Status::returned) == Approx(released));
}

TEST_CASE("a country does not interdict its own nationals in transit", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 10);
    s.routes[0].days = 3;
    s.enforcement[ORG].interdiction_per_day = {0.5};
    const Collector c = run(s);
    for (const auto& o : c.steps) {
        CHECK(flow(o, Flow::interdictions, ORG) == 0.0);
    }
}

TEST_CASE("a policy change of route weights redirects travellers from its date", "[rules]") {
    Scenario s = third_country_scenario(50, 10, 70, 12, 1e9);
    s.routes.push_back({"ORG->TCR", ORG, TCR, 1.0, 0.0, 1.0});
    s.routes.push_back({"TCR->DST", TCR, DST, 1.0, 0.0, 1.0});
    auto reweighted = std::make_shared<Scenario>(s);
    reweighted->routes[0].weight = 3.0; // the direct route ORG->DST
    s.timeline.push_back({Date{s.start.days + 5}, "direct route favoured", reweighted});
    const Collector c = run(s);
    // People leaving ORG on step n are on ORG->TCR (counted in ORG) and reach TCR on n + 1.
    CHECK(stock(c.steps[5], TCR, Status::in_transit) == Approx(25.0));
    CHECK(stock(c.steps[7], TCR, Status::in_transit) == Approx(12.5));
}
