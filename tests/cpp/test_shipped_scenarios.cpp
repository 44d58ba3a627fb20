// The shipped scenario library, scenarios/*.yaml (globbed, so that a new file is covered): every
// file loads, runs whole in expected and stochastic mode with the invariants checked after every
// step (conservation, no negative stock, no capacity, quota, seat or budget exceeded), documents
// itself (the question it answers, a comment on every number, a place in docs/scenarios.md), and
// every variant answers differently from the default, in the direction docs/scenarios.md
// explains. About 10 s in Release: one two-year run per file and mode.
#include "core/engine.hpp"
#include "core/headline.hpp"
#include "scenario/load.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
// GCC 12 reports a false -Wmaybe-uninitialized inside <regex>'s std::function at -O2 with
// sanitizers; the warning is in the standard library, not in this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <sstream>
#include <string>
#include <vector>

using namespace deportsim;
namespace fs = std::filesystem;

namespace {

const fs::path source_dir = DEPORTSIM_SOURCE_DIR;
const std::string default_scenario = "el_salvador_2025";

std::vector<fs::path> shipped_scenarios() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(source_dir / "scenarios")) {
        if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Counts the records an engine shows its observers: the initial state, then one per step.
struct RecordCounter final : Observer {
    int records = 0;
    bool finished = false;
    void start(const Scenario&, const RunInfo&) override {}
    void record(int, const StepOutputs&) override { ++records; }
    void finish() override { finished = true; }
};

// Runs a whole scenario with every invariant checked after each step (a violation throws
// InternalError out of run()) and returns its headline metrics.
HeadlineValues run_checked(const Scenario& scenario, Mode mode, std::uint64_t seed) {
    RunInfo info;
    info.mode = mode;
    info.seed = seed;
    const auto engine = make_engine(scenario, info);
    engine->set_check_invariants(true);
    RecordCounter counter;
    HeadlineRecorder headline;
    engine->add_observer(counter);
    engine->add_observer(headline);
    REQUIRE_NOTHROW(engine->run());
    CHECK(counter.finished);
    CHECK(counter.records == scenario.steps() + 1);
    REQUIRE(headline.finished());
    return headline.values();
}

double metric(const HeadlineValues& values, Headline h) {
    return values[static_cast<std::size_t>(h)];
}

// The numbers of a scenario file without a comment on their line: "file:line: text" each. A
// number is a plain YAML scalar after `key:` (integers, decimals, exponents, .inf) or a date, or
// a flow map or list with a number in it (`{days: 2}`, `[[2025-03-01, 0.5]]`); lists of names
// and texts are structure, not parameters.
std::vector<std::string> uncommented_numbers(const fs::path& path) {
    static const std::regex value_line(R"(^\s*(?:-\s+)?(?:"[^"]*"|[^:#"]+):\s+(.+)$)");
    static const std::regex number(R"(^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^\.inf$)");
    static const std::regex date(R"(^\d{4}-\d{2}-\d{2}$)");
    static const std::regex number_in_flow(R"((?:^|[\s,:\[{])[-+]?\.?\d)");
    std::vector<std::string> missing;
    std::istringstream lines(read_text(path));
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
        const auto comment = line.find(" #");
        const std::string body = line.substr(0, comment);
        std::smatch match;
        if (!std::regex_match(body, match, value_line)) {
            continue;
        }
        std::string value = match[1].str();
        value.erase(value.find_last_not_of(" \t") + 1);
        const bool flow = !value.empty() && (value.front() == '{' || value.front() == '[');
        const bool is_number = std::regex_match(value, number) || std::regex_match(value, date) ||
                               (flow && std::regex_search(value, number_in_flow));
        const bool has_comment = comment != std::string::npos &&
                                 line.find_first_not_of(" #", comment) != std::string::npos;
        if (is_number && !has_comment) {
            missing.push_back(path.filename().string() + ":" + std::to_string(n) + ": " + line);
        }
    }
    return missing;
}

// The direction in which each shipped variant's answer departs from the default's, as
// docs/scenarios.md explains it. A relative change smaller than this is "no change".
constexpr double relative_change = 1e-3;

bool differs(double a, double b) {
    return std::abs(a - b) > relative_change * std::max({std::abs(a), std::abs(b), 1.0});
}

struct Expectation {
    Headline metric;
    int sign; // +1: larger than the default's, -1: smaller
};

const std::map<std::string, std::vector<Expectation>> variant_expectations = {
    // CECOT also takes Venezuelans and Cubans without violent records, whom the US could not
    // remove and released after 180 days.
    {"el_salvador_2025_nonviolent",
     {{Headline::imprisoned_abroad_end, +1},
      {Headline::fees_total, +1},
      {Headline::max_detention_releases_total, -1}}},
    // Nobody is transferred, and Guatemala's spare seats no longer carry Hondurans,
    // Salvadorans and Nicaraguans, so fewer are removed.
    {"el_salvador_2025_no_agreements",
     {{Headline::transfers_third_country, -1},
      {Headline::imprisoned_abroad_end, -1},
      {Headline::removals_total, -1}}},
    // No Panama flights: no onward returns from Panama's shelter, which stays full.
    {"el_salvador_2025_panama_unfunded",
     {{Headline::flight_cost_total, -1},
      {Headline::transfers_third_country, -1},
      {Headline::sheltered_end, +1}}},
    // The citizens go to CECOT and stay for years.
    {"el_salvador_2025_us_citizens",
     {{Headline::imprisoned_abroad_end, +1}, {Headline::fees_total, +1}}},
    // Violent Venezuelans go home instead of to CECOT; the others are no longer released after
    // 180 days.
    {"el_salvador_2025_venezuela_accepts",
     {{Headline::imprisoned_abroad_end, -1},
      {Headline::removals_home, +1},
      {Headline::max_detention_releases_total, -1}}},
    // More seats on ICE Air remove more people where seats bind.
    {"el_salvador_2025_more_flights",
     {{Headline::removals_total, +1}, {Headline::overflow_releases_total, -1}}},
};

} // namespace

TEST_CASE("the scenario library holds the default and the variants that extend it", "[shipped]") {
    const auto files = shipped_scenarios();
    std::vector<std::string> stems;
    for (const auto& f : files) {
        stems.push_back(f.stem().string());
    }
    CHECK(std::find(stems.begin(), stems.end(), default_scenario) != stems.end());
    for (const auto& [variant, expectations] : variant_expectations) {
        INFO("variant " << variant);
        CHECK(std::find(stems.begin(), stems.end(), variant) != stems.end());
    }
    for (const auto& f : files) {
        if (f.stem() == default_scenario) {
            continue;
        }
        INFO(f.filename().string());
        CHECK(read_text(f).find("\nextends: " + default_scenario + ".yaml\n") != std::string::npos);
    }
}

TEST_CASE("every shipped scenario loads, is named after its file and says what it asks",
          "[shipped]") {
    const std::string guide = read_text(source_dir / "docs" / "scenarios.md");
    for (const auto& file : shipped_scenarios()) {
        INFO(file.filename().string());
        Scenario s;
        REQUIRE_NOTHROW(s = load_scenario_file(file.string()));
        CHECK(s.name == file.stem().string());
        CHECK_FALSE(s.description.empty());
        CHECK(s.steps() > 0);
        const std::string text = read_text(file);
        CHECK(text.rfind("# ", 0) == 0); // opens with its comment block
        CHECK(text.find("\n# Question: ") != std::string::npos);
        CHECK(guide.find("`scenarios/" + file.filename().string() + "`") != std::string::npos);
    }
}

TEST_CASE("every number in a shipped scenario has a comment: its source or an assumption",
          "[shipped]") {
    for (const auto& file : shipped_scenarios()) {
        for (const auto& line : uncommented_numbers(file)) {
            FAIL_CHECK("a number without a source or assumption: " << line);
        }
    }
}

TEST_CASE("the comment check finds numbers and dates without a comment", "[shipped]") {
    const fs::path dir = fs::temp_directory_path() / "deportsim_test_shipped_scenarios";
    fs::create_directories(dir);
    const fs::path file = dir / "numbers.yaml";
    {
        std::ofstream out(file);
        out << "# header 12\n"
               "seed: 7 # assumption: any\n"
               "time:\n"
               "  start: 2025-02-04\n"
               "  dt_days: 1 #\n"
               "profiles: [a, gang_ms13]\n"
               "name: x 1\n"
               "routes:\n"
               "  \"A->B\": {days: 2}\n"
               "  \"B->C\":\n"
               "    mortality: 1e-4 # derived: 1 / 10,000\n"
               "    weight: .inf\n"
               "    multiplier: [[2025-03-01, 0.5]] # assumption\n";
    }
    const auto missing = uncommented_numbers(file);
    fs::remove_all(dir);
    REQUIRE(missing.size() == 4);
    CHECK(missing[0] == "numbers.yaml:4:   start: 2025-02-04");
    CHECK(missing[1] == "numbers.yaml:5:   dt_days: 1 #");
    CHECK(missing[2] == "numbers.yaml:9:   \"A->B\": {days: 2}");
    CHECK(missing[3] == "numbers.yaml:12:     weight: .inf");
}

TEST_CASE("every shipped scenario runs in expected mode with every invariant checked, and every "
          "variant answers differently from the default",
          "[shipped][simulation]") {
    std::map<std::string, HeadlineValues> headlines;
    for (const auto& file : shipped_scenarios()) {
        INFO(file.filename().string() << ", expected mode");
        const Scenario s = load_scenario_file(file.string());
        headlines[file.stem().string()] = run_checked(s, Mode::expected, s.seed);
    }
    REQUIRE(headlines.count(default_scenario) == 1);
    const HeadlineValues& base = headlines.at(default_scenario);

    // The default uses what the seed article describes: CECOT holds people at the end,
    // shelters hold third-country deportees, flights cost money, fees are paid.
    CHECK(metric(base, Headline::imprisoned_abroad_end) > 0);
    CHECK(metric(base, Headline::sheltered_end) > 0);
    CHECK(metric(base, Headline::transfers_third_country) > 0);
    CHECK(metric(base, Headline::fees_total) > 0);
    CHECK(metric(base, Headline::flight_cost_total) > 0);

    for (const auto& [name, values] : headlines) {
        if (name == default_scenario) {
            continue;
        }
        INFO("variant " << name);
        bool any_difference = false;
        for (int h = 0; h < headline_count; ++h) {
            any_difference = any_difference || differs(values[h], base[h]);
        }
        CHECK(any_difference);
        const auto expected = variant_expectations.find(name);
        if (expected == variant_expectations.end()) {
            continue;
        }
        for (const auto& [h, sign] : expected->second) {
            const double v = metric(values, h), b = metric(base, h);
            INFO(headline_metric(h).name << ": " << v << " against the default's " << b);
            CHECK(differs(v, b));
            CHECK((v - b) * sign > 0);
        }
    }
}

TEST_CASE("every shipped scenario runs in stochastic mode with every invariant checked",
          "[shipped][simulation]") {
    for (const auto& file : shipped_scenarios()) {
        INFO(file.filename().string() << ", stochastic mode, seed 7");
        const Scenario s = load_scenario_file(file.string());
        const HeadlineValues values = run_checked(s, Mode::stochastic, 7);
        // Whole persons in this mode.
        for (Headline h : {Headline::removals_total, Headline::transfers_third_country,
                           Headline::imprisoned_abroad_end, Headline::at_large_end}) {
            INFO(headline_metric(h).name);
            CHECK(metric(values, h) == std::round(metric(values, h)));
        }
    }
}
