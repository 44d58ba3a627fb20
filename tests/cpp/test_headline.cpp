// Headline metrics (sim/core/headline): each metric on outputs made by hand, then on small
// scenarios whose runs are known in closed form (tests/support/small_scenarios.hpp).
#include "core/error.hpp"
#include "core/headline.hpp"
#include "core/simulation.hpp"
#include "small_scenarios.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>

using namespace deportsim;
using deportsim::testing::queue_scenario;
using deportsim::testing::third_country_scenario;

namespace {

constexpr int ORG = 0, DST = 1, TCR = 2;

HeadlineValues run_headline(const Scenario& s, Mode mode = Mode::expected) {
    RunInfo info;
    info.mode = mode;
    info.seed = 3;
    Simulation simulation(s, info);
    HeadlineRecorder headline;
    simulation.add_observer(headline);
    simulation.run();
    return headline.values();
}

double metric(const HeadlineValues& v, Headline h) {
    return v[static_cast<std::size_t>(h)];
}

} // namespace

TEST_CASE("the metrics have distinct names, units and descriptions, in enum order", "[headline]") {
    std::set<std::string_view> names;
    for (const auto& m : headline_metrics) {
        CHECK(!m.units.empty());
        CHECK(!m.description.empty());
        names.insert(m.name);
    }
    CHECK(names.size() == static_cast<std::size_t>(headline_count));
    CHECK(headline_metric(Headline::imprisoned_abroad_end).name == "imprisoned_abroad_end");
    CHECK(headline_metric(Headline::cost_per_removal).name == "cost_per_removal");
    CHECK(headline_metric(Headline::at_large_end).name == "at_large_end");
    CHECK(headline_metrics.back().name == "at_large_end");
}

TEST_CASE("each metric is the sum, maximum or final value of the outputs it names", "[headline]") {
    // Two steps of outputs written by hand on the third-country scenario's shapes: three
    // countries, one group, facilities {DST_detention (detention), TCR_prison (prison)}, one
    // programme, one agreement.
    const Scenario s = third_country_scenario(50, 10, 70, 2, 100);
    HeadlineRecorder recorder;
    recorder.start(s, RunInfo{});
    StepOutputs o;
    o.resize(s);
    const auto set_stock = [&](int country, Status status, double persons) {
        o.stocks(stock_row(country, status), 0) = persons;
    };
    const auto set_flow = [&](Flow flow, int country, double persons) {
        o.flows[static_cast<std::size_t>(flow)](country, 0) = persons;
    };
    // Step 0: the initial state.
    set_stock(DST, Status::detained, 40);
    set_stock(TCR, Status::detained, 5);
    set_stock(DST, Status::at_large, 1000);
    recorder.record(0, o);
    // Step 1.
    o.stocks.setZero();
    set_stock(DST, Status::detained, 30);
    set_stock(TCR, Status::detained, 20); // 50 together: the peak
    set_stock(TCR, Status::imprisoned, 7);
    set_stock(DST, Status::at_large, 900);
    o.removals_by_destination(DST, ORG) = 3;
    o.removals_by_destination(DST, TCR) = 7;
    o.agreement_transfers[0] = 7;
    set_flow(Flow::max_detention_releases, DST, 2);
    set_flow(Flow::overflow_releases, DST, 11);
    set_flow(Flow::deaths, ORG, 0.5);
    set_flow(Flow::departures, ORG, 60);
    o.programme_cost[0] = 2000;
    o.facility_cost << 300, 70; // detention, then prison
    o.agreement_fees[0] = 350;
    recorder.record(1, o);
    // Step 2.
    o.clear_flows();
    o.stocks.setZero();
    set_stock(DST, Status::detained, 35);
    set_stock(TCR, Status::imprisoned, 9);
    set_stock(TCR, Status::sheltered, 4);
    set_stock(DST, Status::at_large, 950);
    set_stock(ORG, Status::at_large, 6);
    o.removals_by_destination(DST, TCR) = 2;
    o.agreement_transfers[0] = 2;
    set_flow(Flow::departures, ORG, 40);
    o.programme_cost[0] = 1000;
    o.facility_cost << 350, 90;
    o.agreement_fees[0] = 450;
    recorder.record(2, o);

    CHECK_THROWS_AS(recorder.values(), InternalError);
    recorder.finish();
    const HeadlineValues& v = recorder.values();
    CHECK(metric(v, Headline::imprisoned_abroad_end) == 9);
    CHECK(metric(v, Headline::sheltered_end) == 4);
    CHECK(metric(v, Headline::at_large_end) == 956);
    CHECK(metric(v, Headline::removals_total) == 12);
    CHECK(metric(v, Headline::transfers_third_country) == 9);
    CHECK(metric(v, Headline::removals_home) == 3);
    CHECK(metric(v, Headline::detention_peak) == 50);
    CHECK(metric(v, Headline::max_detention_releases_total) == 2);
    CHECK(metric(v, Headline::overflow_releases_total) == 11);
    CHECK(metric(v, Headline::deaths_total) == 0.5);
    CHECK(metric(v, Headline::departures_total) == 100);
    CHECK(metric(v, Headline::flight_cost_total) == 3000);
    CHECK(metric(v, Headline::detention_cost_total) == 650); // the prison's 160 left out
    CHECK(metric(v, Headline::fees_total) == 800);
    CHECK(metric(v, Headline::cost_per_removal) == 250);
    CHECK(recorder[Headline::fees_total] == 800);

    SECTION("start() resets the recorder for the next run") {
        recorder.start(s, RunInfo{});
        CHECK(!recorder.finished());
        o.resize(s);
        recorder.record(0, o);
        recorder.finish();
        CHECK(recorder[Headline::removals_total] == 0);
        CHECK(std::isnan(recorder[Headline::cost_per_removal]));
        CHECK(recorder[Headline::detention_peak] == 0);
    }
}

