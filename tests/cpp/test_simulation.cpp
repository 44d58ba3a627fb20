// The engine (sim/core/simulation): closed-form answers in expected mode, invariants in both
// modes, agreement of the stochastic mean with the expected mode, reproducibility.
#include "core/agents.hpp"
#include "core/error.hpp"
#include "core/simulation.hpp"
#include "run_collector.hpp"
#include "scenario/load.hpp"
#include "small_scenarios.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace deportsim;
using deportsim::testing::Collector;
using deportsim::testing::flow;
using deportsim::testing::queue_scenario;
using deportsim::testing::stock;
using deportsim::testing::third_country_scenario;

namespace {

Collector run(const Scenario& s, Mode mode, std::uint64_t seed = 1, bool invariants = true) {
    return deportsim::testing::run_collecting(s, mode, seed, invariants);
}

constexpr int ORG = 0, DST = 1, TCR = 2;

} // namespace

TEST_CASE("a single removal queue grows by inflow minus seats each day", "[simulation]") {
    // 50 arrive a day, 3 flights x 10 seats leave a day: from day 2 on the queue grows by 20 a
    // day and 30 a day return home.
    const Scenario s = queue_scenario(50, 10, 21, 30);
    const Collector c = run(s, Mode::expected);
    REQUIRE(c.finished);
    REQUIRE(c.steps.size() == 31);
    for (int n = 2; n <= 30; ++n) {
        const auto& o = c.steps[n];
        INFO("step " << n);
        CHECK(stock(o, DST, Status::detained) == Approx((n - 1) * 20.0));
        CHECK(stock(o, ORG, Status::returned) == Approx((n - 1) * 30.0));
        CHECK(stock(o, ORG, Status::in_transit) == Approx(50.0));
        CHECK(o.programme_flights[0] == Approx(3.0));
        CHECK(o.programme_cost[0] == Approx(3000.0));
        CHECK(o.removals_by_destination(DST, ORG) == Approx(30.0));
        CHECK(o.facility_cost[0] == Approx((n - 1) * 20.0 * 100.0));
    }
    CHECK(c.steps[0].stocks.sum() == 0.0);
}

TEST_CASE("a flight budget stops the programme after floor(budget / cost) flights",
          "[simulation]") {
    Scenario s = queue_scenario(50, 10, 21, 10);
    s.programmes[0].budget = 7500; // 7.5 flights of 1000
    const Collector c = run(s, Mode::expected);
    double flights = 0, removed = 0;
    for (const auto& o : c.steps) {
        flights += o.programme_flights[0];
        removed += flow(o, Flow::removals, DST);
    }
    CHECK(flights == Approx(7.0));
    CHECK(removed == Approx(70.0));
    CHECK(c.steps[3].programme_flights[0] == Approx(3.0));
    CHECK(c.steps[4].programme_flights[0] == Approx(1.0));
    CHECK(c.steps[5].programme_flights[0] == 0.0);
    CHECK(c.steps.back().programme_budget_left[0] == Approx(500.0));
}

TEST_CASE("detainees who cannot be removed are released after the maximum period", "[simulation]") {
    Scenario s = queue_scenario(50, 10, 0, 20); // no flights at all
    s.enforcement[DST].max_detention_days = 10;
    const Collector c = run(s, Mode::expected);
    // Admitted on day 2; held 10 steps (days 2..11); released on day 12.
    CHECK(flow(c.steps[11], Flow::max_detention_releases, DST) == 0.0);
    CHECK(flow(c.steps[12], Flow::max_detention_releases, DST) == Approx(50.0));
    CHECK(stock(c.steps[11], DST, Status::detained) == Approx(500.0));
    CHECK(stock(c.steps[12], DST, Status::detained) == Approx(500.0));
    CHECK(stock(c.steps[20], DST, Status::at_large) == Approx(9 * 50.0));
}

TEST_CASE("detention beds bind: the overflow is released at large", "[simulation]") {
    const Scenario s = queue_scenario(50, 10, 0, 10, /*beds=*/120);
    const Collector c = run(s, Mode::expected);
    CHECK(stock(c.steps[2], DST, Status::detained) == Approx(50.0));
    CHECK(stock(c.steps[4], DST, Status::detained) == Approx(120.0));
    CHECK(flow(c.steps[4], Flow::overflow_releases, DST) == Approx(30.0));
    CHECK(flow(c.steps[5], Flow::overflow_releases, DST) == Approx(50.0));
    CHECK(stock(c.steps[10], DST, Status::at_large) == Approx(9 * 50.0 - 120.0));
}

