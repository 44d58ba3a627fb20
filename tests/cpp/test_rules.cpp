// The removal and agreement rules of the engine, each on a small scenario, in the three modes
// (tests/support/every_mode.hpp explains the two kinds of check): return caps, shelters with
// onward flights, refusals, own nationals, exemptions and the maximum period, the policy
// timeline, re-migration delay, Erlang dwell times, deterrence, prison releases, interdiction,
// route weights and deaths, budgets, seats, quotas, facility places, windows, detention and
// agreement priorities, the order of programmes, fees and facility costs.
//
// Exact checks hold in every mode: whatever the draws, a capacity, quota, seat count, budget,
// cap or window gives the same whole number, and identities between the outputs of one run hold.
// The expected mode's real numbers are checked exactly in expected mode; in the stochastic and
// agents modes the same quantities are tested against them on average, over seeds 1..100 (or a
// pooled sample of persons), each check at alpha = 1e-4 (Student's t or chi-square): for a
// correct engine each such check fails with probability 1e-4 over a random choice of seeds, and
// the fixed seeds make the outcome the same on every run.
#include "every_mode.hpp"
#include "run_collector.hpp"
#include "small_scenarios.hpp"
#include "stats.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <vector>

using namespace deportsim;
using deportsim::testing::check_means_agree;
using deportsim::testing::Collector;
using deportsim::testing::every_mode;
using deportsim::testing::flow;
using deportsim::testing::flow_over;
using deportsim::testing::flow_total;
using deportsim::testing::queue_scenario;
using deportsim::testing::random_modes;
using deportsim::testing::replicate;
using deportsim::testing::Replicates;
using deportsim::testing::run_mode;
using deportsim::testing::RunStatistic;
using deportsim::testing::stock;
using deportsim::testing::third_country_scenario;

namespace {

constexpr int ORG = 0, DST = 1, TCR = 2;

// Significance of every statistical check of this file (see the top comment), and the seeds
// per mode for a test of a mean.
constexpr double alpha = deportsim::testing::default_alpha;
constexpr int seeds = deportsim::testing::default_seeds;

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

ShelterOutcomes four_outcomes() {
    ShelterOutcomes outcomes;
    outcomes.onward_return_per_day = 0.04;
    outcomes.asylum_per_day = 0.03;
    outcomes.permit_per_day = 0.02;
    outcomes.abscond_per_day = 0.01;
    return outcomes;
}

// Persons of one group in a country and status.
double group_stock(const deportsim::StepOutputs& o, int country, Status status, int group) {
    return o.stocks(stock_row(country, status), group);
}

// A flow of one group in a country, summed over every step of the run.
double group_flow_total(const Collector& c, Flow f, int country, int group) {
    double total = 0;
    for (std::size_t n = 1; n < c.steps.size(); ++n) {
        total += c.steps[n].flows[static_cast<int>(f)](country, group);
    }
    return total;
}

// The queue with `persons` detainees at the start (all removable on step 1) and no inflow, so
// that demand is the same in every mode.
Scenario queue_of_detainees(double persons, double seats, double flights_per_week, int days) {
    Scenario s = queue_scenario(0, seats, flights_per_week, days);
    s.initial = {{DST, Status::detained, 0, persons}};
    return s;
}

} // namespace

TEST_CASE("Student's t p-values", "[rules][statistics]") {
    // Two-sided critical values of Student's t at 5% and 1% (tables), and the normal limit.
    CHECK(stats::student_t_two_sided_p_value(2.228138852, 10) == Approx(0.05).epsilon(1e-8));
    CHECK(stats::student_t_two_sided_p_value(-3.169272673, 10) == Approx(0.01).epsilon(1e-8));
    CHECK(stats::student_t_two_sided_p_value(1.0, 1) == Approx(0.5).epsilon(1e-12)); // Cauchy
    CHECK(stats::student_t_two_sided_p_value(1.959963985, 1e7) == Approx(0.05).epsilon(1e-6));
    CHECK(stats::student_t_two_sided_p_value(0.0, 5) == 1.0);
}

TEST_CASE("a monthly return cap limits returns home, and the rest wait", "[rules]") {
    Scenario s = queue_scenario(50, 10, 70, 40);
    s.returns[ORG].policy = ReturnPolicy::cap;
    s.returns[ORG].monthly_cap = 120;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    // 100 seats a day and 50 arrivals a day: demand exceeds the cap in every mode.
    CHECK(flow_over(c, Flow::returns_received, ORG, 1, 31) == Approx(120.0));
    // February: 100 seats on the 1st, the other 20 of the cap on the 2nd, then none.
    CHECK(flow(c.steps[32], Flow::returns_received, ORG) == Approx(100.0));
    CHECK(flow(c.steps[33], Flow::returns_received, ORG) == Approx(20.0));
    CHECK(flow(c.steps[34], Flow::returns_received, ORG) == 0.0);
    // Nobody goes elsewhere: without an agreement the others stay detained.
    const double arrived = flow_over(c, Flow::arrivals, DST, 1, 31);
    CHECK(stock(c.steps[31], DST, Status::detained) == Approx(arrived - 120.0));
    CHECK(stock(c.steps[31], ORG, Status::returned) == Approx(120.0));
    if (mode == Mode::expected) {
        CHECK(arrived == Approx(30 * 50.0));
    }
}

namespace {

// Two profiles; only profile 0 is eligible for the agreement. The origin refuses returns.
Scenario refusal_scenario() {
    Scenario s = third_country_scenario(50, 10, 70, 10, 1e9);
    s.profiles = {"violent_record", "no_record"};
    s.groups = {{"ORG/violent_record", ORG, 0}, {"ORG/no_record", ORG, 1}};
    s.departures = {{0, ORG, DST, 20, std::nullopt}, {1, ORG, DST, 30, std::nullopt}};
    for (auto& e : s.enforcement) {
        e.interdiction_per_day = {0, 0};
        e.priority = {1, 1};
    }
    s.remigration.per_day = {0, 0};
    return s;
}

} // namespace

