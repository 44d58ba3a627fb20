// The scenario loader (sim/scenario): a valid file resolves to the right indices and values;
// every class of mistake is an InputError at the exact line and column, with a message that
// names the parameter, the value and what was expected; --set assignments change values and
// point at themselves when they are wrong.
#include "core/error.hpp"
#include "scenario/load.hpp"
#include "scenario/override.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

using namespace deportsim;

namespace {

const std::string fixtures = std::string(DEPORTSIM_SOURCE_DIR) + "/tests/scenarios/loader/";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

InputError error_of(const std::function<void()>& load) {
    try {
        load();
    } catch (const InputError& e) {
        return e;
    }
    throw std::runtime_error("expected an InputError; the scenario loaded");
}

InputError file_error(const std::string& name) {
    return error_of([&] { load_scenario_file(fixtures + name); });
}

InputError text_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
    return error_of([&] { load_scenario_text(text, "inline.yaml", overrides); });
}

// The minimal fixture with one piece of text replaced (which must be there).
std::string minimal_with(const std::string& from, const std::string& to) {
    std::string text = read_file(fixtures + "minimal.yaml");
    const std::size_t at = text.find(from);
    if (at == std::string::npos) {
        throw std::logic_error("minimal.yaml has no '" + from + "'");
    }
    return text.replace(at, from.size(), to);
}

// 1-based line and column of the first occurrence of `needle` in `text`.
std::pair<int, int> position_of(const std::string& text, const std::string& needle) {
    const std::size_t at = text.find(needle);
    if (at == std::string::npos) {
        throw std::logic_error("no '" + needle + "' in the text");
    }
    const std::size_t line_start =
        text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
    const int line =
        1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    return {line, static_cast<int>(at - line_start) + 1};
}

void check_at(const InputError& e, const std::string& text, const std::string& needle) {
    const auto [line, column] = position_of(text, needle);
    CHECK(e.where().file == "inline.yaml");
    CHECK(e.where().line == line);
    CHECK(e.where().column == column);
}