TEST_CASE("when the own country refuses, removals go to the third-country prison until it is "
          "full",
          "[simulation]") {
    const Scenario s = third_country_scenario(50, 10, 70, 10, /*prison_capacity=*/120);
    const Collector c = run(s, Mode::expected);
    CHECK(stock(c.steps[2], TCR, Status::imprisoned) == Approx(50.0));
    CHECK(stock(c.steps[4], TCR, Status::imprisoned) == Approx(120.0));
    CHECK(stock(c.steps[10], TCR, Status::imprisoned) == Approx(120.0));
    CHECK(stock(c.steps[10], ORG, Status::returned) == 0.0);
    CHECK(c.steps[10].agreement_held[0] == Approx(120.0));
    CHECK(c.steps[10].agreement_fees[0] == Approx(120.0 * 50.0));
    CHECK(stock(c.steps[10], DST, Status::detained) == Approx(9 * 50.0 - 120.0));
}

TEST_CASE("a monthly quota binds within the month and restarts with the next", "[simulation]") {
    Scenario s = third_country_scenario(50, 10, 70, 45, 1e9);
    s.agreements[0].monthly_quota = 100;
    const Collector c = run(s, Mode::expected);
    // January: days 2 and 3 fill the quota. February 1 is step 32.
    CHECK(c.steps[2].agreement_transfers[0] == Approx(50.0));
    CHECK(c.steps[3].agreement_transfers[0] == Approx(50.0));
    CHECK(c.steps[4].agreement_transfers[0] == 0.0);
    CHECK(c.steps[31].agreement_transfers[0] == 0.0);
    CHECK(c.steps[32].agreement_transfers[0] == Approx(100.0));
    CHECK(c.steps[33].agreement_transfers[0] == 0.0);
    CHECK(c.steps.back().agreement_quota_used[0] == Approx(200.0));
}

TEST_CASE("a preferred agreement takes its profile even when the own country accepts",
          "[simulation]") {
    Scenario s = third_country_scenario(50, 10, 70, 10, 1e9);
    s.returns[ORG].policy = ReturnPolicy::accept;
    const Collector not_preferred = run(s, Mode::expected);
    CHECK(stock(not_preferred.steps.back(), TCR, Status::imprisoned) == 0.0);
    CHECK(stock(not_preferred.steps.back(), ORG, Status::returned) == Approx(9 * 50.0));
    s.agreements[0].preferred_profiles = {0};
    const Collector preferred = run(s, Mode::expected);
    CHECK(stock(preferred.steps.back(), TCR, Status::imprisoned) == Approx(9 * 50.0));
    CHECK(stock(preferred.steps.back(), ORG, Status::returned) == 0.0);
}

TEST_CASE("stochastic runs conserve persons and respect every capacity on every step",
          "[simulation]") {
    // Beds, prison places, seats and a budget all bind; check_invariants throws on failure.
    Scenario s = third_country_scenario(37, 7, 35, 120, 300);
    s.facilities[0].capacity = 200;
    s.programmes[0].budget = 40 * 1000.0;
    s.agreements[0].monthly_quota = 150;
    s.agreements[0].release_per_day = 0.01;
    s.enforcement[DST].processing_mean_days = 6;
    s.enforcement[DST].max_detention_days = 30;
    s.routes[0].mortality = 0.02;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        REQUIRE_NOTHROW(run(s, Mode::stochastic, seed));
    }
    REQUIRE_NOTHROW(run(s, Mode::expected));
    const Collector c = run(s, Mode::stochastic, 9);
    for (const auto& o : c.steps) {
        for (Eigen::Index i = 0; i < o.stocks.size(); ++i) {
            REQUIRE(o.stocks.data()[i] == std::floor(o.stocks.data()[i]));
        }
    }
}