TEST_CASE("a refusal sends exactly the eligible people to the agreement", "[rules]") {
    const Scenario s = refusal_scenario();
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    const auto& last = c.steps.back();
    // 100 seats a day for about 20 eligible arrivals: every eligible person goes, no one else.
    CHECK(group_stock(last, TCR, Status::imprisoned, 0) ==
          Approx(group_flow_total(c, Flow::arrivals, DST, 0)));
    CHECK(group_stock(last, TCR, Status::imprisoned, 1) == 0.0);
    CHECK(group_stock(last, DST, Status::detained, 0) == 0.0);
    CHECK(group_stock(last, DST, Status::detained, 1) ==
          Approx(group_flow_total(c, Flow::arrivals, DST, 1)));
    CHECK(stock(last, ORG, Status::returned) == 0.0);
    if (mode == Mode::expected) {
        CHECK(group_stock(last, TCR, Status::imprisoned, 0) == Approx(9 * 20.0));
        CHECK(group_stock(last, DST, Status::detained, 1) == Approx(9 * 30.0));
    }
}

TEST_CASE("a refusal: the numbers imprisoned and detained agree with the expected mode on "
          "average",
          "[rules][statistics]") {
    check_means_agree(
        refusal_scenario(),
        {[](const Collector& c) { return group_stock(c.steps.back(), TCR, Status::imprisoned, 0); },
         [](const Collector& c) { return group_stock(c.steps.back(), DST, Status::detained, 1); }},
        {"imprisoned violent_record", "detained no_record"});
}

TEST_CASE("sheltered people leave by onward flights, asylum, permits and absconding in the "
          "ratio of their rates",
          "[rules]") {
    const Scenario s = shelter_scenario(four_outcomes(), 1000);
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    // In every mode: whoever is ready takes a seat home, on flights of 1000 seats.
    for (std::size_t n = 1; n < c.steps.size(); ++n) {
        INFO("step " << n);
        const auto& o = c.steps[n];
        const double onward = flow(o, Flow::onward_returns, TCR);
        CHECK(o.removals_by_destination(TCR, ORG) == Approx(onward));
        CHECK(o.programme_passengers[1] == Approx(onward));
        CHECK(flow(o, Flow::returns_received, ORG) == Approx(onward));
        // Flights flown: the expected number in expected mode, whole flights otherwise.
        const double flights = mode == Mode::expected ? onward / 1000 : std::ceil(onward / 1000);
        CHECK(o.programme_flights[1] == Approx(flights));
    }
    if (mode == Mode::expected) {
        // Step 2: 50 sheltered on arrival; from step 3 on each step's exits split 4:3:2:1.
        CHECK(stock(c.steps[2], TCR, Status::sheltered) == Approx(50.0 * std::exp(-0.1)));
        const auto& o = c.steps[10];
        const double onward = flow(o, Flow::onward_returns, TCR);
        CHECK(flow(o, Flow::settlements, TCR) == Approx(onward * 3 / 4));
        CHECK(flow(o, Flow::permit_releases, TCR) == Approx(onward * 2 / 4));
        CHECK(flow(o, Flow::absconded, TCR) == Approx(onward * 1 / 4));
        // Whoever is sheltered at step n had probability exp(-0.1) per step to stay.
        double sheltered = 0;
        for (int n = 2; n <= 20; ++n) {
            sheltered = sheltered * std::exp(-0.1) + 50.0 * std::exp(-0.1);
            INFO("step " << n);
            CHECK(stock(c.steps[n], TCR, Status::sheltered) == Approx(sheltered));
        }
    }
}

TEST_CASE("sheltered people: the split of exits is 4:3:2:1 and the stock agrees with the "
          "expected mode on average",
          "[rules][statistics]") {
    const Scenario s = shelter_scenario(four_outcomes(), 1000);
    // Every person leaving the shelter leaves by one of the four outcomes with probabilities
    // 0.4, 0.3, 0.2, 0.1 independently of the others, so given the number of exits the counts
    // are multinomial: chi-square with 3 degrees of freedom over the exits of 20 runs (about
    // 7,000), alpha = 1e-4.
    for (const Mode mode : random_modes) {
        CAPTURE(mode);
        std::vector<double> exits(4, 0.0);
        for (std::uint64_t seed = 1; seed <= 20; ++seed) {
            const Collector c = run_mode(s, mode, seed);
            exits[0] += flow_total(c, Flow::onward_returns, TCR);
            exits[1] += flow_total(c, Flow::settlements, TCR);
            exits[2] += flow_total(c, Flow::permit_releases, TCR);
            exits[3] += flow_total(c, Flow::absconded, TCR);
        }
        const double total = exits[0] + exits[1] + exits[2] + exits[3];
        const std::vector<double> expected = {0.4 * total, 0.3 * total, 0.2 * total, 0.1 * total};
        const auto result = stats::chi_square_test(exits, expected);
        INFO("exits " << exits[0] << " " << exits[1] << " " << exits[2] << " " << exits[3]
                      << ", chi-square " << result.statistic << ", p = " << result.p_value);
        CHECK(total > 5000);
        CHECK(result.p_value > alpha);
    }
    check_means_agree(
        s,
        {[](const Collector& c) { return stock(c.steps[2], TCR, Status::sheltered); },
         [](const Collector& c) { return stock(c.steps[10], TCR, Status::sheltered); },
         [](const Collector& c) { return stock(c.steps[20], TCR, Status::sheltered); },
         [](const Collector& c) { return flow_total(c, Flow::onward_returns, TCR); }},
        {"sheltered at step 2", "sheltered at step 10", "sheltered at step 20", "onward returns"});
}

TEST_CASE("without seats on the receiver's flights, sheltered people ready to go home wait",
          "[rules]") {
    ShelterOutcomes outcomes;
    outcomes.onward_return_per_day = 0.5;
    Scenario s = shelter_scenario(outcomes, 1000);
    s.programmes[1].flights_per_week = 0;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(flow_total(c, Flow::onward_returns, TCR) == 0.0);
    CHECK(stock(c.steps.back(), TCR, Status::sheltered) ==
          Approx(flow_total(c, Flow::transfers_received, TCR)));
    if (mode == Mode::expected) {
        CHECK(stock(c.steps.back(), TCR, Status::sheltered) == Approx(19 * 50.0));
    }
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
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector switched_off = run_mode(s, mode);
    CHECK(stock(switched_off.steps.back(), DST, Status::detained) == Approx(40.0));
    CHECK(stock(switched_off.steps.back(), TCR, Status::imprisoned) == 0.0);
    s.agreements[0].profiles = {0, 1};
    const Collector switched_on = run_mode(s, mode);
    CHECK(stock(switched_on.steps.back(), TCR, Status::imprisoned) == Approx(40.0));
    CHECK(stock(switched_on.steps.back(), DST, Status::returned) == 0.0);
}