Date date(const char* iso) {
    return *parse_iso_date(iso);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// A valid scenario

TEST_CASE("valid scenario: countries, profiles, groups and facilities in file order") {
    const std::string path = fixtures + "valid.yaml";
    const Scenario s = load_scenario_file(path);

    CHECK(s.name == "loader_valid");
    CHECK(s.description == "Every section of the scenario format once.");
    CHECK(s.source_path == path);
    CHECK(s.yaml_text == read_file(path));
    CHECK(s.overrides.empty());
    CHECK(s.start == date("2025-02-04"));
    CHECK(s.end == date("2025-03-06"));
    CHECK(s.dt_days == 0.5);
    CHECK(s.steps() == 60);
    CHECK(s.seed == 7);

    // Map countries in file order, then the nationalities.
    REQUIRE(s.countries.size() == 7);
    const std::vector<std::string> codes = {"COL", "PAN", "USA", "SLV", "CRI", "VEN", "CHN"};
    for (std::size_t i = 0; i < codes.size(); ++i) {
        CHECK(s.countries[i].code == codes[i]);
        CHECK(s.countries[i].on_map == (i < 5));
    }
    CHECK(s.countries[5].name == "Venezuela");

    CHECK(s.profiles == std::vector<std::string>{"no_record", "violent_record", "gang_tda"});

    // For each nationality under groups, its profiles in list order.
    REQUIRE(s.groups.size() == 5);
    const std::vector<std::tuple<std::string, int, int>> groups = {{"VEN/no_record", 5, 0},
                                                                   {"VEN/gang_tda", 5, 2},
                                                                   {"COL/no_record", 0, 0},
                                                                   {"COL/violent_record", 0, 1},
                                                                   {"CHN/no_record", 6, 0}};
    for (std::size_t i = 0; i < groups.size(); ++i) {
        CHECK(s.groups[i].id == std::get<0>(groups[i]));
        CHECK(s.groups[i].nationality == std::get<1>(groups[i]));
        CHECK(s.groups[i].profile == std::get<2>(groups[i]));
    }

    REQUIRE(s.facilities.size() == 4);
    CHECK(s.facilities[0].id == "pan_holding");
    CHECK(s.facilities[0].country == 1);
    CHECK(s.facilities[0].kind == FacilityKind::detention);
    CHECK(s.facilities[0].capacity == 300);
    CHECK(s.facilities[0].cost_per_person_day == 20);
    CHECK(s.facilities[1].id == "us_detention");
    CHECK(s.facilities[1].cost_per_person_day == 132.9);
    CHECK(s.facilities[2].kind == FacilityKind::prison);
    CHECK(s.facilities[2].cost_per_person_day == 0); // default
    CHECK(s.facilities[3].kind == FacilityKind::shelter);
    CHECK(std::isinf(s.facilities[3].capacity));
    CHECK(s.detention_facility(2) == 1);
}

TEST_CASE("valid scenario: routes, departures, enforcement and returns") {
    const Scenario s = load_scenario_file(fixtures + "valid.yaml");

    REQUIRE(s.routes.size() == 3);
    CHECK(s.routes[0].id == "COL->PAN");
    CHECK(s.routes[0].from == 0);
    CHECK(s.routes[0].to == 1);
    CHECK(s.routes[0].days == 4);
    CHECK(s.routes[0].mortality == 0.000572);
    CHECK(s.routes[0].weight == 1); // default
    CHECK(s.routes[1].weight == 2);
    CHECK(s.routes[1].mortality == 0); // default

    REQUIRE(s.departures.size() == 3);
    const DepartureStream& ven = s.departures[0];
    CHECK(ven.group == 0);
    CHECK(ven.origin == 0);
    CHECK(ven.destination == 2);
    CHECK(ven.persons_per_day == 48.5);
    REQUIRE(ven.multiplier.has_value());
    CHECK(ven.multiplier->dates == std::vector<Date>{date("2025-02-10"), date("2025-02-20")});
    CHECK(ven.multiplier->values == std::vector<double>{0.5, 1.5});
    CHECK(ven.multiplier->at(date("2025-02-04")) == 1.0);
    CHECK(ven.multiplier->at(date("2025-02-15")) == 0.5);
    CHECK(s.departures[1].group == 3);
    CHECK(s.departures[1].origin == 0); // default: the nationality
    CHECK_FALSE(s.departures[1].multiplier.has_value());
    CHECK(s.departures[2].destination == 1);

    // One enforcement per country; defaults where absent.
    REQUIRE(s.enforcement.size() == 7);
    const Enforcement& pan = s.enforcement[1];
    CHECK(pan.interdiction_per_day == std::vector<double>{0.02, 0.02, 0.5});
    CHECK(pan.priority == std::vector<double>{1, 1, 1});
    CHECK(pan.processing_mean_days == 10);
    CHECK(pan.processing_stages == 3);
    CHECK(pan.max_detention_days == 30);
    const Enforcement& usa = s.enforcement[2];
    CHECK(usa.interdiction_per_day == std::vector<double>{0.001, 0.001, 0.001});
    CHECK(usa.border_apprehension_probability == 0.8);
    CHECK(usa.arrest_per_day == 0.0005);
    CHECK(usa.priority == std::vector<double>{1, 1, 5}); // a map without default: the default 1
    CHECK(std::isinf(usa.max_detention_days));
    CHECK(usa.max_detention_exempt == std::vector<char>{0, 0, 1});
    const Enforcement& col = s.enforcement[0];
    CHECK(col.interdiction_per_day == std::vector<double>{0, 0, 0});
    CHECK(col.border_apprehension_probability == 0);
    CHECK(col.processing_mean_days == 30);
    CHECK(col.processing_stages == 1);
    CHECK(col.max_detention_days == 180);
    CHECK(col.max_detention_exempt == std::vector<char>{0, 0, 0});

    REQUIRE(s.returns.size() == 7);
    CHECK(s.returns[5].policy == ReturnPolicy::refuse);
    CHECK(s.returns[6].policy == ReturnPolicy::cap);
    CHECK(s.returns[6].monthly_cap == 150);
    CHECK(s.returns[0].policy == ReturnPolicy::accept);
    CHECK(s.returns[2].policy == ReturnPolicy::accept); // default
    CHECK(std::isinf(s.returns[2].monthly_cap));
}

TEST_CASE("valid scenario: programmes, agreements, remigration, deterrence, initial stocks") {
    const Scenario s = load_scenario_file(fixtures + "valid.yaml");

    REQUIRE(s.programmes.size() == 3);
    const FlightProgramme& ice = s.programmes[0];
    CHECK(ice.id == "ice_air");
    CHECK(ice.sender == 2);
    CHECK(ice.any_destination);
    CHECK(ice.seats_per_flight == 135);
    CHECK(ice.flights_per_week == 16.27);
    CHECK(ice.cost_per_flight == 5 * 8600.0); // flight_hours x cost_per_flight_hour
    CHECK(std::isinf(ice.budget));
    CHECK(ice.start == s.start); // default: the whole run
    CHECK(ice.end == s.end);
    const FlightProgramme& panama = s.programmes[1];
    CHECK_FALSE(panama.any_destination);
    CHECK(panama.destinations == std::vector<int>{0, 6});
    CHECK(panama.cost_per_flight == 64286);
    CHECK(panama.budget == 3300000);
    CHECK(panama.start == date("2025-02-10"));
    CHECK(panama.end == date("2025-03-01"));
    CHECK(s.programmes[2].sender == 4); // the shelter's onward flights
    CHECK(s.programmes[2].destinations == std::vector<int>{5, 6});

    REQUIRE(s.agreements.size() == 3);
    const Agreement& slv = s.agreements[0];
    CHECK(slv.id == "usa_slv");
    CHECK(slv.sender == 2);
    CHECK(slv.receiver == 3);
    CHECK(slv.any_nationality);
    CHECK(slv.profiles == std::vector<int>{1, 2});
    CHECK(slv.preferred_profiles == std::vector<int>{2});
    CHECK(slv.disposition == Disposition::imprison);
    CHECK(slv.facility == 2);
    CHECK(slv.total_quota == 300);
    CHECK(std::isinf(slv.monthly_quota));
    CHECK(slv.fee_per_person_day == 54.79);
    CHECK(slv.release_per_day == 0.00274);
    CHECK(slv.priority == 0);
    CHECK(slv.eligible(s.groups[1]));       // VEN/gang_tda
    CHECK_FALSE(slv.eligible(s.groups[0])); // VEN/no_record
    const Agreement& cri = s.agreements[1];
    CHECK(cri.any_nationality);
    CHECK(cri.excluded_nationalities == std::vector<int>{0});
    CHECK(cri.disposition == Disposition::shelter);
    CHECK(cri.facility == 3);
    CHECK(cri.monthly_quota == 200);
    CHECK(cri.priority == 1);
    CHECK(cri.start == date("2025-02-20"));
    CHECK(cri.end == s.end);
    CHECK(cri.shelter.onward_return_per_day == 0.05);
    CHECK(cri.shelter.asylum_per_day == 0.002);
    CHECK(cri.shelter.permit_per_day == 0); // default
    CHECK(cri.shelter.abscond_per_day == 0.01);
    CHECK(slv.shelter.onward_return_per_day == 0);
    CHECK(cri.eligible(s.groups[0]));       // VEN/no_record
    CHECK_FALSE(cri.eligible(s.groups[2])); // COL/no_record: excluded
    const Agreement& release = s.agreements[2];
    CHECK_FALSE(release.any_nationality);
    CHECK(release.nationalities == std::vector<int>{5});
    CHECK(release.disposition == Disposition::release);
    CHECK(release.facility == -1);

    CHECK(s.remigration.per_day == std::vector<double>{0.00154, 0.00154, 0});
    CHECK(s.remigration.min_delay_days == 90);
    CHECK(s.deterrence.kind == DeterrenceKind::signal);
    CHECK(s.deterrence.window_days == 30);
    CHECK(s.deterrence.elasticity == 0.5);
    CHECK(s.deterrence.reference == 1); // default

    REQUIRE(s.initial.size() == 5);
    CHECK(s.initial[0].country == 2);
    CHECK(s.initial[0].status == Status::at_large);
    CHECK(s.initial[0].group == 0);
    CHECK(s.initial[0].persons == 1000);
    CHECK(s.initial[1].group == 3);
    CHECK(s.initial[2].status == Status::detained);
    CHECK(s.initial[2].group == 1);
    CHECK(s.initial[3].country == 0);
    CHECK(s.initial[3].status == Status::returned);
    CHECK(s.initial[4].country == 6);
    CHECK(s.initial[4].persons == 40);
}

TEST_CASE("the shipped scenario loads") {
    const Scenario s =
        load_scenario_file(std::string(DEPORTSIM_SOURCE_DIR) + "/scenarios/el_salvador_2025.yaml");
    CHECK(s.name == "el_salvador_2025");
    CHECK_FALSE(s.groups.empty());
    CHECK(s.enforcement.size() == s.countries.size());
}

TEST_CASE("sha256_hex gives the published digests") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// ---------------------------------------------------------------------------------------------
// Every class of mistake, at its exact place (the malformed fixtures)

TEST_CASE("an unknown key lists the allowed keys") {
    const InputError e = file_error("malformed/unknown_key.yaml");
    CHECK(e.where().file == fixtures + "malformed/unknown_key.yaml");
    CHECK(e.where().line == 27);
    CHECK(e.where().column == 5);
    CHECK(e.where().line_text == "    interdiction_per_dya: 0.015");
    CHECK(e.message() ==
          "unknown key 'interdiction_per_dya' in enforcement.MEX; allowed: interdiction_per_day, "
          "border_apprehension_probability, arrest_per_day, priority, processing_mean_days, "
          "processing_stages, max_detention_days, max_detention_exempt");
    // The full text: file:line:col, the line and a caret under the key.
    const std::string what = e.what();
    CHECK(what.find("unknown_key.yaml:27:5: error: unknown key") != std::string::npos);
    CHECK(what.find("\n      interdiction_per_dya: 0.015\n      ^") != std::string::npos);
}

TEST_CASE("a value of the wrong type names the path, the value and the type expected") {
    const InputError e = file_error("malformed/wrong_type.yaml");
    CHECK(e.where().line == 24);
    CHECK(e.where().column == 54);
    CHECK(e.message() == "departures.MEX/no_record.persons_per_day: expected a number >= 0 "
                         "(persons per day), got the quoted string \"1e3\" (numbers are written "
                         "without quotes)");

    const std::string words = minimal_with("persons_per_day: 10}", "persons_per_day: many}");
    const InputError text = text_error(words);
    check_at(text, words, "many");
    CHECK(text.message() == "departures.MEX/no_record.persons_per_day: expected a number >= 0 "
                            "(persons per day), got 'many'");

    const std::string list = minimal_with("  MEX:\n    name: Mexico", "  MEX: [Mexico]");
    const InputError map = text_error(list);
    check_at(map, list, "[Mexico]");
    CHECK(map.message() ==
          "countries.MEX: expected a map with the keys name, facilities, got a list");

    const std::string fraction =
        minimal_with("{kind: prison, capacity: 50}", "{kind: jail, capacity: 50}");
    const InputError kind = text_error(fraction);
    check_at(kind, fraction, "jail");
    CHECK(kind.message() == "countries.SLV.facilities.cecot.kind: expected one of detention, "
                            "prison, shelter, got 'jail'");
}

TEST_CASE("a missing required key points at the map that lacks it") {
    const InputError e = file_error("malformed/missing_key.yaml");
    CHECK(e.where().line == 14);
    CHECK(e.where().column == 3);
    CHECK(e.where().line_text == "  SLV:");
    CHECK(e.message() == "missing required key 'name' in countries.SLV");

    const std::string top = minimal_with("name: minimal\n", "");
    const InputError at_top = text_error(top);
    CHECK(at_top.message() == "missing required key 'name' at the top level");
    CHECK(at_top.where().line == 3); // the first key of the top-level map, after the comments
    CHECK(at_top.where().column == 1);
}

TEST_CASE("a duplicate key is an error, though YAML parsers keep one silently") {
    const InputError e = file_error("malformed/duplicate_key.yaml");
    CHECK(e.where().line == 30);
    CHECK(e.where().column == 3);
    CHECK(e.message() == "duplicate key 'USA' in enforcement (first given on line 28)");

    const std::string inner =
        minimal_with("{kind: prison, capacity: 50}", "{kind: prison, capacity: 50, capacity: 60}");
    const InputError twice = text_error(inner);
    check_at(twice, inner, "capacity: 60");
    CHECK(twice.message() ==
          "duplicate key 'capacity' in countries.SLV.facilities.cecot (first given on line 17)");
}

TEST_CASE("a value out of range names the range and its unit") {
    const InputError e = file_error("malformed/out_of_range.yaml");
    CHECK(e.where().line == 29);
    CHECK(e.where().column == 38);
    CHECK(e.message() == "enforcement.USA.border_apprehension_probability: 1.5 is out of range; "
                         "expected a number in [0, 1] (probability)");

    const std::string negative = minimal_with("MEX->USA: {days: 20}", "MEX->USA: {days: 0}");
    const InputError days = text_error(negative);
    check_at(days, negative, "0}\ndepartures");
    CHECK(days.message() ==
          "routes.MEX->USA.days: 0 is out of range; expected a number > 0 (days)");

    const std::string infinite =
        minimal_with("interdiction_per_day: 0.015", "interdiction_per_day: .inf");
    CHECK(text_error(infinite).message() ==
          "enforcement.MEX.interdiction_per_day: .inf is out of range; expected a number >= 0 "
          "(per day), or a map from profile (or default) to such numbers");
}

TEST_CASE("a reference to something the scenario does not declare") {
    const InputError e = file_error("malformed/undefined_reference.yaml");
    CHECK(e.where().line == 37);
    CHECK(e.where().column == 15);
    CHECK(
        e.message() ==
        "agreements.usa_slv.facility: undefined facility 'cecott'; declared: us_detention, cecot");

    const std::string receiver = minimal_with("receiver: SLV", "receiver: GTM");
    const InputError country = text_error(receiver);
    check_at(country, receiver, "GTM");
    CHECK(country.message() ==
          "agreements.usa_slv.receiver: undefined country 'GTM'; declared: MEX, USA, SLV");

    const std::string profile = minimal_with("profiles: [gang_tda]", "profiles: [gang_ms13]");
    const InputError p = text_error(profile);
    check_at(p, profile, "gang_ms13");
    CHECK(p.message() == "agreements.usa_slv.profiles[0]: undefined profile 'gang_ms13'; "
                         "declared under profiles: no_record, gang_tda");

    const std::string group = minimal_with("  MEX/no_record: {", "  MEX/violent_record: {");
    const InputError g = text_error(group);
    check_at(g, group, "MEX/violent_record");
    CHECK(g.message() == "departures.MEX/violent_record: undefined group 'MEX/violent_record'; "
                         "the groups are MEX/no_record, MEX/gang_tda");

    const std::string nationality = minimal_with("  MEX: [no_record, gang_tda]",
                                                 "  MEX: [no_record, gang_tda]\n  VEN: [gang_tda]");
    const InputError n = text_error(nationality);
    check_at(n, nationality, "VEN: [gang_tda]");
    CHECK(n.message() == "groups.VEN: undefined country 'VEN'; declared: MEX, USA, SLV");
}

TEST_CASE("a date that is not a calendar date, and a window that ends before it starts") {
    const InputError e = file_error("malformed/bad_date.yaml");
    CHECK(e.where().line == 6);
    CHECK(e.where().column == 8);
    CHECK(e.message() == "time.end: expected an ISO date (YYYY-MM-DD), got '2025-02-30' (no such "
                         "day in the calendar)");

    const std::string backwards = minimal_with("end: 2025-03-06", "end: 2025-01-06");
    const InputError window = text_error(backwards);
    check_at(window, backwards, "2025-01-06");
    CHECK(window.message() == "time.end: 2025-01-06 must be after start 2025-02-04");

    const std::string agreement =
        minimal_with("    facility: cecot", "    facility: cecot\n    end: 2025-02-01");
    const InputError empty = text_error(agreement);
    check_at(empty, agreement, "2025-02-01");
    CHECK(empty.message() == "agreements.usa_slv: the window is empty: end 2025-02-01 is not "
                             "after start 2025-02-04 (the start of the run)");
}

TEST_CASE("a YAML syntax error is located where the parser stopped") {
    const InputError e = file_error("malformed/syntax_error.yaml");
    CHECK(e.where().line == 19);
    CHECK(e.where().column == 7);
    CHECK(e.message() == "YAML syntax error: end of sequence flow not found");

    const InputError indent =
        text_error("name: x\ntime:\n  start: 2025-02-04\n   end: 2025-03-06\n");
    CHECK(indent.where().line == 4);
    CHECK(indent.message().rfind("YAML syntax error: ", 0) == 0);
}

TEST_CASE("a file that cannot be read is an error without a line") {
    const std::string missing = fixtures + "no_such_file.yaml";
    const InputError e = error_of([&] { load_scenario_file(missing); });
    CHECK(e.where().file == missing);
    CHECK(e.where().line == 0);
    CHECK(e.message() == "cannot read the scenario file: No such file or directory");

    const InputError directory = error_of([&] { load_scenario_file(fixtures); });
    CHECK(directory.where().line == 0);
    CHECK(directory.message() == "cannot read the scenario file: it is a directory");

    const InputError empty = text_error("");
    CHECK(empty.where().line == 0);
    CHECK(empty.message().rfind("a scenario is a map with the keys format_version, name,", 0) == 0);
}

// ---------------------------------------------------------------------------------------------
// Rules between parts (cross-checks)

TEST_CASE("a destination that no route reaches") {
    const InputError e = file_error("malformed/unreachable.yaml");
    CHECK(e.where().line == 24);
    CHECK(e.where().column == 32);
    CHECK(e.message() == "departures.MEX/no_record.destination: SLV cannot be reached from the "
                         "origin MEX by the routes (reachable: USA)");
}

TEST_CASE("initial stocks only in statuses a person can start in, and places that hold them") {
    const InputError e = file_error("malformed/initial_in_transit.yaml");
    CHECK(e.where().line == 40);
    CHECK(e.where().column == 5);
    CHECK(e.message() == "initial.MEX: status 'in_transit' cannot hold an initial stock: people "
                         "in transit need a destination and a place on a route; give them as "
                         "departures; allowed: at_large, detained, returned, settled");

    const std::string base = read_file(fixtures + "minimal.yaml");
    const std::string imprisoned = base + "initial:\n  SLV:\n    imprisoned: {MEX/gang_tda: 5}\n";
    CHECK(text_error(imprisoned)
              .message()
              .find("status 'imprisoned' cannot hold an initial "
                    "stock: people held under an agreement") != std::string::npos);

    const std::string overfull = base + "initial:\n  USA:\n    detained: {MEX/no_record: 101}\n";
    const InputError beds = text_error(overfull);
    check_at(beds, overfull, "101");
    CHECK(beds.message() == "initial.USA.detained.MEX/no_record: the initial detainees in USA "
                            "number 101, more than the 100 persons of facility 'us_detention'");

    const std::string no_beds = base + "initial:\n  MEX:\n    detained: {MEX/no_record: 1}\n";
    CHECK(text_error(no_beds).message() ==
          "initial.MEX.detained.MEX/no_record: MEX has no detention facility to hold them");

    const std::string abroad = base + "initial:\n  USA:\n    returned: {MEX/no_record: 1}\n";
    CHECK(text_error(abroad).message() ==
          "initial.USA.returned.MEX/no_record: returned people are back in their own country; "
          "MEX/no_record belongs under initial.MEX.returned");

    const std::string fraction = base + "initial:\n  USA:\n    at_large: {MEX/no_record: 2.5}\n";
    CHECK(text_error(fraction).message() == "initial.USA.at_large.MEX/no_record: expected a "
                                            "whole number >= 0 (persons), got '2.5'");
}

TEST_CASE("an agreement's facility must be of the right kind, in the receiver") {
    const std::string shelter = minimal_with("disposition: imprison", "disposition: shelter");
    const InputError kind = text_error(shelter);
    check_at(kind, shelter, "cecot\n");
    CHECK(kind.message() == "agreements.usa_slv.facility: disposition shelter needs a shelter; "
                            "facility 'cecot' is a prison");

    const std::string elsewhere = minimal_with("    facility: cecot", "    facility: us_detention");
    CHECK(
        text_error(elsewhere).message() ==
        "agreements.usa_slv.facility: facility 'us_detention' is in USA, not in the receiver SLV");

    const std::string release = minimal_with("disposition: imprison", "disposition: release");
    CHECK(text_error(release).message() ==
          "agreements.usa_slv: disposition release holds nobody; remove facility");

    const std::string outcomes = minimal_with(
        "    facility: cecot", "    facility: cecot\n    shelter: {asylum_per_day: 0.01}");
    const InputError not_shelter = text_error(outcomes);
    check_at(not_shelter, outcomes, "shelter:");
    CHECK(not_shelter.message() ==
          "agreements.usa_slv: shelter outcomes apply to disposition shelter, not imprison");

    const std::string unused = minimal_with(
        "    profiles: [gang_tda]", "    profiles: [gang_tda]\n    prefer_for: [no_record]");
    CHECK(text_error(unused).message() ==
          "agreements.usa_slv.prefer_for[0]: 'no_record' is not among the agreement's profiles, "
          "so it cannot be sent here first");
}

TEST_CASE("a flight's cost is given exactly one way") {
    const std::string base = read_file(fixtures + "minimal.yaml");
    const std::string programme = "flight_programmes:\n  ice:\n    sender: USA\n"
                                  "    destinations: any\n    seats_per_flight: 135\n"
                                  "    flights_per_week: 10\n";
    CHECK_NOTHROW(load_scenario_text(base + programme + "    cost_per_flight: 40000\n", "x"));

    const std::string both = base + programme + "    cost_per_flight: 40000\n    flight_hours: 5\n";
    const InputError twice = text_error(both);
    check_at(twice, both, "flight_hours");
    CHECK(twice.message() == "flight_programmes.ice: the cost of a flight is given twice; give "
                             "either cost_per_flight, or flight_hours and cost_per_flight_hour, "
                             "not both");

    const std::string none = base + programme;
    const InputError missing = text_error(none);
    check_at(missing, none, "ice:");
    CHECK(missing.message() == "flight_programmes.ice: missing the cost of a flight; give either "
                               "cost_per_flight, or flight_hours and cost_per_flight_hour");

    const std::string half = base + programme + "    flight_hours: 5\n";
    CHECK(text_error(half).message() ==
          "flight_programmes.ice: missing cost_per_flight_hour; the cost of a flight is "
          "flight_hours x cost_per_flight_hour");
}

// ---------------------------------------------------------------------------------------------
// --set

TEST_CASE("overrides (--set) change values, creates keys the format allows, and records itself") {
    const std::string path = fixtures + "minimal.yaml";
    const std::vector<std::string> overrides = {
        "enforcement.MEX.interdiction_per_day=0.02",
        "agreements.usa_slv.profiles=[no_record, gang_tda]",
        "routes.MEX->USA.mortality=0.001",
        "enforcement.USA.priority.gang_tda=4", // creates the by-profile map
        "returns.MEX={monthly_cap: 500}",      // creates a new entry
        "time.end=2025-04-05",
        "time.end=2025-05-05", // the later assignment wins
    };
    const Scenario s = load_scenario_file(path, overrides);
    CHECK(s.enforcement[0].interdiction_per_day == std::vector<double>{0.02, 0.02});
    CHECK(s.agreements[0].profiles == std::vector<int>{0, 1});
    CHECK(s.routes[0].mortality == 0.001);
    CHECK(s.enforcement[1].priority == std::vector<double>{1, 4});
    CHECK(s.returns[0].policy == ReturnPolicy::cap);
    CHECK(s.returns[0].monthly_cap == 500);
    CHECK(s.end == date("2025-05-05"));
    CHECK(s.overrides == overrides);

    // The text is the emitted tree; it loads back to the same scenario.
    CHECK(s.yaml_text != read_file(path));
    const Scenario again = load_scenario_text(s.yaml_text, "emitted.yaml");
    CHECK(again.enforcement[0].interdiction_per_day == s.enforcement[0].interdiction_per_day);
    CHECK(again.agreements[0].profiles == s.agreements[0].profiles);
    CHECK(again.enforcement[1].priority == s.enforcement[1].priority);
    CHECK(again.returns[0].monthly_cap == 500);
    CHECK(again.end == s.end);
    CHECK(again.yaml_text == s.yaml_text);

    // Without assignments the file itself is the text.
    CHECK(load_scenario_file(path).yaml_text == read_file(path));
}

TEST_CASE("the emitted text keeps quoted scalars quoted") {
    const Scenario s = load_scenario_file(fixtures + "minimal.yaml", {"description=\"~\""});
    CHECK(s.description == "~");
    CHECK(load_scenario_text(s.yaml_text, "emitted.yaml").description == "~");
}

TEST_CASE("an unknown key in --set points at the assignment") {
    const InputError e = error_of([] {
        load_scenario_file(fixtures + "minimal.yaml", {"seed=3", "enforcement.MEX.x=1"});
    });
    CHECK(e.where().file == "<command line>");
    CHECK(e.where().line == 2); // the second --set
    CHECK(e.where().line_text == "--set enforcement.MEX.x=1");
    CHECK(e.where().column == 23); // under the x
    CHECK(e.message() ==
          "--set enforcement.MEX.x=1: unknown key 'x' in enforcement.MEX; allowed: "
          "interdiction_per_day, border_apprehension_probability, arrest_per_day, priority, "
          "processing_mean_days, processing_stages, max_detention_days, max_detention_exempt");

    const InputError section =
        error_of([] { load_scenario_file(fixtures + "minimal.yaml", {"policies.x=1"}); });
    CHECK(section.where().column == 7);
    CHECK(section.message().rfind("--set policies.x=1: unknown key 'policies' at the top level; "
                                  "allowed: format_version, name,",
                                  0) == 0);
}

TEST_CASE("a wrong --set value is located inside the assignment") {
    const std::string path = fixtures + "minimal.yaml";

    const InputError profile = error_of(
        [&] { load_scenario_file(path, {"agreements.usa_slv.profiles=[gang_tda, bogus]"}); });
    CHECK(profile.where().file == "<command line>");
    CHECK(profile.where().line == 1);
    CHECK(profile.where().column == 7 + 39); // "--set " then the offset of bogus
    CHECK(profile.message() == "--set agreements.usa_slv.profiles=[gang_tda, bogus]: "
                               "agreements.usa_slv.profiles[1]: undefined profile 'bogus'; "
                               "declared under profiles: no_record, gang_tda");

    const InputError range =
        error_of([&] { load_scenario_file(path, {"routes.MEX->USA.mortality=2"}); });
    CHECK(range.where().column == 7 + 26);
    CHECK(range.message() == "--set routes.MEX->USA.mortality=2: routes.MEX->USA.mortality: 2 is "
                             "out of range; expected a number in [0, 1] (probability)");

    // A new entry that lacks required keys: the error is the assignment's.
    const InputError incomplete =
        error_of([&] { load_scenario_file(path, {"agreements.new.sender=USA"}); });
    CHECK(incomplete.where().column == 7 + 11);
    CHECK(incomplete.message() ==
          "--set agreements.new.sender=USA: missing required key 'receiver' in agreements.new");

    // A country the scenario does not declare, as a new enforcement entry.
    const InputError country =
        error_of([&] { load_scenario_file(path, {"enforcement.GTM.arrest_per_day=0.1"}); });
    CHECK(country.where().column == 7 + 12);
    CHECK(country.message() == "--set enforcement.GTM.arrest_per_day=0.1: enforcement.GTM: "
                               "undefined country 'GTM'; declared: MEX, USA, SLV");
}

TEST_CASE("a malformed --set is an error naming it") {
    const std::string path = fixtures + "minimal.yaml";

    const InputError no_equals = error_of([&] { load_scenario_file(path, {"seed"}); });
    CHECK(no_equals.where().file == "<command line>");
    CHECK(no_equals.message() == "--set seed: expected path=value, such as "
                                 "enforcement.MEX.interdiction_per_day=0.02");

    const InputError syntax = error_of([&] { load_scenario_file(path, {"name=[a"}); });
    CHECK(syntax.message() == "--set name=[a: the value is not valid YAML: end of sequence flow "
                              "not found");

    const InputError scalar = error_of(
        [&] { load_scenario_file(path, {"enforcement.MEX.interdiction_per_day.gang_tda=0.1"}); });
    CHECK(scalar.where().column == 7 + 37);
    CHECK(scalar.message() ==
          "--set enforcement.MEX.interdiction_per_day.gang_tda=0.1: "
          "enforcement.MEX.interdiction_per_day is '0.015', not a map, so it has no key "
          "'gang_tda'; set it as a whole: enforcement.MEX.interdiction_per_day={...}");

    const InputError leaf = error_of([&] { load_scenario_file(path, {"time.start.day=3"}); });
    CHECK(leaf.message() == "--set time.start.day=3: time.start takes a single value and has no "
                            "key 'day'; set time.start=<value>");

    const InputError empty_key = error_of([&] { load_scenario_file(path, {"time..end=3"}); });
    CHECK(empty_key.where().column == 7 + 5);
    CHECK(empty_key.message().rfind("--set time..end=3: empty key in the path 'time..end'", 0) ==
          0);

    // A mistake in the file is still the file's when assignments are given.
    const InputError in_file =
        error_of([&] { load_scenario_file(fixtures + "malformed/unknown_key.yaml", {"seed=3"}); });
    CHECK(in_file.where().file == fixtures + "malformed/unknown_key.yaml");
    CHECK(in_file.where().line == 27);
}

TEST_CASE("apply_override sets a path of a tree for later reuse (policy events)") {
    YAML::Node tree = YAML::Load("enforcement:\n  MEX:\n    interdiction_per_day: 0.015\n");
    apply_override(tree, "enforcement.MEX.interdiction_per_day", "0.03", "event 2025-02-04");
    CHECK(tree["enforcement"]["MEX"]["interdiction_per_day"].as<double>() == 0.03);
    apply_override(tree, "enforcement.CAN.interdiction_per_day", "{default: 0.05}",
                   "event 2025-02-04");
    CHECK(tree["enforcement"]["CAN"]["interdiction_per_day"]["default"].as<double>() == 0.05);

    const InputError e = error_of(
        [&] { apply_override(tree, "enforcement.MEX.interdiction", "0.03", "event 2025-03-04"); });
    CHECK(e.where().file == "<command line>");
    CHECK(e.where().line == 0);
    CHECK(e.message().rfind("event 2025-03-04: unknown key 'interdiction' in enforcement.MEX; "
                            "allowed: interdiction_per_day,",
                            0) == 0);
}

// ---------------------------------------------------------------------------------------------
// Shelter outcomes, detention exemption, re-migration delay, `any_except`: wrong placements

namespace {

// `text` with one piece replaced (which must be there).
std::string with(std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    if (at == std::string::npos) {
        throw std::logic_error("the text has no '" + from + "'");
    }
    return text.replace(at, from.size(), to);
}

// minimal.yaml with its agreement turned into a shelter agreement.
std::string minimal_shelter() {
    return with(minimal_with("{kind: prison, capacity: 50}", "{kind: shelter, capacity: 50}"),
                "disposition: imprison", "disposition: shelter");
}

} // namespace

TEST_CASE("shelter outcomes load with disposition shelter; release_per_day is for imprison") {
    const std::string shelter = minimal_shelter() + "    shelter: {permit_per_day: 0.03}\n";
    const Scenario s = load_scenario_text(shelter, "inline.yaml");
    CHECK(s.agreements[0].disposition == Disposition::shelter);
    CHECK(s.agreements[0].shelter.permit_per_day == 0.03);
    CHECK(s.agreements[0].shelter.onward_return_per_day == 0);
    CHECK(s.agreements[0].release_per_day == 0);

    const std::string released = minimal_shelter() + "    release_per_day: 0.01\n";
    const InputError release = text_error(released);
    check_at(release, released, "release_per_day");
    CHECK(release.message() == "agreements.usa_slv: release_per_day applies to disposition "
                               "imprison, not shelter (sheltered people leave by the rates under "
                               "shelter)");

    const std::string negative = minimal_shelter() + "    shelter: {asylum_per_day: -0.1}\n";
    const InputError rate = text_error(negative);
    check_at(rate, negative, "-0.1");
    CHECK(rate.message() == "agreements.usa_slv.shelter.asylum_per_day: -0.1 is out of range; "
                            "expected a number >= 0 (per day)");

    const std::string unknown = minimal_shelter() + "    shelter: {onward_per_day: 0.1}\n";
    const InputError key = text_error(unknown);
    check_at(key, unknown, "onward_per_day");
    CHECK(key.message() == "unknown key 'onward_per_day' in agreements.usa_slv.shelter; allowed: "
                           "onward_return_per_day, asylum_per_day, permit_per_day, "
                           "abscond_per_day");
}

TEST_CASE("max_detention_exempt: by profile, for every country, profiles declared") {
    const Scenario minimal = load_scenario_file(fixtures + "minimal.yaml");
    REQUIRE(minimal.enforcement.size() == 3);
    for (const Enforcement& e : minimal.enforcement) {
        CHECK(e.max_detention_exempt == std::vector<char>{0, 0});
    }

    const std::string exempt = minimal_with("    border_apprehension_probability: 0.8",
                                            "    border_apprehension_probability: 0.8\n"
                                            "    max_detention_exempt: [gang_tda]");
    const Scenario s = load_scenario_text(exempt, "inline.yaml");
    CHECK(s.enforcement[1].max_detention_exempt == std::vector<char>{0, 1});
    CHECK(s.enforcement[0].max_detention_exempt == std::vector<char>{0, 0});

    const std::string undefined = with(exempt, "[gang_tda]", "[gang_ms13]");
    const InputError profile = text_error(undefined);
    check_at(profile, undefined, "gang_ms13");
    CHECK(profile.message() == "enforcement.USA.max_detention_exempt[0]: undefined profile "
                               "'gang_ms13'; declared under profiles: no_record, gang_tda");

    const std::string twice = with(exempt, "[gang_tda]", "[gang_tda, gang_tda]");
    const InputError repeated = text_error(twice);
    const auto [line, column] = position_of(twice, "[gang_tda, gang_tda]");
    CHECK(repeated.where().line == line);
    CHECK(repeated.where().column == column + 11); // the second gang_tda
    CHECK(repeated.message() == "enforcement.USA.max_detention_exempt: 'gang_tda' is listed twice");

    const std::string scalar = with(exempt, "[gang_tda]", "gang_tda");
    CHECK(text_error(scalar).message() == "enforcement.USA.max_detention_exempt: expected a list "
                                          "of profile names, got 'gang_tda'");
}

TEST_CASE("remigration.min_delay_days: a number of days >= 0, default 0") {
    CHECK(load_scenario_file(fixtures + "minimal.yaml").remigration.min_delay_days == 0);
    const std::string base = read_file(fixtures + "minimal.yaml");
    CHECK(load_scenario_text(base + "remigration: {min_delay_days: 45}\n", "inline.yaml")
              .remigration.min_delay_days == 45);

    const std::string negative = base + "remigration: {min_delay_days: -1}\n";
    const InputError e = text_error(negative);
    check_at(e, negative, "-1}");
    CHECK(e.message() ==
          "remigration.min_delay_days: -1 is out of range; expected a number >= 0 (days)");
}

TEST_CASE("nationalities: {any_except: [...]} is any nationality but those") {
    const std::string except = minimal_with("nationalities: any", "nationalities: {any_except: "
                                                                  "[MEX]}");
    const Scenario s = load_scenario_text(except, "inline.yaml");
    CHECK(s.agreements[0].any_nationality);
    CHECK(s.agreements[0].excluded_nationalities == std::vector<int>{0});
    CHECK_FALSE(s.agreements[0].eligible(s.groups[1])); // MEX/gang_tda: excluded

    const std::string undefined = with(except, "[MEX]", "[GTM]");
    const InputError country = text_error(undefined);
    check_at(country, undefined, "GTM");
    CHECK(country.message() == "agreements.usa_slv.nationalities.any_except[0]: undefined country "
                               "'GTM'; declared: MEX, USA, SLV");

    const std::string empty = with(except, "[MEX]", "[]");
    CHECK(text_error(empty).message() == "agreements.usa_slv.nationalities.any_except: expected a "
                                         "non-empty list of country codes, got a list");

    const std::string misspelt = with(except, "any_except", "any_excpt");
    const InputError key = text_error(misspelt);
    check_at(key, misspelt, "any_excpt");
    CHECK(key.message() ==
          "unknown key 'any_excpt' in agreements.usa_slv.nationalities; allowed: any_except");
}

// ---------------------------------------------------------------------------------------------
// Policy events: the timeline

namespace {

// The parameters in force on `day`, as the engine picks them: the last change dated on or before
// it, else the scenario itself.
const Scenario& parameters_on(const Scenario& s, Date day) {
    const Scenario* now = &s;
    for (const PolicyChange& change : s.timeline) {
        if (change.date <= day) {
            now = change.parameters.get();
        }
    }
    return *now;
}

std::string events_with(const std::string& from, const std::string& to) {
    return with(read_file(fixtures + "events.yaml"), from, to);
}

} // namespace

TEST_CASE("policy events: one snapshot per date, in date order, each with every event so far") {
    const Scenario s = load_scenario_file(fixtures + "events.yaml");

    // The scenario itself is the state before any event.
    CHECK(s.enforcement[0].interdiction_per_day == std::vector<double>{0.015, 0.015});
    CHECK(s.agreements[0].fee_per_person_day == 0);
    CHECK(s.facilities[1].capacity == 50);

    REQUIRE(s.timeline.size() == 3);
    // Dates in increasing order, whatever the order of the file.
    CHECK(s.timeline[0].date == date("2025-01-01"));
    CHECK(s.timeline[1].date == date("2025-02-10"));
    CHECK(s.timeline[2].date == date("2025-02-20"));
    // The descriptions of the events of a date, joined; an event without one by its id.
    CHECK(s.timeline[0].description == "CECOT fee agreed before the run");
    CHECK(s.timeline[1].description ==
          "Mexico deploys 10,000 troops during the 30-day tariff pause; arrests_up");
    CHECK(s.timeline[2].description == "CECOT expands; interdiction targets gangs");

    const Scenario& fee = *s.timeline[0].parameters;
    CHECK(fee.agreements[0].fee_per_person_day == 54.79);
    CHECK(fee.enforcement[0].interdiction_per_day == std::vector<double>{0.015, 0.015});
    CHECK(std::isinf(fee.agreements[0].monthly_quota));

    const Scenario& pause = *s.timeline[1].parameters;
    CHECK(pause.enforcement[0].interdiction_per_day == std::vector<double>{0.02, 0.02});
    CHECK(pause.agreements[0].monthly_quota == 100);
    CHECK(pause.enforcement[1].arrest_per_day == 0.001);
    CHECK(pause.agreements[0].fee_per_person_day == 54.79); // the earlier event still holds
    CHECK(pause.facilities[1].capacity == 50);

    const Scenario& expansion = *s.timeline[2].parameters;
    CHECK(expansion.enforcement[0].interdiction_per_day == std::vector<double>{0.03, 0.1});
    CHECK(expansion.facilities[1].capacity == 80);
    CHECK(expansion.enforcement[1].arrest_per_day == 0.001);
    CHECK(expansion.agreements[0].monthly_quota == 100);
    // Setting a structural parameter to the value it has is no change.
    CHECK(expansion.enforcement[1].processing_stages == 1);

    // Every snapshot is a whole scenario of the same shape, without a timeline of its own.
    for (const PolicyChange& change : s.timeline) {
        CHECK(change.parameters->timeline.empty());
        CHECK(change.parameters->countries.size() == s.countries.size());
        CHECK(change.parameters->groups.size() == s.groups.size());
        CHECK(change.parameters->start == s.start);
        CHECK(change.parameters->end == s.end);
    }

    // As the engine reads it: the base before an event's date, the event from it on. An event
    // dated before the start applies from the first step.
    CHECK(parameters_on(s, s.start).agreements[0].fee_per_person_day == 54.79);
    CHECK(parameters_on(s, date("2025-02-09")).enforcement[0].interdiction_per_day[0] == 0.015);
    CHECK(parameters_on(s, date("2025-02-10")).enforcement[0].interdiction_per_day[0] == 0.02);
    CHECK(parameters_on(s, date("2025-02-19")).enforcement[0].interdiction_per_day[1] == 0.02);
    CHECK(parameters_on(s, date("2025-02-20")).enforcement[0].interdiction_per_day[1] == 0.1);

    // Without events, no timeline.
    CHECK(load_scenario_file(fixtures + "valid.yaml").timeline.empty());
}

TEST_CASE("policy events with --set: the assignments come first, and the text keeps the events") {
    const Scenario s =
        load_scenario_file(fixtures + "events.yaml", {"enforcement.MEX.interdiction_per_day=0.005",
                                                      "events.cecot_fee.date=2025-02-25"});
    CHECK(s.enforcement[0].interdiction_per_day[0] == 0.005);
    REQUIRE(s.timeline.size() == 3);
    CHECK(s.timeline[0].date == date("2025-02-10"));
    CHECK(s.timeline[0].parameters->agreements[0].fee_per_person_day == 0);
    CHECK(s.timeline[1].parameters->enforcement[0].interdiction_per_day[0] == 0.03);
    CHECK(s.timeline[2].date == date("2025-02-25"));
    CHECK(s.timeline[2].parameters->agreements[0].fee_per_person_day == 54.79);

    const Scenario again = load_scenario_text(s.yaml_text, "emitted.yaml");
    REQUIRE(again.timeline.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(again.timeline[i].date == s.timeline[i].date);
        CHECK(again.timeline[i].description == s.timeline[i].description);
        CHECK(again.timeline[i].parameters->enforcement[0].interdiction_per_day ==
              s.timeline[i].parameters->enforcement[0].interdiction_per_day);
    }
}

TEST_CASE("an event's entry is checked like --set, and an error points at it in the file") {
    // An unknown key: at that key, inside the path.
    const std::string unknown = events_with("enforcement.USA.arrest_per_day: 0.001",
                                            "enforcement.USA.arest_per_day: 0.001");
    const InputError key = text_error(unknown);
    check_at(key, unknown, "arest_per_day");
    CHECK(key.message() == "event arrests_up (2025-02-10): unknown key 'arest_per_day' in "
                           "enforcement.USA; allowed: interdiction_per_day, "
                           "border_apprehension_probability, arrest_per_day, priority, "
                           "processing_mean_days, processing_stages, max_detention_days, "
                           "max_detention_exempt");
    const std::string what = key.what();
    CHECK(what.find("inline.yaml:") == 0);

    // In a quoted path, at the key inside the quotes.
    const std::string quoted = events_with("\"enforcement.MEX.interdiction_per_day\"",
                                           "\"enforcement.MEX.interdiction_per_dya\"");
    check_at(text_error(quoted), quoted, "interdiction_per_dya");

    // A value of the wrong type: at the value.
    const std::string type = events_with("monthly_quota: 100", "monthly_quota: lots");
    const InputError value = text_error(type);
    check_at(value, type, "lots");
    CHECK(value.message() == "event tariff_pause_mexico (2025-02-10): "
                             "agreements.usa_slv.monthly_quota: expected a number >= 0 "
                             "(persons), or .inf for unlimited, got 'lots'");

    // Out of range, inside a map value.
    const std::string range =
        events_with("{default: 0.03, gang_tda: 0.1}", "{default: 0.03, gang_tda: -0.1}");
    const InputError negative = text_error(range);
    check_at(negative, range, "-0.1");
    CHECK(negative.message().rfind("event cecot_expansion (2025-02-20): "
                                   "enforcement.MEX.interdiction_per_day.gang_tda: -0.1 is out of "
                                   "range",
                                   0) == 0);

    // An undefined reference inside a list value.
    const std::string reference =
        events_with("monthly_quota: 100", "profiles: [gang_tda, gang_ms13]");
    const InputError profile = text_error(reference);
    check_at(profile, reference, "gang_ms13");
    CHECK(profile.message() == "event tariff_pause_mexico (2025-02-10): "
                               "agreements.usa_slv.profiles[1]: undefined profile 'gang_ms13'; "
                               "declared under profiles: no_record, gang_tda");

    // An undefined country in the path.
    const std::string country =
        events_with("enforcement.USA.arrest_per_day", "enforcement.GTM.arrest_per_day");
    const InputError gtm = text_error(country);
    check_at(gtm, country, "GTM.arrest_per_day");
    CHECK(gtm.message() == "event arrests_up (2025-02-10): enforcement.GTM: undefined country "
                           "'GTM'; declared: MEX, USA, SLV");

    // Events set parameters, not other events.
    const std::string nested =
        events_with("enforcement.USA.arrest_per_day: 0.001", "events.cecot_fee.date: 2025-02-01");
    const InputError events = text_error(nested);
    check_at(events, nested, "events.cecot_fee.date");
    CHECK(events.message() == "event arrests_up (2025-02-10): events.cecot_fee.date: an event sets "
                              "parameters of the scenario, not other events");

    // A rule broken at a node the events did not write names the events that broke it.
    const std::string window =
        events_with("    facility: cecot\n", "    facility: cecot\n    end: 2025-02-15\n");
    const std::string late = with(window, "agreements.usa_slv.monthly_quota: 100",
                                  "agreements.usa_slv.start: 2025-02-16");
    const InputError rule = text_error(late);
    check_at(rule, late, "2025-02-15");
    CHECK(rule.message() == "with the policy events up to 2025-02-10 applied: "
                            "agreements.usa_slv.end: 2025-02-15 must be after start 2025-02-16");
}

TEST_CASE("an event's date, set and description are checked with the scenario") {
    const std::string after = events_with("date: 2025-02-20", "date: 2025-03-06");
    const InputError end = text_error(after);
    const auto [line, column] = position_of(after, "date: 2025-03-06");
    CHECK(end.where().line == line);
    CHECK(end.where().column == column + 6);
    CHECK(end.message() == "events.cecot_expansion.date: 2025-03-06 is not before the end of the "
                           "run (time.end 2025-03-06); an event from that date on never applies");

    const std::string missing = events_with("    date: 2025-01-01\n", "");
    const InputError date = text_error(missing);
    check_at(date, missing, "cecot_fee:");
    CHECK(date.message() == "missing required key 'date' in events.cecot_fee");

    const std::string bad = events_with("date: 2025-01-01", "date: 2025-02-30");
    CHECK(text_error(bad).message() == "events.cecot_fee.date: expected an ISO date (YYYY-MM-DD), "
                                       "got '2025-02-30' (no such day in the calendar)");

    const std::string empty = events_with(
        "    set:\n      agreements.usa_slv.fee_per_person_day: 54.79\n", "    set: {}\n");
    CHECK(text_error(empty).message() ==
          "events.cecot_fee.set: declare at least one parameter to set");

    const std::string unknown = events_with("description: CECOT fee", "summary: CECOT fee");
    const InputError key = text_error(unknown);
    check_at(key, unknown, "summary");
    CHECK(key.message() ==
          "unknown key 'summary' in events.cecot_fee; allowed: date, description, set");
}

TEST_CASE("an event that changes the structure of the run is refused at its entry") {
    const std::string stages =
        events_with("enforcement.USA.processing_stages: 1", "enforcement.USA.processing_stages: 3");
    const InputError e = text_error(stages);
    check_at(e, stages, "enforcement.USA.processing_stages: 3");
    CHECK(e.message() == "event cecot_expansion (2025-02-20): enforcement.USA.processing_stages "
                         "cannot change in a policy event: it changes the structure of the run "
                         "(detainees are counted by processing stage and days held)");

    // Each of these is refused at the entry that makes it, naming the parameter.
    const std::vector<std::pair<std::string, std::string>> changes = {
        {"time.dt_days: 0.5", "time.dt_days"},
        {"time.end: 2025-03-01", "time.end"},
        {"seed: 9", "seed"},
        {"routes.MEX->USA.days: 10", "routes.MEX->USA.days"},
        {"routes.MEX->USA: {days: 10, mortality: 0.01}", "routes.MEX->USA.days"},
        {"departures.MEX/no_record.origin: USA", "departures.MEX/no_record.origin"},
        {"departures.MEX/gang_tda: {destination: USA, persons_per_day: 1}",
         "departures.MEX/gang_tda"},
        {"agreements.new_deal: {sender: USA, receiver: SLV, nationalities: any, profiles: "
         "[gang_tda], disposition: release}",
         "agreements.new_deal"},
        {"agreements.usa_slv.receiver: MEX", "agreements.usa_slv.receiver"},
        {"countries.SLV.facilities.cecot.kind: detention", "countries.SLV.facilities.cecot.kind"},
        {"countries.MEX.name: Mexique", "countries.MEX.name"},
        {"nationalities.VEN: Venezuela", "nationalities.VEN"},
        {"profiles: [no_record, gang_tda, gang_ms13]", "profiles"},
        {"groups.SLV: [no_record]", "groups.SLV"},
        {"enforcement.MEX.max_detention_days: 90", "enforcement.MEX.max_detention_days"},
        {"remigration.min_delay_days: 30", "remigration.min_delay_days"},
        {"deterrence: {series: [[2025-02-04, 0.5]]}", "deterrence"},
        {"initial.USA.detained.MEX/gang_tda: 5", "initial.USA.detained.MEX/gang_tda"},
        {"flight_programmes.ice: {sender: USA, destinations: any, seats_per_flight: 135, "
         "flights_per_week: 10, cost_per_flight: 40000}",
         "flight_programmes.ice"},
    };
    for (const auto& [entry, parameter] : changes) {
        INFO(entry);
        const std::string text =
            events_with("enforcement.USA.arrest_per_day: 0.001", "enforcement.USA.arrest_per_day: "
                                                                 "0.001\n      " +
                                                                     entry);
        const InputError change = text_error(text);
        check_at(change, text, entry);
        CHECK(change.message().rfind("event arrests_up (2025-02-10): " + parameter +
                                         " cannot change in a policy event: it changes the "
                                         "structure of the run (",
                                     0) == 0);
    }

    // Values of the same parts may change: a route's mortality, an agreement's window.
    const std::string values = events_with("enforcement.USA.arrest_per_day: 0.001",
                                           "routes.MEX->USA.mortality: 0.01\n"
                                           "      agreements.usa_slv.end: 2025-03-01");
    const Scenario s = load_scenario_text(values, "inline.yaml");
    CHECK(s.timeline[1].parameters->routes[0].mortality == 0.01);
    CHECK(s.timeline[1].parameters->agreements[0].end == date("2025-03-01"));
    CHECK(s.routes[0].mortality == 0);
}

// ---------------------------------------------------------------------------------------------
// Composition: extends

namespace {

const std::string compose_dir = fixtures + "compose/";

// A file named in the composition fixtures' directory, so that its `extends` finds them.
InputError compose_error(const std::string& text) {
    return error_of([&] { load_scenario_text(text, compose_dir + "inline.yaml"); });
}

void check_in(const InputError& e, const std::string& file, const std::string& text,
              const std::string& needle) {
    const auto [line, column] = position_of(text, needle);
    CHECK(e.where().file == file);
    CHECK(e.where().line == line);
    CHECK(e.where().column == column);
}

} // namespace

TEST_CASE("extends: maps merge key by key, scalars and lists replace, null deletes") {
    const std::string path = compose_dir + "child.yaml";
    const Scenario s = load_scenario_file(path);
    CHECK(s.source_path == path);
    CHECK(s.name == "compose_child");                             // replaced
    CHECK(s.description == "The base of the composition tests."); // from the base
    CHECK(s.profiles == std::vector<std::string>{"no_record", "gang_tda", "violent_record"});
    CHECK(s.groups.size() == 3); // the list replaced, not appended to

    // Maps merged: the base's order, new keys after.
    REQUIRE(s.countries.size() == 3);
    CHECK(s.countries[0].code == "MEX");
    CHECK(s.countries[2].code == "SLV");
    REQUIRE(s.facilities.size() == 2);
    CHECK(s.facilities[0].id == "us_detention");
    CHECK(s.facilities[0].kind == FacilityKind::detention); // from the base
    CHECK(s.facilities[0].capacity == 200);                 // from the child
    CHECK(s.enforcement[0].interdiction_per_day ==
          std::vector<double>{0.02, 0.02, 0.02});    // from the child
    CHECK(s.enforcement[0].arrest_per_day == 0.001); // from the base, same map
    CHECK(s.enforcement[1].border_apprehension_probability == 0.8);
    CHECK(s.enforcement[2].arrest_per_day == 0.0001); // a new entry
    REQUIRE(s.agreements.size() == 1);
    CHECK(s.agreements[0].facility == 1);

    // Deleted with `deterrence: ~`.
    CHECK(s.deterrence.kind == DeterrenceKind::none);

    // Events merge like any map: the base's event gains an entry; the child adds an event.
    REQUIRE(s.timeline.size() == 2);
    CHECK(s.timeline[0].description == "Border surge");
    CHECK(s.timeline[0].parameters->enforcement[1].border_apprehension_probability == 0.9);
    CHECK(s.timeline[0].parameters->enforcement[1].arrest_per_day == 0.002);
    CHECK(s.timeline[1].description == "Pause");
    CHECK(s.timeline[1].parameters->enforcement[0].interdiction_per_day[0] == 0.01);

    // The text is the merged tree, under a comment naming the files; it stands alone.
    const std::string first_line = s.yaml_text.substr(0, s.yaml_text.find('\n'));
    CHECK(first_line == "# merged from " + path + ", which extends " + compose_dir + "base.yaml");
    CHECK(s.yaml_text.find("extends", first_line.size()) == std::string::npos);
    CHECK(s.overrides.empty());
    const Scenario again = load_scenario_text(s.yaml_text, "emitted.yaml");
    CHECK(again.name == s.name);
    CHECK(again.description == s.description);
    CHECK(again.facilities[0].capacity == 200);
    CHECK(again.enforcement[0].arrest_per_day == 0.001);
    CHECK(again.deterrence.kind == DeterrenceKind::none);
    CHECK(again.timeline.size() == 2);
}

TEST_CASE("extends: a chain of files, and --set on the merged tree") {
    const std::string path = compose_dir + "grandchild.yaml";
    const Scenario s = load_scenario_file(path, {"enforcement.MEX.arrest_per_day=0.003"});
    CHECK(s.name == "compose_grandchild");
    CHECK(s.seed == 5);
    CHECK(s.facilities[0].capacity == 200);                  // from child.yaml
    CHECK(s.routes.size() == 1);                             // from base.yaml
    CHECK(s.enforcement[0].arrest_per_day == 0.003);         // --set, over all three
    CHECK(s.enforcement[0].interdiction_per_day[0] == 0.02); // from child.yaml
    REQUIRE(s.timeline.size() == 1);                         // `pause: ~` deleted the event
    CHECK(s.timeline[0].description == "Border surge");
    CHECK(s.yaml_text.rfind("# merged from " + path + ", which extends " + compose_dir +
                                "child.yaml, which extends " + compose_dir + "base.yaml\n",
                            0) == 0);
    CHECK(s.overrides == std::vector<std::string>{"enforcement.MEX.arrest_per_day=0.003"});
}

TEST_CASE("extends: a cycle of files is an error at the extends that closes it") {
    const std::string a = compose_dir + "cycle_a.yaml";
    const std::string b = compose_dir + "cycle_b.yaml";
    const InputError e = error_of([&] { load_scenario_file(a); });
    check_in(e, b, read_file(b), "./cycle_a.yaml");
    CHECK(e.message() == "extends: a cycle of files: " + a + " extends " + b + " extends " + a);

    const InputError itself = compose_error("extends: inline.yaml\nname: x\n");
    CHECK(itself.where().file == compose_dir + "inline.yaml");
    CHECK(itself.where().line == 1);
    CHECK(itself.where().column == 10);
    CHECK(itself.message() == "extends: a cycle of files: " + compose_dir + "inline.yaml extends " +
                                  compose_dir + "inline.yaml");
}

TEST_CASE("extends: an error points into the file that wrote the offending node") {
    // In the base: broken_child.yaml inherits a mistake of broken_base.yaml.
    const std::string base = compose_dir + "broken_base.yaml";
    const InputError inherited =
        error_of([&] { load_scenario_file(compose_dir + "broken_child.yaml"); });
    check_in(inherited, base, read_file(base), "1.5\n");
    CHECK(inherited.where().line_text == "    border_apprehension_probability: 1.5");
    CHECK(inherited.message() == "enforcement.USA.border_apprehension_probability: 1.5 is out of "
                                 "range; expected a number in [0, 1] (probability)");

    // In the extending file: an unknown key in a map merged with the base's.
    const std::string file = compose_dir + "inline.yaml";
    const std::string unknown = "extends: base.yaml\nenforcement:\n  USA:\n    arrest_per_dya: 1\n";
    const InputError key = compose_error(unknown);
    check_in(key, file, unknown, "arrest_per_dya");
    CHECK(key.where().line_text == "    arrest_per_dya: 1");

    // A rule between the files: the child's facility for the base's agreement.
    const std::string facility =
        "extends: base.yaml\nagreements:\n  usa_slv:\n    facility: us_detention\n";
    const InputError rule = compose_error(facility);
    check_in(rule, file, facility, "us_detention");
    CHECK(rule.message() == "agreements.usa_slv.facility: facility 'us_detention' is in USA, not "
                            "in the receiver SLV");

    // An entry the child adds to an event of the base: at the child's entry.
    const std::string entry = "extends: base.yaml\nevents:\n  surge:\n    set:\n"
                              "      enforcement.USA.processing_stages: 2\n";
    const InputError structure = compose_error(entry);
    check_in(structure, file, entry, "enforcement.USA.processing_stages");
    CHECK(structure.message().rfind("event surge (2025-02-10): enforcement.USA.processing_stages "
                                    "cannot change in a policy event",
                                    0) == 0);

    // An event's entry in a base file, applied through a file that extends it.
    const std::string events_base = compose_dir + "bad_event.yaml";
    const InputError event = compose_error("extends: bad_event.yaml\nname: x\n");
    check_in(event, events_base, read_file(events_base), "-0.5");
    CHECK(event.message() == "event crackdown (2025-02-15): enforcement.USA.arrest_per_day: -0.5 "
                             "is out of range; expected a number >= 0 (per day)");

    // A rule broken at the child's node by the base's event: the child's line, and the events.
    const std::string base_event =
        "extends: base.yaml\nagreements:\n  usa_slv:\n    end: 2025-02-08\n"
        "events:\n  surge:\n    set:\n      agreements.usa_slv.start: 2025-02-09\n";
    const InputError window = compose_error(base_event);
    check_in(window, file, base_event, "2025-02-08");
    CHECK(window.message() == "with the policy events up to 2025-02-10 applied: "
                              "agreements.usa_slv.end: 2025-02-08 must be after start 2025-02-09");
}

TEST_CASE("extends: mistakes of composition") {
    const std::string file = compose_dir + "inline.yaml";

    const std::string absent = "extends: base.yaml\nremigration: ~\n";
    const InputError deletes = compose_error(absent);
    check_in(deletes, file, absent, "remigration");
    CHECK(deletes.message() == "remigration: a null value deletes the key from the scenario this "
                               "file extends, but " +
                                   compose_dir + "base.yaml has no remigration");

    const std::string missing = "extends: no_such_base.yaml\nname: x\n";
    const InputError unreadable = compose_error(missing);
    check_in(unreadable, file, missing, "no_such_base.yaml");
    CHECK(unreadable.message() == "extends: cannot read the scenario file " + compose_dir +
                                      "no_such_base.yaml: No such file or directory");

    const std::string list = "extends: [base.yaml]\n";
    const InputError not_path = compose_error(list);
    check_in(not_path, file, list, "[base.yaml]");
    CHECK(not_path.message() == "extends: expected the path of the scenario file this one "
                                "extends, got a list");

    // A duplicate key would be lost in the merge: refused in each file.
    const std::string twice = "extends: base.yaml\nname: a\nname: b\n";
    const InputError duplicate = compose_error(twice);
    check_in(duplicate, file, twice, "name: b");
    CHECK(duplicate.message() == "duplicate key 'name' at the top level (first given on line 2)");

    const std::string version = "extends: base.yaml\nformat_version: 2\n";
    const InputError major = compose_error(version);
    check_in(major, file, version, "2\n");
    CHECK(major.message() ==
          "format_version 2 is not supported; this engine reads format version 1");

    // Deleting a required key: the merged scenario lacks it; the top file is named.
    const InputError required = compose_error("extends: base.yaml\nname: ~\n");
    CHECK(required.where().file == file);
    CHECK(required.where().line == 0);
    CHECK(required.message() == "missing required key 'name' at the top level");

    // A syntax error in a base is located in the base.
    const std::string syntax = fixtures + "malformed/syntax_error.yaml";
    const InputError parse = compose_error("extends: ../malformed/syntax_error.yaml\n");
    CHECK(parse.where().file == syntax);
    CHECK(parse.where().line == 19);
    CHECK(parse.message() == "YAML syntax error: end of sequence flow not found");
}

// ---------------------------------------------------------------------------------------------
// Defaults: written once, as the member initialisers of sim/core/scenario.hpp (and its
// `..._default` constants for by-profile values). The loader keeps them where a file says
// nothing, and docs/scenario-format.md states them.

namespace {

// A scenario that leaves out every optional key it can, but has one of each kind of entry
// (an empty enforcement entry, an agreement of each disposition with a facility, a signal).
const char* const scenario_without_defaults = R"(name: defaults
time: {start: 2025-02-04, end: 2025-03-06}
countries:
  MEX: {name: Mexico}
  USA:
    name: United States
    facilities:
      us_detention: {kind: detention, capacity: 100}
  SLV:
    name: El Salvador
    facilities:
      cecot: {kind: prison, capacity: 50}
      camp: {kind: shelter, capacity: 50}
profiles: [no_record, gang_tda]
groups:
  MEX: [no_record, gang_tda]
routes:
  MEX->USA: {days: 20}
departures:
  MEX/no_record: {destination: USA, persons_per_day: 10}
enforcement:
  USA: {}
  MEX: {interdiction_per_day: {gang_tda: 0.5}, priority: {gang_tda: 5}}
flight_programmes:
  ice_air: {sender: USA, destinations: any, seats_per_flight: 100, flights_per_week: 1,
            cost_per_flight: 1}
agreements:
  usa_slv:
    {sender: USA, receiver: SLV, nationalities: any, profiles: [gang_tda], disposition: imprison,
     facility: cecot}
  usa_slv_camp:
    {sender: USA, receiver: SLV, nationalities: any, profiles: [no_record], disposition: shelter,
     facility: camp, shelter: {}}
remigration: {per_day: {gang_tda: 0.1}}
deterrence: {signal: removals_per_arrival, elasticity: 0.5}
)";

// The text of the cell in column `column` (0-based) of the table row for `key` (written
// `key` in the row's first cell) in the section of docs/scenario-format.md headed `heading`.
std::string documented_cell(const std::string& heading, const std::string& key, int column) {
    std::istringstream doc(
        read_file(std::string(DEPORTSIM_SOURCE_DIR) + "/docs/scenario-format.md"));
    std::string line;
    bool in_section = false;
    while (std::getline(doc, line)) {
        if (line.rfind("## ", 0) == 0) {
            in_section = line == heading;
            continue;
        }
        if (!in_section || line.rfind("| ", 0) != 0) {
            continue;
        }
        std::vector<std::string> cells;
        std::size_t at = 1;
        while (true) {
            const std::size_t next = line.find(" |", at);
            if (next == std::string::npos) {
                break;
            }
            std::string cell = line.substr(at, next - at);
            cell.erase(0, cell.find_first_not_of(' '));
            cells.push_back(cell);
            at = next + 2;
        }
        if (!cells.empty() && cells[0].find("`" + key + "`") != std::string::npos &&
            static_cast<int>(cells.size()) > column) {
            return cells[static_cast<std::size_t>(column)];
        }
    }
    throw std::logic_error("docs/scenario-format.md: no row for '" + key + "' under " + heading);
}

// The number a default cell states: `30`, `no (1)`, `no (\`.inf\`)`, `.inf`, `all 0`.
double documented_default(const std::string& heading, const std::string& key) {
    std::string cell = documented_cell(heading, key, 2);
    for (const std::string prefix : {"no (", "all "}) {
        if (cell.rfind(prefix, 0) == 0) {
            cell = cell.substr(prefix.size());
        }
    }
    std::erase(cell, '`');
    std::erase(cell, ')');
    if (cell == ".inf") {
        return unlimited;
    }
    std::size_t used = 0;
    const double value = std::stod(cell, &used);
    if (used != cell.size()) {
        throw std::logic_error("docs/scenario-format.md: the default of '" + key + "' under " +
                               heading + " is not a number: '" + cell + "'");
    }
    return value;
}

} // namespace