TEST_CASE("a single removal queue: removals, flight and detention cost in closed form",
          "[headline]") {
    // 50 arrive a day, 3 flights x 10 seats leave a day from day 2 on (test_simulation): by day
    // 30, 29 x 30 = 870 removed home on 87 flights of 1000 USD; the queue grows by 20 a day to
    // 580; detention costs 100 USD per person-day, sum over n = 2..30 of (n - 1) x 20 x 100.
    const HeadlineValues v = run_headline(queue_scenario(50, 10, 21, 30));
    CHECK(metric(v, Headline::removals_total) == Approx(870.0));
    CHECK(metric(v, Headline::removals_home) == Approx(870.0));
    CHECK(metric(v, Headline::transfers_third_country) == 0.0);
    CHECK(metric(v, Headline::flight_cost_total) == Approx(87000.0));
    CHECK(metric(v, Headline::cost_per_removal) == Approx(100.0));
    CHECK(metric(v, Headline::detention_peak) == Approx(580.0));
    CHECK(metric(v, Headline::detention_cost_total) == Approx(2000.0 * 29 * 30 / 2));
    CHECK(metric(v, Headline::departures_total) == Approx(1500.0));
    CHECK(metric(v, Headline::deaths_total) == 0.0);
    CHECK(metric(v, Headline::imprisoned_abroad_end) == 0.0);
    CHECK(metric(v, Headline::fees_total) == 0.0);
}

TEST_CASE("a third-country prison: transfers, imprisonment and fees in closed form", "[headline]") {
    // The origin refuses returns: every removal goes to the 120-place prison, which fills on
    // day 4 (50, 100, 120); fees of 50 USD per person-day on 50, 100, then 120 held (days 2..10).
    const HeadlineValues v = run_headline(third_country_scenario(50, 10, 70, 10, 120));
    CHECK(metric(v, Headline::transfers_third_country) == Approx(120.0));
    CHECK(metric(v, Headline::removals_total) == Approx(120.0));
    CHECK(metric(v, Headline::removals_home) == Approx(0.0).margin(1e-9));
    CHECK(metric(v, Headline::imprisoned_abroad_end) == Approx(120.0));
    CHECK(metric(v, Headline::fees_total) == Approx(50.0 * (50 + 100 + 7 * 120)));
    CHECK(metric(v, Headline::detention_peak) == Approx(9 * 50.0 - 120.0));
}

TEST_CASE("without flight programmes the cost per removal is undefined", "[headline]") {
    Scenario s = queue_scenario(50, 10, 21, 5);
    s.programmes.clear();
    const HeadlineValues v = run_headline(s);
    CHECK(metric(v, Headline::removals_total) == 0.0);
    CHECK(std::isnan(metric(v, Headline::cost_per_removal)));
}

TEST_CASE("a stochastic run gives whole persons in every person metric", "[headline]") {
    const HeadlineValues v =
        run_headline(third_country_scenario(50, 10, 70, 20, 120), Mode::stochastic);
    for (const Headline h :
         {Headline::imprisoned_abroad_end, Headline::removals_total, Headline::detention_peak,
          Headline::departures_total, Headline::transfers_third_country}) {
        INFO(headline_metric(h).name);
        CHECK(metric(v, h) == std::round(metric(v, h)));
    }
    CHECK(metric(v, Headline::departures_total) > 0);
}