TEST_CASE("a profile exempt from maximum detention is never released for time held", "[rules]") {
    Scenario s = queue_scenario(50, 10, 0, 30);
    s.enforcement[DST].max_detention_days = 10;
    s.enforcement[DST].max_detention_exempt = {1};
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(flow_total(c, Flow::max_detention_releases, DST) == 0.0);
    CHECK(stock(c.steps.back(), DST, Status::detained) ==
          Approx(flow_total(c, Flow::arrivals, DST)));
    if (mode == Mode::expected) {
        CHECK(stock(c.steps.back(), DST, Status::detained) == Approx(29 * 50.0));
    }
    // The same scenario without the exemption releases people in every mode.
    s.enforcement[DST].max_detention_exempt = {0};
    const Collector unexempt = run_mode(s, mode);
    CHECK(flow_total(unexempt, Flow::max_detention_releases, DST) > 0.0);
}

TEST_CASE("a policy change takes effect on its date", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 20);
    auto grounded = std::make_shared<Scenario>(s);
    grounded->programmes[0].flights_per_week = 0;
    s.timeline.push_back({Date{s.start.days + 10}, "flights grounded", grounded});
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(c.steps[10].programme_flights[0] == Approx(3.0)); // day 10 (start + 9)
    CHECK(c.steps[10].programme_passengers[0] == Approx(30.0));
    CHECK(c.steps[11].programme_flights[0] == 0.0); // from start + 10 on
    CHECK(flow_over(c, Flow::removals, DST, 11, 20) == 0.0);
}

TEST_CASE("returned people leave again only after the minimum delay", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 12);
    s.remigration.per_day = {1e9}; // everyone who may leave, leaves
    s.remigration.min_delay_days = 5;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    // Everyone returned on step n leaves on step n + 5, in every mode.
    for (int n = 1; n <= 12; ++n) {
        INFO("step " << n);
        const double due = n > 5 ? flow(c.steps[n - 5], Flow::returns_received, ORG) : 0.0;
        CHECK(flow(c.steps[n], Flow::remigrations, ORG) == Approx(due));
    }
    CHECK(stock(c.steps[7], ORG, Status::returned) ==
          Approx(flow_over(c, Flow::returns_received, ORG, 3, 7)));
    if (mode == Mode::expected) {
        CHECK(flow(c.steps[7], Flow::remigrations, ORG) == Approx(30.0)); // returned on step 2
        CHECK(stock(c.steps[7], ORG, Status::returned) == Approx(5 * 30.0));
    }
}

namespace {

// A pulse of `persons` detainees with processing_stages = 3 and mean 9 days, removed as soon as
// they are removable: the removals per step are the dwell distribution.
Scenario erlang_scenario(double persons) {
    Scenario s = queue_scenario(0, persons, 7, 300);
    s.enforcement[DST].processing_mean_days = 9;
    s.enforcement[DST].processing_stages = 3;
    s.enforcement[DST].max_detention_days = 10000;
    s.initial = {{DST, Status::detained, 0, persons}};
    return s;
}

} // namespace

TEST_CASE("an Erlang-k dwell has the mean and variance of k geometric stages", "[rules]") {
    // With one stage per step at most, the dwell in steps is a sum of 3 geometric(p),
    // p = 1 - exp(-3/9): mean 3/p and variance 3(1-p)/p^2; both approach the Erlang values 9 and
    // 27 as dt -> 0.
    const Scenario s = erlang_scenario(1000);
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
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
    CHECK(total == Approx(1000.0));                      // everyone, in every mode
    CHECK(flow(c.steps[1], Flow::removals, DST) == 0.0); // three stages take three steps at least
    CHECK(flow(c.steps[2], Flow::removals, DST) == 0.0);
    if (mode == Mode::expected) {
        CHECK(mean == Approx(3 / p).epsilon(1e-9));
        CHECK(variance == Approx(3 * (1 - p) / (p * p)).epsilon(1e-7));
        CHECK(mean == Approx(9.0).margin(1.6)); // Euler steps add about k * dt / 2
    }
}

TEST_CASE("an Erlang-k dwell: the removals per step follow the expected mode's distribution",
          "[rules][statistics]") {
    // 20,000 persons, each with an independent dwell; the expected mode's removals per step are
    // 20,000 times its probabilities. Chi-square over the steps (pooled to at least 5 expected),
    // alpha = 1e-4.
    constexpr double persons = 20000;
    const Scenario s = erlang_scenario(persons);
    const Collector expected = run_mode(s, Mode::expected);
    std::vector<double> expected_removals;
    for (std::size_t n = 1; n < expected.steps.size(); ++n) {
        expected_removals.push_back(flow(expected.steps[n], Flow::removals, DST));
    }
    for (const Mode mode : random_modes) {
        CAPTURE(mode);
        const Collector c = run_mode(s, mode, 7);
        std::vector<double> removals;
        for (std::size_t n = 1; n < c.steps.size(); ++n) {
            removals.push_back(flow(c.steps[n], Flow::removals, DST));
        }
        const auto result = stats::chi_square_test(removals, expected_removals);
        INFO("chi-square " << result.statistic << " on " << result.degrees_of_freedom
                           << " degrees of freedom, p = " << result.p_value);
        CHECK(result.p_value > alpha);
    }
}

TEST_CASE("a dated multiplier series scales departures", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 10);
    DatedSeries series;
    series.dates = {Date{s.start.days + 4}};
    series.values = {0.5};
    s.deterrence.kind = DeterrenceKind::series;
    s.deterrence.multiplier = series;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(c.steps[4].deterrence_factor == 1.0);
    CHECK(c.steps[5].deterrence_factor == 0.5);
    if (mode == Mode::expected) {
        CHECK(flow(c.steps[4], Flow::departures, ORG) == Approx(50.0));
        CHECK(flow(c.steps[5], Flow::departures, ORG) == Approx(25.0));
    } else {
        // Departures are Poisson: the mean over seeds is tested in the next case.
        CHECK(flow(c.steps[5], Flow::departures, ORG) ==
              std::round(flow(c.steps[5], Flow::departures, ORG)));
    }
}