TEST_CASE("a key a file leaves out takes the default of its Scenario struct") {
    const Scenario s = load_scenario_text(scenario_without_defaults, "inline.yaml");
    const int MEX = 0, USA = 1, SLV = 2;
    CHECK(s.description == Scenario{}.description);
    CHECK(s.dt_days == Scenario{}.dt_days);
    CHECK(s.seed == Scenario{}.seed);
    for (const Facility& f : s.facilities) {
        CHECK(f.cost_per_person_day == Facility{}.cost_per_person_day);
    }
    CHECK(s.routes[0].mortality == Route{}.mortality);
    CHECK(s.routes[0].weight == Route{}.weight);
    CHECK_FALSE(s.departures[0].multiplier.has_value());

    // USA's entry is empty and SLV has none: both are a default Enforcement, by profile too.
    const Enforcement defaults;
    for (const int c : {USA, SLV}) {
        INFO("country " << s.countries[static_cast<std::size_t>(c)].code);
        const Enforcement& e = s.enforcement[static_cast<std::size_t>(c)];
        CHECK(e.border_apprehension_probability == defaults.border_apprehension_probability);
        CHECK(e.arrest_per_day == defaults.arrest_per_day);
        CHECK(e.processing_mean_days == defaults.processing_mean_days);
        CHECK(e.processing_stages == defaults.processing_stages);
        CHECK(e.max_detention_days == defaults.max_detention_days);
        CHECK(e.interdiction_per_day ==
              std::vector<double>(2, Enforcement::interdiction_per_day_default));
        CHECK(e.priority == std::vector<double>(2, Enforcement::priority_default));
        CHECK(e.max_detention_exempt == std::vector<char>(2, 0));
    }
    // A by-profile map without `default`: the profiles it does not name take the default.
    CHECK(s.enforcement[MEX].interdiction_per_day ==
          std::vector<double>{Enforcement::interdiction_per_day_default, 0.5});
    CHECK(s.enforcement[MEX].priority == std::vector<double>{Enforcement::priority_default, 5});
    CHECK(s.remigration.per_day == std::vector<double>{Remigration::per_day_default, 0.1});
    CHECK(s.remigration.min_delay_days == Remigration{}.min_delay_days);

    for (const ReturnAcceptance& r : s.returns) {
        CHECK(r.policy == ReturnAcceptance{}.policy);
        CHECK(r.monthly_cap == ReturnAcceptance{}.monthly_cap);
    }
    CHECK(s.programmes[0].budget == FlightProgramme{}.budget);
    CHECK(s.programmes[0].start == s.start); // the run's window: not a struct default
    CHECK(s.programmes[0].end == s.end);
    for (const Agreement& a : s.agreements) {
        INFO("agreement " << a.id);
        const Agreement none;
        CHECK(a.monthly_quota == none.monthly_quota);
        CHECK(a.total_quota == none.total_quota);
        CHECK(a.fee_per_person_day == none.fee_per_person_day);
        CHECK(a.priority == none.priority);
        CHECK(a.release_per_day == none.release_per_day);
        CHECK(a.preferred_profiles.empty());
        CHECK(a.shelter.onward_return_per_day == none.shelter.onward_return_per_day);
        CHECK(a.shelter.asylum_per_day == none.shelter.asylum_per_day);
        CHECK(a.shelter.permit_per_day == none.shelter.permit_per_day);
        CHECK(a.shelter.abscond_per_day == none.shelter.abscond_per_day);
        CHECK(a.start == s.start);
        CHECK(a.end == s.end);
    }
    CHECK(s.deterrence.kind == DeterrenceKind::signal);
    CHECK(s.deterrence.window_days == Deterrence{}.window_days);
    CHECK(s.deterrence.reference == Deterrence{}.reference);
    // Without a deterrence section: the default Deterrence.
    CHECK(load_scenario_file(fixtures + "minimal.yaml").deterrence.kind == Deterrence{}.kind);
}