TEST_CASE("the same seed gives identical runs and another seed another run", "[simulation]") {
    Scenario s = third_country_scenario(37, 7, 35, 60, 300);
    s.enforcement[DST].processing_mean_days = 6;
    s.routes[0].mortality = 0.02;
    const Collector a = run(s, Mode::stochastic, 11);
    const Collector b = run(s, Mode::stochastic, 11);
    const Collector other = run(s, Mode::stochastic, 12);
    bool differs = false;
    for (std::size_t n = 0; n < a.steps.size(); ++n) {
        REQUIRE((a.steps[n].stocks == b.steps[n].stocks).all());
        for (int f = 0; f < flow_count; ++f) {
            REQUIRE((a.steps[n].flows[f] == b.steps[n].flows[f]).all());
        }
        differs = differs || !(a.steps[n].stocks == other.steps[n].stocks).all();
    }
    CHECK(differs);
}

TEST_CASE("where no capacity binds, the stochastic mean agrees with the expected mode",
          "[simulation][statistics]") {
    // Departures, deaths on the route, apprehension at the border, exponential processing and
    // removal on flights with ample seats: every transition is linear, so the expectation of
    // each stock equals the expected-mode value. Test: for each of four stocks on day 60, the
    // mean of 200 replicates is compared with the expected-mode value by a z-test with the
    // replicates' standard deviation, two-sided alpha = 1e-4 per stock; the chance that this
    // test fails when the engine is right is at most 4e-4 (Bonferroni), and it is fixed by the
    // seeds 1..200.
    Scenario s = queue_scenario(50, 1000, 7, 60);
    s.routes[0].mortality = 0.05;
    s.routes[0].days = 3;
    s.enforcement[DST].border_apprehension_probability = 0.6;
    s.enforcement[DST].processing_mean_days = 5;
    s.enforcement[DST].arrest_per_day = 0.01;
    const Collector expected = run(s, Mode::expected);
    const auto& e = expected.steps.back();
    struct Metric {
        const char* name;
        int country;
        Status status;
    };
    const Metric metrics[] = {{"dead", ORG, Status::dead_or_missing},
                              {"returned", ORG, Status::returned},
                              {"at large", DST, Status::at_large},
                              {"detained", DST, Status::detained}};
    const int replicates = 200;
    std::vector<std::vector<double>> values(4);
    for (int r = 1; r <= replicates; ++r) {
        const Collector c = run(s, Mode::stochastic, static_cast<std::uint64_t>(r), false);
        for (int m = 0; m < 4; ++m) {
            values[m].push_back(stock(c.steps.back(), metrics[m].country, metrics[m].status));
        }
    }
    for (int m = 0; m < 4; ++m) {
        double mean = 0, variance = 0;
        for (double v : values[m]) {
            mean += v / replicates;
        }
        for (double v : values[m]) {
            variance += (v - mean) * (v - mean) / (replicates - 1);
        }
        const double target = stock(e, metrics[m].country, metrics[m].status);
        const double z = (mean - target) / std::sqrt(variance / replicates);
        INFO(metrics[m].name << ": stochastic mean " << mean << ", expected mode " << target
                             << ", z = " << z);
        CHECK(std::abs(z) < 3.891); // two-sided alpha = 1e-4
    }
}

TEST_CASE("the default scenario conserves persons and keeps stocks non-negative on every step",
          "[simulation][default]") {
    const Scenario s =
        load_scenario_file(std::string(DEPORTSIM_SOURCE_DIR) + "/scenarios/el_salvador_2025.yaml");
    for (Mode mode : {Mode::expected, Mode::stochastic}) {
        INFO("mode " << mode_names[static_cast<int>(mode)]);
        RunInfo info;
        info.mode = mode;
        info.seed = 2025;
        Simulation simulation(s, info);
        simulation.set_check_invariants(true);
        REQUIRE_NOTHROW(simulation.run());
        CHECK(simulation.total_persons() ==
              Approx(simulation.expected_total()).epsilon(mode == Mode::expected ? 1e-9 : 0));
    }
}

TEST_CASE("make_engine gives each mode its engine", "[simulation]") {
    RunInfo info;
    for (Mode mode : {Mode::expected, Mode::stochastic}) {
        info.mode = mode;
        CHECK(dynamic_cast<Simulation*>(make_engine(queue_scenario(1, 1, 1, 1), info).get()));
    }
    info.mode = Mode::agents;
    CHECK(dynamic_cast<AgentEngine*>(make_engine(queue_scenario(1, 1, 1, 1), info).get()));
    // The cohort engine holds counts, not persons: asked for agents mode it is misused.
    CHECK_THROWS_AS(Simulation(queue_scenario(1, 1, 1, 1), info), InternalError);
}