TEST_CASE("a dated multiplier series: departures agree with the expected mode on average",
          "[rules][statistics]") {
    Scenario s = queue_scenario(50, 10, 21, 10);
    DatedSeries series;
    series.dates = {Date{s.start.days + 4}};
    series.values = {0.5};
    s.deterrence.kind = DeterrenceKind::series;
    s.deterrence.multiplier = series;
    check_means_agree(
        s,
        {[](const Collector& c) { return flow_over(c, Flow::departures, ORG, 1, 4); },
         [](const Collector& c) { return flow_over(c, Flow::departures, ORG, 5, 10); }},
        {"departures before the date", "departures from the date on"});
}

namespace {

Scenario signal_scenario() {
    Scenario s = queue_scenario(50, 10, 21, 30);
    s.deterrence.kind = DeterrenceKind::signal;
    s.deterrence.window_days = 5;
    s.deterrence.elasticity = 0.5;
    s.deterrence.reference = 1;
    return s;
}

} // namespace

TEST_CASE("the deterrence signal lowers departures as removals per arrival rise", "[rules]") {
    const Scenario s = signal_scenario();
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    // Steps 2..6: 30 removals a step (the seats) and the arrivals; the window is full at step 7.
    // The factor follows the run's own removals and arrivals in every mode.
    CHECK(c.steps[2].deterrence_factor == 1.0);
    const double removals = flow_over(c, Flow::removals, DST, 2, 6);
    const double arrivals = flow_over(c, Flow::arrivals, DST, 2, 6);
    CHECK(removals <= 5 * 30.0); // the seats; all of them unless a step's queue was shorter
    const double factor = std::pow(1 + removals / arrivals, -0.5);
    CHECK(c.steps[7].deterrence_factor == Approx(factor));
    if (mode == Mode::expected) {
        CHECK(removals == Approx(5 * 30.0));
        CHECK(flow(c.steps[7], Flow::departures, ORG) == Approx(50 * factor));
    }
}

TEST_CASE("the deterrence signal: departures per unit of the factor agree with the expected "
          "mode on average",
          "[rules][statistics]") {
    check_means_agree(signal_scenario(),
                      {[](const Collector& c) {
                           return flow(c.steps[7], Flow::departures, ORG) /
                                  c.steps[7].deterrence_factor;
                       },
                       [](const Collector& c) { return c.steps[12].deterrence_factor; }},
                      {"departures / factor at step 7", "factor at step 12"});
}

TEST_CASE("the rules hold their invariants in the stochastic and agents modes", "[rules]") {
    Scenario s = shelter_scenario(four_outcomes(), 7);
    s.returns[ORG].policy = ReturnPolicy::cap;
    s.returns[ORG].monthly_cap = 300;
    s.remigration.per_day = {0.05};
    s.remigration.min_delay_days = 3;
    s.enforcement[DST].processing_stages = 2;
    s.enforcement[DST].processing_mean_days = 4;
    for (const Mode mode : random_modes) {
        CAPTURE(mode);
        for (std::uint64_t seed = 1; seed <= 5; ++seed) {
            REQUIRE_NOTHROW(run_mode(s, mode, seed));
        }
    }
}

TEST_CASE("people released from a prison go home only if their country accepts returns",
          "[rules]") {
    Scenario s = third_country_scenario(50, 10, 70, 10, 1e9);
    s.agreements[0].release_per_day = 0.1;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector refused = run_mode(s, mode);
    const auto& r = refused.steps.back();
    const double released = flow_total(refused, Flow::prison_releases, TCR);
    CHECK(released > 0.0);
    CHECK(stock(r, ORG, Status::returned) == 0.0);
    CHECK(stock(r, TCR, Status::at_large) == Approx(released));

    s.returns[ORG].policy = ReturnPolicy::accept;
    s.agreements[0].preferred_profiles = {0};
    const Collector accepted = run_mode(s, mode);
    const auto& a = accepted.steps.back();
    const double went_home = flow_total(accepted, Flow::prison_releases, TCR);
    CHECK(went_home > 0.0);
    CHECK(stock(a, TCR, Status::at_large) == 0.0);
    CHECK(stock(a, ORG, Status::returned) == Approx(went_home));
    if (mode == Mode::expected) {
        CHECK(went_home == Approx(released));
        CHECK(flow(r, Flow::prison_releases, TCR) > 0.0);
    }
}

TEST_CASE("prison releases agree with the expected mode on average", "[rules][statistics]") {
    Scenario s = third_country_scenario(50, 10, 70, 10, 1e9);
    s.agreements[0].release_per_day = 0.1;
    check_means_agree(
        s,
        {[](const Collector& c) { return flow_total(c, Flow::prison_releases, TCR); },
         [](const Collector& c) { return stock(c.steps.back(), TCR, Status::imprisoned); }},
        {"prison releases", "imprisoned at the end"});
}

TEST_CASE("a country does not interdict its own nationals in transit", "[rules]") {
    Scenario s = queue_scenario(50, 10, 21, 10);
    s.routes[0].days = 3;
    s.enforcement[ORG].interdiction_per_day = {0.5};
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(flow_total(c, Flow::interdictions, ORG) == 0.0);
    CHECK(flow_total(c, Flow::arrivals, DST) > 0.0);
    // Foreigners on the same route are interdicted: the rule is about nationality.
    s.countries.push_back({"THR", "Third nationality", false});
    Enforcement none;
    none.interdiction_per_day = {0.0};
    none.priority = {1.0};
    s.enforcement.push_back(none);
    s.returns.push_back(ReturnAcceptance{});
    s.groups = {{"THR/no_record", 2, 0}};
    const Collector foreigners = run_mode(s, mode);
    CHECK(flow_total(foreigners, Flow::interdictions, ORG) > 0.0);
}

namespace {

// Two routes from ORG to DST, direct and through TCR, equally weighted until the direct route
// is favoured 3:1 from start + 5.
Scenario reweighted_routes_scenario() {
    Scenario s = third_country_scenario(50, 10, 70, 12, 1e9);
    s.routes.push_back({"ORG->TCR", ORG, TCR, 1.0, 0.0, 1.0});
    s.routes.push_back({"TCR->DST", TCR, DST, 1.0, 0.0, 1.0});
    auto reweighted = std::make_shared<Scenario>(s);
    reweighted->routes[0].weight = 3.0; // the direct route ORG->DST
    s.timeline.push_back({Date{s.start.days + 5}, "direct route favoured", reweighted});
    return s;
}

double in_transit_via_tcr_at_5(const Collector& c) {
    return stock(c.steps[5], TCR, Status::in_transit);
}

double in_transit_via_tcr_at_7(const Collector& c) {
    return stock(c.steps[7], TCR, Status::in_transit);
}

} // namespace