TEST_CASE("docs/scenario-format.md states the defaults of the Scenario structs") {
    CHECK(documented_default("## Top level", "seed") == double(Scenario{}.seed));
    CHECK(documented_cell("## Top level", "description", 2) == "no (\"\")");
    CHECK(Scenario{}.description.empty());
    CHECK(documented_default("## `time`", "dt_days") == Scenario{}.dt_days);
    const std::string countries = "## `countries.<CODE>` and `nationalities`";
    CHECK(documented_default(countries, "cost_per_person_day") == Facility{}.cost_per_person_day);
    const std::string routes = "## `routes.\"FROM->TO\"`";
    CHECK(documented_default(routes, "mortality") == Route{}.mortality);
    CHECK(documented_default(routes, "weight") == Route{}.weight);

    const std::string enforcement = "## `enforcement.<CODE>`";
    const Enforcement e;
    CHECK(documented_default(enforcement, "interdiction_per_day") ==
          Enforcement::interdiction_per_day_default);
    CHECK(documented_default(enforcement, "border_apprehension_probability") ==
          e.border_apprehension_probability);
    CHECK(documented_default(enforcement, "arrest_per_day") == e.arrest_per_day);
    CHECK(documented_default(enforcement, "priority") == Enforcement::priority_default);
    CHECK(documented_default(enforcement, "processing_mean_days") == e.processing_mean_days);
    CHECK(documented_default(enforcement, "processing_stages") == e.processing_stages);
    CHECK(documented_default(enforcement, "max_detention_days") == e.max_detention_days);

    CHECK(documented_cell("## `returns.<CODE>`", "accept", 1).find("the default") !=
          std::string::npos);
    CHECK(ReturnAcceptance{}.policy == ReturnPolicy::accept);
    CHECK(documented_default("## `flight_programmes.<ID>`", "budget") == FlightProgramme{}.budget);

    const std::string agreements = "## `agreements.<ID>`";
    const Agreement a;
    CHECK(documented_default(agreements, "monthly_quota") == a.monthly_quota);
    CHECK(documented_default(agreements, "total_quota") == a.total_quota);
    CHECK(documented_default(agreements, "fee_per_person_day") == a.fee_per_person_day);
    CHECK(documented_default(agreements, "priority") == a.priority);
    CHECK(documented_default(agreements, "release_per_day") == a.release_per_day);
    const double shelter = documented_default(agreements, "shelter"); // "all 0"
    CHECK(shelter == a.shelter.onward_return_per_day);
    CHECK(shelter == a.shelter.asylum_per_day);
    CHECK(shelter == a.shelter.permit_per_day);
    CHECK(shelter == a.shelter.abscond_per_day);

    CHECK(documented_default("## `remigration`", "per_day") == Remigration::per_day_default);
    CHECK(documented_default("## `remigration`", "min_delay_days") == Remigration{}.min_delay_days);
    CHECK(documented_default("## `deterrence`", "window_days") == Deterrence{}.window_days);
    CHECK(documented_default("## `deterrence`", "reference") == Deterrence{}.reference);
    CHECK(Deterrence{}.kind == DeterrenceKind::none); // "default: no deterrence (factor 1)"
}