TEST_CASE("a policy change of route weights redirects travellers from its date", "[rules]") {
    const Scenario s = reweighted_routes_scenario();
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    // People leaving ORG on step n are on ORG->TCR (counted in ORG) and reach TCR on n + 1.
    if (mode == Mode::expected) {
        CHECK(in_transit_via_tcr_at_5(c) == Approx(25.0));
        CHECK(in_transit_via_tcr_at_7(c) == Approx(12.5));
    }
    // In every mode, those who left through TCR arrive at DST one step later than the others.
    CHECK(flow(c.steps[1], Flow::arrivals, DST) == 0.0);
}

TEST_CASE("route weights: the choice agrees with the expected mode on average, and a wrong value "
          "is rejected",
          "[rules][statistics]") {
    const Scenario s = reweighted_routes_scenario();
    check_means_agree(s, {in_transit_via_tcr_at_5, in_transit_via_tcr_at_7},
                      {"via TCR at step 5", "via TCR at step 7"});
    // The test of a mean detects a route choice of 3:1 taken as 2:1 (12.5 vs 16.7 persons).
    const Replicates r = replicate(s, Mode::stochastic, seeds, in_transit_via_tcr_at_7);
    INFO(r.describe(50.0 / 3));
    CHECK(r.p_value(50.0 / 3) < alpha);
}

// --- capacities: the same whole numbers in every mode --------------------------------------------

TEST_CASE("a flight budget pays for floor(budget / cost) flights, then the programme stops",
          "[rules]") {
    // 1000 detainees, 10 flights a day of 10 seats, 1000 a flight, a budget of 5500.
    Scenario s = queue_of_detainees(1000, 10, 70, 5);
    s.programmes[0].budget = 5500;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(c.steps[1].programme_flights[0] == Approx(5.0));
    CHECK(flow(c.steps[1], Flow::removals, DST) == Approx(50.0));
    CHECK(flow_over(c, Flow::removals, DST, 2, 5) == 0.0);
    CHECK(c.steps.back().programme_budget_left[0] == Approx(500.0));
    CHECK(stock(c.steps.back(), DST, Status::detained) == Approx(950.0));
}

TEST_CASE("seats bind: each step removes the seats of the flights scheduled", "[rules]") {
    // 2.5 flights a week of 40 seats: floor(n * 2.5 / 7) flights by step n.
    Scenario s = queue_of_detainees(1000, 40, 2.5, 15);
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    for (int n = 1; n <= 15; ++n) {
        INFO("step " << n);
        const double flights = std::floor(n * 2.5 / 7) - std::floor((n - 1) * 2.5 / 7);
        CHECK(c.steps[n].programme_flights[0] == Approx(flights));
        CHECK(flow(c.steps[n], Flow::removals, DST) == Approx(40 * flights));
    }
    CHECK(flow_total(c, Flow::returns_received, ORG) == Approx(200.0)); // 5 flights
}

TEST_CASE("an agreement's monthly and total quotas bind in every mode", "[rules]") {
    // 1000 removable detainees; the origin refuses, so the agreement is the only way out.
    Scenario s = third_country_scenario(0, 100, 70, 45, 1e9);
    s.initial = {{DST, Status::detained, 0, 1000}};
    s.agreements[0].monthly_quota = 70;
    s.agreements[0].total_quota = 100;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(flow(c.steps[1], Flow::transfers_received, TCR) == Approx(70.0));
    CHECK(flow_over(c, Flow::transfers_received, TCR, 2, 31) == 0.0);
    CHECK(flow(c.steps[32], Flow::transfers_received, TCR) == Approx(30.0)); // February 1st
    CHECK(flow_over(c, Flow::transfers_received, TCR, 33, 45) == 0.0);
    CHECK(c.steps.back().agreement_quota_used[0] == Approx(100.0));
    CHECK(stock(c.steps.back(), DST, Status::detained) == Approx(900.0));
}

TEST_CASE("a prison's places bind: no more are sent than it can hold", "[rules]") {
    Scenario s = third_country_scenario(0, 100, 70, 10, 60);
    s.initial = {{DST, Status::detained, 0, 1000}};
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(flow(c.steps[1], Flow::transfers_received, TCR) == Approx(60.0));
    CHECK(flow_total(c, Flow::transfers_received, TCR) == Approx(60.0));
    CHECK(c.steps.back().facility_occupancy[1] == Approx(60.0));
    CHECK(stock(c.steps.back(), DST, Status::detained) == Approx(940.0));
}

namespace {

// Two groups arriving at DST with 300 beds, no flights: on the first day of arrivals the beds
// fill, the rest are released at large.
Scenario two_priorities_scenario(double high_priority) {
    Scenario s = queue_scenario(100, 10, 0, 4, 300);
    s.profiles = {"no_record", "violent_record"};
    s.groups = {{"ORG/no_record", ORG, 0}, {"ORG/violent_record", ORG, 1}};
    s.departures = {{0, ORG, DST, 400, std::nullopt}, {1, ORG, DST, 100, std::nullopt}};
    for (auto& e : s.enforcement) {
        e.interdiction_per_day = {0, 0};
        e.priority = {1, high_priority};
    }
    s.remigration.per_day = {0, 0};
    return s;
}

} // namespace

TEST_CASE("detention beds go to higher priority first", "[rules]") {
    const Scenario s = two_priorities_scenario(5);
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    // The first step with arrivals: about 100 violent_record and 400 no_record for 300 beds.
    int first = 1;
    while (flow(c.steps[first], Flow::arrivals, DST) == 0.0) {
        ++first;
    }
    const auto& o = c.steps[first];
    const double high = o.flows[static_cast<int>(Flow::arrivals)](DST, 1);
    CHECK(o.flows[static_cast<int>(Flow::detention_intake)](DST, 1) == Approx(high));
    CHECK(o.flows[static_cast<int>(Flow::overflow_releases)](DST, 1) == 0.0);
    CHECK(o.flows[static_cast<int>(Flow::detention_intake)](DST, 0) == Approx(300.0 - high));
    CHECK(stock(o, DST, Status::detained) == Approx(300.0));
    // Later arrivals find every bed taken.
    CHECK(flow_over(c, Flow::detention_intake, DST, first + 1, 4) == 0.0);
}

TEST_CASE("within a priority class beds are shared in proportion, on average in every mode",
          "[rules][statistics]") {
    // Equal priorities: 100 and 400 a day for 300 beds. In expected mode the beds are shared
    // 60:240; in the other modes by a hypergeometric draw whose mean given the arrivals is the
    // same proportion of 300, and with Poisson arrivals E[300 A / (A + B)] = 300 x 100 / 500.
    const Scenario s = two_priorities_scenario(1);
    const auto admitted = [](int group) {
        return [group](const Collector& c) {
            return c.steps.back().stocks(stock_row(DST, Status::detained), group);
        };
    };
    check_means_agree(s, {admitted(0), admitted(1)}, {"no_record admitted", "violent_record"});
    const Collector expected = run_mode(s, Mode::expected);
    CHECK(admitted(1)(expected) == Approx(60.0));
}

TEST_CASE("detainees who cannot be removed are released after exactly the maximum period",
          "[rules]") {
    // No flights; released after 10 days held: the intake of step n leaves on step n + 10.
    Scenario s = queue_scenario(50, 10, 0, 30);
    s.enforcement[DST].max_detention_days = 10;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    for (int n = 1; n <= 30; ++n) {
        INFO("step " << n);
        const double due = n > 10 ? flow(c.steps[n - 10], Flow::detention_intake, DST) : 0.0;
        CHECK(flow(c.steps[n], Flow::max_detention_releases, DST) == Approx(due));
    }
    CHECK(flow_total(c, Flow::max_detention_releases, DST) > 0.0);
}

TEST_CASE("sheltered people ready to go home take the seats left, and the others wait", "[rules]") {
    // Everyone sheltered is ready every step (rate 1e9) and one flight of 7 seats a day flies.
    ShelterOutcomes outcomes;
    outcomes.onward_return_per_day = 1e9;
    const Scenario s = shelter_scenario(outcomes, 7);
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    int first = 1; // the first step with people sheltered under the agreement
    while (flow(c.steps[first], Flow::transfers_received, TCR) == 0.0) {
        ++first;
    }
    for (std::size_t n = first; n < c.steps.size(); ++n) {
        INFO("step " << n);
        CHECK(flow(c.steps[n], Flow::onward_returns, TCR) == Approx(7.0));
        CHECK(c.steps[n].programme_flights[1] == Approx(1.0));
    }
    CHECK(stock(c.steps.back(), TCR, Status::sheltered) ==
          Approx(flow_total(c, Flow::transfers_received, TCR) -
                 flow_total(c, Flow::onward_returns, TCR)));
}

TEST_CASE("people released from a prison go home within their country's return cap", "[rules]") {
    // Everyone goes to the prison (preferred); releases at 0.1 a day from about 50 a day
    // imprisoned; the origin takes back 5 a month, the others are released in TCR.
    Scenario s = third_country_scenario(50, 10, 70, 20, 1e9);
    s.agreements[0].release_per_day = 0.1;
    s.agreements[0].preferred_profiles = {0};
    s.returns[ORG].policy = ReturnPolicy::cap;
    s.returns[ORG].monthly_cap = 5;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    const double released = flow_total(c, Flow::prison_releases, TCR);
    CHECK(released > 5.0);
    CHECK(flow_total(c, Flow::returns_received, ORG) == Approx(5.0));
    CHECK(stock(c.steps.back(), ORG, Status::returned) == Approx(5.0));
    CHECK(stock(c.steps.back(), TCR, Status::at_large) == Approx(released - 5.0));
}

namespace {

// 10,000 people at large in DST, two profiles of 5,000 with priorities 1 and 3, arrested at
// 0.01 a day until start + 10 and 0.03 a day from then on; arrests are held (no flights).
Scenario arrests_scenario() {
    Scenario s = queue_scenario(0, 10, 0, 20);
    s.profiles = {"no_record", "violent_record"};
    s.groups = {{"ORG/no_record", ORG, 0}, {"ORG/violent_record", ORG, 1}};
    s.departures.clear();
    for (auto& e : s.enforcement) {
        e.interdiction_per_day = {0, 0};
        e.priority = {1, 3};
    }
    s.enforcement[DST].arrest_per_day = 0.01;
    s.enforcement[DST].processing_mean_days = 1000;
    s.remigration.per_day = {0, 0};
    s.initial = {{DST, Status::at_large, 0, 5000}, {DST, Status::at_large, 1, 5000}};
    auto stepped_up = std::make_shared<Scenario>(s);
    stepped_up->enforcement[DST].arrest_per_day = 0.03;
    s.timeline.push_back({Date{s.start.days + 10}, "arrests stepped up", stepped_up});
    return s;
}

RunStatistic arrests_of(int group, int first, int last) {
    return [=](const Collector& c) {
        double total = 0;
        for (int n = first; n <= last; ++n) {
            total += c.steps[static_cast<std::size_t>(n)].flows[static_cast<int>(Flow::arrests)](
                DST, group);
        }
        return total;
    };
}

} // namespace

TEST_CASE("arrests by priority, before and after a policy change, agree with the expected mode "
          "on average",
          "[rules][statistics]") {
    check_means_agree(
        arrests_scenario(),
        {arrests_of(0, 1, 10), arrests_of(1, 1, 10), arrests_of(0, 11, 20), arrests_of(1, 11, 20)},
        {"no_record before", "violent_record before", "no_record after", "violent_record after"});
}

TEST_CASE("re-migration at a rate after the minimum delay agrees with the expected mode on "
          "average",
          "[rules][statistics]") {
    Scenario s = queue_scenario(50, 10, 21, 30);
    s.remigration.per_day = {0.2};
    s.remigration.min_delay_days = 3;
    check_means_agree(
        s,
        {[](const Collector& c) { return flow_over(c, Flow::remigrations, ORG, 1, 10); },
         [](const Collector& c) { return flow_over(c, Flow::remigrations, ORG, 11, 30); },
         [](const Collector& c) { return stock(c.steps.back(), ORG, Status::returned); }},
        {"re-migrations to step 10", "re-migrations from step 11", "returned at the end"});
}

TEST_CASE("deaths on a route agree with the expected mode on average", "[rules][statistics]") {
    Scenario s = queue_scenario(50, 10, 21, 20);
    s.routes[0].mortality = 0.05;
    s.routes[0].days = 3;
    check_means_agree(s,
                      {[](const Collector& c) { return flow_total(c, Flow::deaths, ORG); },
                       [](const Collector& c) { return flow_total(c, Flow::arrivals, DST); }},
                      {"deaths", "arrivals"});
}

TEST_CASE("re-migration under a deterrence signal agrees with the expected mode on average",
          "[rules][statistics]") {
    // The factor changes every step and multiplies the re-migration rate too.
    Scenario s = signal_scenario();
    s.remigration.per_day = {0.3};
    s.remigration.min_delay_days = 2;
    check_means_agree(
        s,
        {[](const Collector& c) { return flow_over(c, Flow::remigrations, ORG, 1, 15); },
         [](const Collector& c) { return flow_over(c, Flow::remigrations, ORG, 16, 30); },
         [](const Collector& c) { return c.steps.back().deterrence_factor; }},
        {"re-migrations to step 15", "re-migrations from step 16", "factor at the end"});
}

namespace {

// 2,000 detainees at the start, processed in 2 stages of mean 10 days in all, released after 8
// days held; flights with room for everyone removable.
Scenario stages_and_maximum_scenario() {
    Scenario s = queue_of_detainees(2000, 1000, 7, 20);
    s.enforcement[DST].processing_mean_days = 10;
    s.enforcement[DST].processing_stages = 2;
    s.enforcement[DST].max_detention_days = 8;
    return s;
}

} // namespace

TEST_CASE("initial detainees, spread over the ages, are released or removed in every mode",
          "[rules]") {
    const Scenario s = stages_and_maximum_scenario();
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(flow_total(c, Flow::removals, DST) + flow_total(c, Flow::max_detention_releases, DST) ==
          Approx(2000.0));
    CHECK(stock(c.steps.back(), DST, Status::detained) == 0.0);
    // Spread evenly over the ages 0..7 (up to the mean processing time, at most the maximum
    // period), whole persons in every mode: a step's age group is released after 8 days held,
    // those of age 7 on step 2 and the youngest on step 9.
    CHECK(flow(c.steps[1], Flow::max_detention_releases, DST) == 0.0);
    CHECK(flow(c.steps[2], Flow::max_detention_releases, DST) == Approx(250.0));
    CHECK(flow_over(c, Flow::max_detention_releases, DST, 10, 20) == 0.0);
}

TEST_CASE("initial detainees: removals and releases after the maximum period agree with the "
          "expected mode on average",
          "[rules][statistics]") {
    const auto releases_at = [](int n) {
        return
            [n](const Collector& c) { return flow(c.steps[n], Flow::max_detention_releases, DST); };
    };
    check_means_agree(stages_and_maximum_scenario(),
                      {[](const Collector& c) { return flow_total(c, Flow::removals, DST); },
                       [](const Collector& c) { return flow_over(c, Flow::removals, DST, 1, 3); },
                       releases_at(4), releases_at(6), releases_at(9)},
                      {"removals", "removals on steps 1..3", "released on step 4",
                       "released on step 6", "released on step 9"});
}

TEST_CASE("a policy change of the re-migration rate keeps the minimum delay", "[rules]") {
    // Nobody re-migrates until start + 7 (step 8); from then on everyone who may leave, leaves.
    Scenario s = queue_scenario(50, 10, 21, 16);
    s.remigration.per_day = {0.0};
    s.remigration.min_delay_days = 5;
    auto leaving = std::make_shared<Scenario>(s);
    leaving->remigration.per_day = {1e9};
    s.timeline.push_back({Date{s.start.days + 7}, "re-migration opens", leaving});
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(flow_over(c, Flow::remigrations, ORG, 1, 7) == 0.0);
    // Step 8: those returned on steps 1..3, back 5 steps or more; then each step's returns
    // 5 steps later.
    CHECK(flow(c.steps[8], Flow::remigrations, ORG) ==
          Approx(flow_over(c, Flow::returns_received, ORG, 1, 3)));
    for (int n = 9; n <= 16; ++n) {
        INFO("step " << n);
        CHECK(flow(c.steps[n], Flow::remigrations, ORG) ==
              Approx(flow(c.steps[n - 5], Flow::returns_received, ORG)));
    }
    CHECK(flow(c.steps[8], Flow::remigrations, ORG) > 0.0);
}

TEST_CASE("a policy change of shelter outcomes applies to everyone sheltered from its date",
          "[rules]") {
    // Nobody leaves the shelter until start + 7 (step 8); from then on everyone sheltered is
    // ready to go home at once, and the receiver's flights have room for them all.
    const Scenario base = shelter_scenario(ShelterOutcomes{}, 1000);
    Scenario s = base;
    auto ready = std::make_shared<Scenario>(base);
    ready->agreements[0].shelter.onward_return_per_day = 1e9;
    s.timeline.push_back({Date{s.start.days + 7}, "onward flights open", ready});
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(flow_over(c, Flow::onward_returns, TCR, 1, 7) == 0.0);
    CHECK(stock(c.steps[7], TCR, Status::sheltered) ==
          Approx(flow_over(c, Flow::transfers_received, TCR, 1, 7)));
    CHECK(stock(c.steps[7], TCR, Status::sheltered) > 0.0);
    for (int n = 8; n <= 20; ++n) {
        INFO("step " << n);
        CHECK(flow(c.steps[n], Flow::onward_returns, TCR) ==
              Approx(stock(c.steps[n - 1], TCR, Status::sheltered) +
                     flow(c.steps[n], Flow::transfers_received, TCR)));
        CHECK(stock(c.steps[n], TCR, Status::sheltered) == 0.0);
    }
}

// --- windows, orders and accounts -----------------------------------------------------------

TEST_CASE("an agreement and a flight programme act only inside their windows", "[rules]") {
    // The agreement is open [start + 5, start + 10); the programme flies [start + 3, start + 8).
    // Step n is the day start + n - 1.
    Scenario s = third_country_scenario(0, 100, 7, 15, 1e9);
    s.initial = {{DST, Status::detained, 0, 1000}};
    s.agreements[0].start = Date{s.start.days + 5};
    s.agreements[0].end = Date{s.start.days + 10};
    s.programmes[0].start = Date{s.start.days + 3};
    s.programmes[0].end = Date{s.start.days + 8};
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    for (int n = 1; n <= 15; ++n) {
        INFO("step " << n);
        const bool open = n >= 6 && n <= 8; // both windows
        CHECK(flow(c.steps[n], Flow::transfers_received, TCR) == Approx(open ? 100.0 : 0.0));
        CHECK(c.steps[n].programme_flights[0] == Approx(open ? 1.0 : 0.0));
    }
}

TEST_CASE("agreements are tried by priority: the next takes whom the first could not", "[rules]") {
    // Two prisons in TCR; the first agreement (priority 0) takes 30 a month, the second
    // (priority 1) the rest of the 100 seats.
    Scenario s = third_country_scenario(0, 100, 7, 3, 1e9);
    s.initial = {{DST, Status::detained, 0, 1000}};
    s.facilities.push_back({"TCR_camp", TCR, FacilityKind::prison, 1e9, 10.0});
    Agreement second = s.agreements[0];
    second.id = "DST_TCR_camp";
    second.facility = 2;
    second.priority = 1;
    s.agreements[0].monthly_quota = 30;
    s.agreements.insert(s.agreements.begin(), second); // declared first, tried second
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    CHECK(c.steps[1].agreement_transfers[1] == Approx(30.0));
    CHECK(c.steps[1].agreement_transfers[0] == Approx(70.0));
    CHECK(c.steps[2].agreement_transfers[1] == 0.0);
    CHECK(c.steps[2].agreement_transfers[0] == Approx(100.0));
}

TEST_CASE("a preferred agreement takes its profile even when the own country accepts, in every "
          "mode",
          "[rules]") {
    Scenario s = third_country_scenario(0, 1000, 7, 3, 1e9);
    s.profiles = {"no_record", "gang_tda"};
    s.groups = {{"ORG/no_record", ORG, 0}, {"ORG/gang_tda", ORG, 1}};
    for (auto& e : s.enforcement) {
        e.interdiction_per_day = {0, 0};
        e.priority = {1, 1};
    }
    s.remigration.per_day = {0, 0};
    s.returns[ORG].policy = ReturnPolicy::accept;
    s.agreements[0].profiles = {0, 1};
    s.agreements[0].preferred_profiles = {1};
    s.initial = {{DST, Status::detained, 0, 100}, {DST, Status::detained, 1, 40}};
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    const auto& o = c.steps[1];
    CHECK(group_stock(o, ORG, Status::returned, 0) == Approx(100.0));
    CHECK(group_stock(o, TCR, Status::imprisoned, 1) == Approx(40.0));
    CHECK(group_stock(o, TCR, Status::imprisoned, 0) == 0.0);
    CHECK(group_stock(o, ORG, Status::returned, 1) == 0.0);
}

TEST_CASE("programmes with a destination list fly before those flying anywhere", "[rules]") {
    // One flight a day each: `anywhere` (50 seats) is declared first, `to_origin` (30 seats)
    // second; 1000 removable and 20 more a day: `to_origin` is always full.
    Scenario s = queue_of_detainees(1000, 50, 7, 5);
    s.programmes[0].any_destination = true;
    s.programmes[0].destinations.clear();
    s.programmes[0].id = "anywhere";
    FlightProgramme to_origin = s.programmes[0];
    to_origin.id = "to_origin";
    to_origin.any_destination = false;
    to_origin.destinations = {ORG};
    to_origin.seats_per_flight = 30;
    s.programmes.push_back(to_origin);
    s.initial = {{DST, Status::detained, 0, 60}};
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    // Step 1: 60 removable; 30 on `to_origin`, the other 30 on `anywhere`.
    CHECK(c.steps[1].programme_passengers[1] == Approx(30.0));
    CHECK(c.steps[1].programme_passengers[0] == Approx(30.0));
    CHECK(flow(c.steps[1], Flow::removals, DST) == Approx(60.0));
}

TEST_CASE("fees and facility costs follow the persons held, in every mode", "[rules]") {
    // Prison releases at 0.1 a day: the numbers held differ by mode and seed, the accounts
    // follow them: fee 50 per person-day held, prison cost 20 and detention cost 100.
    Scenario s = third_country_scenario(50, 10, 70, 10, 1e9);
    s.agreements[0].release_per_day = 0.1;
    const Mode mode = GENERATE(from_range(every_mode));
    CAPTURE(mode);
    const Collector c = run_mode(s, mode);
    for (std::size_t n = 1; n < c.steps.size(); ++n) {
        INFO("step " << n);
        const auto& o = c.steps[n];
        CHECK(o.agreement_held[0] == Approx(stock(o, TCR, Status::imprisoned)));
        CHECK(o.facility_occupancy[1] == Approx(o.agreement_held[0]));
        CHECK(o.agreement_fees[0] == Approx(50.0 * o.agreement_held[0]));
        CHECK(o.facility_cost[1] == Approx(20.0 * o.facility_occupancy[1]));
        CHECK(o.facility_occupancy[0] == Approx(stock(o, DST, Status::detained)));
        CHECK(o.facility_cost[0] == Approx(100.0 * o.facility_occupancy[0]));
    }
    CHECK(c.steps.back().agreement_held[0] > 0.0);
}

TEST_CASE("interdictions in a transit country agree with the expected mode on average",
          "[rules][statistics]") {
    // ORG -> TCR -> DST, two days a leg; TCR interdicts foreigners in transit at 0.1 a day and
    // releases them (no detention facility).
    Scenario s = third_country_scenario(50, 10, 70, 20, 1e9);
    s.routes = {{"ORG->TCR", ORG, TCR, 2.0, 0.0, 1.0}, {"TCR->DST", TCR, DST, 2.0, 0.0, 1.0}};
    s.enforcement[TCR].interdiction_per_day = {0.1};
    check_means_agree(
        s,
        {[](const Collector& c) { return flow_total(c, Flow::interdictions, TCR); },
         [](const Collector& c) { return flow_total(c, Flow::arrivals, DST); },
         [](const Collector& c) { return stock(c.steps.back(), TCR, Status::at_large); }},
        {"interdictions in TCR", "arrivals at DST", "at large in TCR"});
}
