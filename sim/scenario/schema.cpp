#include "scenario/schema.hpp"

#include "core/types.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace deportsim::loader {

namespace {

using SchemaPtr = std::shared_ptr<const Schema>;
constexpr double infinity = std::numeric_limits<double>::infinity();

void check_item(const Source& source, const Item& item, const Schema& schema);

// ---------------------------------------------------------------------------------------------
// Building blocks of the schema

Schema::Field required(std::string key, SchemaPtr schema) {
    return Schema::Field{std::move(key), true, std::move(schema)};
}

Schema::Field optional(std::string key, SchemaPtr schema) {
    return Schema::Field{std::move(key), false, std::move(schema)};
}

SchemaPtr value(std::string expected, ItemCheck check) {
    auto schema = std::make_shared<Schema>();
    schema->shape = Schema::Shape::value;
    schema->expected = std::move(expected);
    schema->check = std::move(check);
    return schema;
}

SchemaPtr record(std::vector<Schema::Field> fields, ItemCheck rule = {}, ItemCheck other_forms = {},
                 std::string expected = "a map") {
    auto schema = std::make_shared<Schema>();
    schema->shape = Schema::Shape::record;
    schema->expected = std::move(expected);
    schema->fields = std::move(fields);
    schema->rule = std::move(rule);
    schema->check = std::move(other_forms);
    return schema;
}

SchemaPtr collection(std::string expected, ItemCheck check_key, SchemaPtr entry,
                     ItemCheck other_forms = {}, ItemCheck rule = {}) {
    auto schema = std::make_shared<Schema>();
    schema->shape = Schema::Shape::collection;
    schema->expected = std::move(expected);
    schema->check_key = std::move(check_key);
    schema->entry = std::move(entry);
    schema->check = std::move(other_forms);
    schema->rule = std::move(rule);
    return schema;
}

[[noreturn]] void fail_expected(const Source& source, const Item& item, const std::string& expected,
                                const std::string& hint = "") {
    source.fail_at_value(item, item.path + ": expected " + expected + ", got " +
                                   describe(item.node) + hint);
}

// ---------------------------------------------------------------------------------------------
// Checks of values

void check_number(const Source& source, const Item& item, const Range& range,
                  const std::string& expected) {
    const auto x = plain_number(item.node);
    if (!x) {
        // A number in quotes is a string in YAML; say so, since it is the usual slip.
        const bool quoted_number = item.node.IsScalar() && is_quoted(item.node) &&
                                   number_from_text(item.node.Scalar()).has_value();
        fail_expected(source, item, expected,
                      quoted_number ? " (numbers are written without quotes)" : "");
    }
    if (!range.contains(*x)) {
        source.fail_at_value(item, item.path + ": " + item.node.Scalar() +
                                       " is out of range; expected " + expected);
    }
}

SchemaPtr number(Range range) {
    const std::string expected = range.text();
    return value(expected, [range, expected](const Source& source, const Item& item) {
        check_number(source, item, range, expected);
    });
}

// A number that counts persons: whole and >= 0.
SchemaPtr whole_persons() {
    const std::string expected = "a whole number >= 0 (persons)";
    return value(expected, [expected](const Source& source, const Item& item) {
        const Range range{0.0, infinity, false, false, false, "persons"};
        check_number(source, item, range, expected);
        if (std::floor(*plain_number(item.node)) != *plain_number(item.node)) {
            fail_expected(source, item, expected);
        }
    });
}

SchemaPtr integer(std::int64_t low, std::int64_t high, const std::string& unit) {
    std::string expected = "an integer";
    if (low != std::numeric_limits<std::int64_t>::min()) {
        expected += high == std::numeric_limits<std::int64_t>::max()
                        ? " >= " + std::to_string(low)
                        : " in [" + std::to_string(low) + ", " + std::to_string(high) + "]";
    }
    if (!unit.empty()) {
        expected += " (" + unit + ")";
    }
    return value(expected, [low, high, expected](const Source& source, const Item& item) {
        const auto x = plain_integer(item.node);
        if (!x) {
            fail_expected(source, item, expected);
        }
        if (*x < low || *x > high) {
            source.fail_at_value(item, item.path + ": " + item.node.Scalar() +
                                           " is out of range; expected " + expected);
        }
    });
}

void check_scalar(const Source& source, const Item& item, const std::string& expected) {
    if (!item.node.IsScalar()) {
        fail_expected(source, item, expected);
    }
}

SchemaPtr text() {
    const std::string expected = "a text";
    return value(expected, [expected](const Source& source, const Item& item) {
        check_scalar(source, item, expected);
    });
}

SchemaPtr non_empty_text() {
    const std::string expected = "a non-empty text";
    return value(expected, [expected](const Source& source, const Item& item) {
        check_scalar(source, item, expected);
        if (item.node.Scalar().empty()) {
            fail_expected(source, item, expected);
        }
    });
}

SchemaPtr date() {
    const std::string expected = "an ISO date (YYYY-MM-DD)";
    return value(expected, [expected](const Source& source, const Item& item) {
        check_scalar(source, item, expected);
        if (!date_value(item.node)) {
            const std::string& s = item.node.Scalar();
            const bool shaped = s.size() == 10 && s[4] == '-' && s[7] == '-';
            fail_expected(source, item, expected, shaped ? " (no such day in the calendar)" : "");
        }
    });
}

template <std::size_t N>
std::vector<std::string> names_of(const std::array<std::string_view, N>& names) {
    return std::vector<std::string>(names.begin(), names.end());
}

SchemaPtr choice(std::vector<std::string> allowed) {
    const std::string expected = "one of " + join(allowed);
    return value(expected, [allowed, expected](const Source& source, const Item& item) {
        check_scalar(source, item, expected);
        if (std::find(allowed.begin(), allowed.end(), item.node.Scalar()) == allowed.end()) {
            fail_expected(source, item, expected);
        }
    });
}

// The major version of the format; this engine reads version 1.
SchemaPtr format_version() {
    const std::string expected = "the integer 1";
    return value(expected, [expected](const Source& source, const Item& item) {
        const auto version = plain_integer(item.node);
        if (!version) {
            fail_expected(source, item, expected);
        }
        if (*version != 1) {
            source.fail_at_value(item, "format_version " + item.node.Scalar() +
                                           " is not supported; this engine reads format "
                                           "version 1");
        }
    });
}

bool is_country_code(std::string_view s) {
    return s.size() == 3 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool is_identifier(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

const std::string country_code_text = "a country code (three upper-case letters, ISO 3166 alpha-3)";

void check_country_code(const Source& source, const Item& item) {
    check_scalar(source, item, country_code_text);
    if (!is_country_code(item.node.Scalar())) {
        fail_expected(source, item, country_code_text);
    }
}

SchemaPtr country_code() {
    return value(country_code_text, check_country_code);
}

std::string identifier_text(const std::string& what) {
    return "a " + what + " (letters, digits, '_' and '-')";
}

SchemaPtr identifier(const std::string& what) {
    const std::string expected = identifier_text(what);
    return value(expected, [expected](const Source& source, const Item& item) {
        check_scalar(source, item, expected);
        if (!is_identifier(item.node.Scalar())) {
            fail_expected(source, item, expected);
        }
    });
}

// A profile label; `default` is taken by the by-profile maps.
SchemaPtr profile_name() {
    const std::string expected = identifier_text("profile name") + ", not 'default'";
    return value(expected, [expected](const Source& source, const Item& item) {
        check_scalar(source, item, expected);
        if (!is_identifier(item.node.Scalar()) || item.node.Scalar() == "default") {
            fail_expected(source, item, expected);
        }
    });
}

// A list whose elements follow `element`; with `unique`, no scalar twice.
SchemaPtr list_of(SchemaPtr element, const std::string& what, bool unique, bool non_empty) {
    const std::string expected =
        std::string(non_empty ? "a non-empty list of " : "a list of ") + what;
    return value(expected, [element, unique, non_empty, expected](const Source& source,
                                                                  const Item& item) {
        if (!item.node.IsSequence() || (non_empty && item.node.size() == 0)) {
            fail_expected(source, item, expected);
        }
        std::vector<std::string> seen;
        for (const Item& entry : item.elements()) {
            check_item(source, entry, *element);
            if (!unique || !entry.node.IsScalar()) {
                continue;
            }
            if (std::find(seen.begin(), seen.end(), entry.node.Scalar()) != seen.end()) {
                source.fail_at_value(entry,
                                     item.path + ": '" + entry.node.Scalar() + "' is listed twice");
            }
            seen.push_back(entry.node.Scalar());
        }
    });
}

// `any` or a list of `element`.
SchemaPtr any_or_list_of(SchemaPtr element, const std::string& what) {
    const auto list = list_of(element, what, true, true);
    const std::string expected = "any or " + list->expected;
    return value(expected, [list, expected](const Source& source, const Item& item) {
        if (item.node.IsScalar() && item.node.Scalar() == "any" && !is_quoted(item.node)) {
            return;
        }
        if (!item.node.IsSequence()) {
            fail_expected(source, item, expected);
        }
        list->check(source, item);
    });
}

// [[date, value], ...] with strictly increasing dates.
SchemaPtr dated_series(Range range) {
    const std::string expected = "a dated series [[YYYY-MM-DD, value], ...]";
    const auto date_schema = date();
    const auto value_schema = number(range);
    return value(expected,
                 [expected, date_schema, value_schema](const Source& source, const Item& item) {
                     if (!item.node.IsSequence() || item.node.size() == 0) {
                         fail_expected(source, item, expected);
                     }
                     std::optional<Date> previous;
                     for (const Item& point : item.elements()) {
                         if (!point.node.IsSequence() || point.node.size() != 2) {
                             fail_expected(source, point, "a pair [YYYY-MM-DD, value]");
                         }
                         const Item when = point.element(0, point.node[0]);
                         check_item(source, when, *date_schema);
                         check_item(source, point.element(1, point.node[1]), *value_schema);
                         const Date d = *date_value(when.node);
                         if (previous && d <= *previous) {
                             source.fail_at_value(when, item.path + ": dates must increase; " +
                                                            when.node.Scalar() + " is not after " +
                                                            format_iso_date(*previous));
                         }
                         previous = d;
                     }
                 });
}

// Number or by-profile map: `0.002` or `{default: 0.002, gang_tda: 0.01}`.
SchemaPtr by_profile(Range range) {
    const std::string expected =
        range.text() + ", or a map from profile (or default) to such numbers";
    const auto entry = number(range);
    return collection(
        expected,
        [](const Source& source, const Item& key) {
            if (!is_identifier(key.node.Scalar())) {
                source.fail(key.node, key.path + ": '" + key.node.Scalar() +
                                          "' is not a profile name or 'default'");
            }
        },
        entry,
        [range, expected](const Source& source, const Item& item) {
            check_number(source, item, range, expected);
        });
}

// ---------------------------------------------------------------------------------------------
// Checks of collection keys

void key_country_code(const Source& source, const Item& key) {
    if (!is_country_code(key.node.Scalar())) {
        source.fail(key.node,
                    key.path + ": key '" + key.node.Scalar() + "' is not " + country_code_text);
    }
}

ItemCheck key_identifier(const std::string& what) {
    return [what](const Source& source, const Item& key) {
        if (!is_identifier(key.node.Scalar())) {
            source.fail(key.node, key.path + ": key '" + key.node.Scalar() + "' is not " +
                                      identifier_text(what));
        }
    };
}

void key_route(const Source& source, const Item& key) {
    const std::string& s = key.node.Scalar();
    const std::size_t arrow = s.find("->");
    const bool shaped = arrow != std::string::npos && is_country_code(s.substr(0, arrow)) &&
                        is_country_code(s.substr(arrow + 2));
    if (!shaped) {
        source.fail(key.node, key.path + ": key '" + s +
                                  "' is not a route id FROM->TO of two country codes (COL->PAN)");
    }
    if (s.substr(0, arrow) == s.substr(arrow + 2)) {
        source.fail(key.node, key.path + ": a route must join two different countries");
    }
}

void key_group(const Source& source, const Item& key) {
    const std::string& s = key.node.Scalar();
    const std::size_t slash = s.find('/');
    if (slash == std::string::npos || !is_country_code(s.substr(0, slash)) ||
        !is_identifier(s.substr(slash + 1))) {
        source.fail(key.node, key.path + ": key '" + s +
                                  "' is not a group id NATIONALITY/profile (VEN/gang_tda)");
    }
}

// Initial stocks: the statuses a person can start in, and why the others cannot.
void key_initial_status(const Source& source, const Item& key) {
    const std::string& s = key.node.Scalar();
    const auto status = enum_from_name<Status>(status_names, s);
    const std::string allowed = "allowed: at_large, detained, returned, settled";
    if (!status) {
        source.fail(key.node, key.path + ": unknown status '" + s + "'; " + allowed);
    }
    std::string why;
    switch (*status) {
    case Status::at_large:
    case Status::detained:
    case Status::returned:
    case Status::settled:
        return;
    case Status::in_transit:
        why = "people in transit need a destination and a place on a route; give them as "
              "departures";
        break;
    case Status::imprisoned:
    case Status::sheltered:
        why = "people held under an agreement enter by transfers during the run; a stock "
              "cannot start under an agreement";
        break;
    case Status::dead_or_missing:
        why = "dead_or_missing counts the deaths of the run and starts at zero";
        break;
    }
    source.fail(key.node, key.path + ": status '" + s + "' cannot hold an initial stock: " + why +
                              "; " + allowed);
}

// ---------------------------------------------------------------------------------------------
// Rules between fields

// `end` after `start` where both are given.
void rule_window(const Source& source, const Item& item) {
    const auto start = item.find("start");
    const auto end = item.find("end");
    if (start && end && *date_value(end->node) <= *date_value(start->node)) {
        source.fail_at_value(*end, end->path + ": " + end->node.Scalar() + " must be after start " +
                                       start->node.Scalar());
    }
}

// A flight's cost: `cost_per_flight`, or `flight_hours` times `cost_per_flight_hour`.
void rule_flight_cost(const Source& source, const Item& item) {
    const auto per_flight = item.find("cost_per_flight");
    const auto hours = item.find("flight_hours");
    const auto per_hour = item.find("cost_per_flight_hour");
    const std::string ways = "give either cost_per_flight, or flight_hours and "
                             "cost_per_flight_hour";
    if (per_flight && (hours || per_hour)) {
        source.fail_at_key(hours ? *hours : *per_hour,
                           item.path + ": the cost of a flight is given twice; " + ways +
                               ", not both");
    }
    if (!per_flight && !hours && !per_hour) {
        source.fail_at_key(item, item.path + ": missing the cost of a flight; " + ways);
    }
    if (!per_flight && (!hours || !per_hour)) {
        source.fail_at_key(hours ? *hours : *per_hour,
                           item.path + ": missing " +
                               (hours ? "cost_per_flight_hour" : "flight_hours") +
                               "; the cost of a flight is flight_hours x cost_per_flight_hour");
    }
}

// imprison and shelter name the facility; release takes none.
void rule_disposition(const Source& source, const Item& item) {
    const std::string disposition = item.find("disposition")->node.Scalar();
    const auto facility = item.find("facility");
    if (disposition == "release" && facility) {
        source.fail_at_key(*facility, item.path + ": disposition release holds nobody; remove "
                                                  "facility");
    }
    if (const auto release = item.find("release_per_day"); release && disposition != "imprison") {
        source.fail_at_key(*release, item.path +
                                         ": release_per_day applies to disposition imprison, "
                                         "not " +
                                         disposition +
                                         (disposition == "shelter"
                                              ? " (sheltered people leave by the rates under "
                                                "shelter)"
                                              : ""));
    }
    if (const auto shelter = item.find("shelter"); shelter && disposition != "shelter") {
        source.fail_at_key(*shelter, item.path +
                                         ": shelter outcomes apply to disposition "
                                         "shelter, not " +
                                         disposition);
    }
    if (disposition != "release" && !facility) {
        source.fail_at_key(item, "missing required key 'facility' in " + item.path +
                                     ": disposition " + disposition + " needs a " +
                                     (disposition == "imprison" ? "prison" : "shelter") +
                                     " of the receiver");
    }
    rule_window(source, item);
}

void rule_deterrence(const Source& source, const Item& item) {
    const auto series = item.find("series");
    const auto signal = item.find("signal");
    if (series && signal) {
        source.fail_at_key(*signal, item.path + ": give either series or signal, not both");
    }
    if (!series && !signal) {
        source.fail_at_key(item, item.path + ": give series (a dated multiplier) or signal "
                                             "(removals_per_arrival); omit deterrence for none");
    }
    if (series) {
        for (const char* key : {"window_days", "elasticity", "reference"}) {
            if (const auto extra = item.find(key)) {
                source.fail_at_key(*extra,
                                   item.path + ": " + key + " applies to signal, not to series");
            }
        }
    }
    if (signal && !item.find("elasticity")) {
        source.fail_at_key(item, "missing required key 'elasticity' in " + item.path +
                                     ": a signal needs an elasticity");
    }
}

ItemCheck rule_non_empty(const std::string& what) {
    return [what](const Source& source, const Item& item) {
        if (item.node.size() == 0) {
            source.fail_at_value(item, item.path + ": declare at least one " + what);
        }
    };
}

// ---------------------------------------------------------------------------------------------
// The scenario format

SchemaPtr build_scenario_schema() {
    const Range persons_per_day{0.0, infinity, false, false, false, "persons per day"};
    const Range money_per_person_day{0.0, infinity, false, false, false, "money per person-day"};

    const auto facility = record({
        required("kind", choice(names_of(facility_kind_names))),
        required("capacity", number(persons_or_unlimited())),
        optional("cost_per_person_day", number(money_per_person_day)),
    });
    const auto country = record({
        required("name", non_empty_text()),
        optional("facilities", collection("a map from facility id to facility",
                                          key_identifier("facility id"), facility)),
    });
    const auto time = record(
        {
            required("start", date()),
            required("end", date()),
            optional("dt_days", number(positive_days())),
        },
        rule_window);
    const auto route = record({
        required("days", number(positive_days())),
        optional("mortality", number(probability())),
        optional("weight", number(Range{0.0, infinity, true, false, false, "choice weight"})),
    });
    const auto departure = record({
        optional("origin", country_code()),
        required("destination", country_code()),
        required("persons_per_day", number(persons_per_day)),
        optional("multiplier", dated_series(multiplier())),
    });
    const auto enforcement = record({
        optional("interdiction_per_day", by_profile(rate_per_day())),
        optional("border_apprehension_probability", number(probability())),
        optional("arrest_per_day", number(rate_per_day())),
        optional("priority", by_profile(multiplier())),
        optional("processing_mean_days", number(positive_days())),
        optional("processing_stages", integer(1, 100, "Erlang stages")),
        optional("max_detention_days", number(Range{0.0, infinity, true, false, true, "days"})),
        optional("max_detention_exempt",
                 list_of(identifier("profile name"), "profile names", true, false)),
    });
    const auto return_rule = record(
        {required("monthly_cap",
                  number(Range{0.0, infinity, false, false, false, "persons per month"}))},
        {},
        [](const Source& source, const Item& item) {
            const std::string expected = "accept, refuse or {monthly_cap: N}";
            if (!item.node.IsScalar() || is_quoted(item.node) ||
                (item.node.Scalar() != "accept" && item.node.Scalar() != "refuse")) {
                fail_expected(source, item, expected);
            }
        },
        "accept, refuse or {monthly_cap: N}");
    const auto programme = record(
        {
            required("sender", country_code()),
            required("destinations", any_or_list_of(country_code(), "country codes")),
            required("seats_per_flight",
                     integer(1, std::numeric_limits<std::int64_t>::max(), "seats")),
            required("flights_per_week",
                     number(Range{0.0, infinity, false, false, false, "flights per week"})),
            optional("cost_per_flight", number(money())),
            optional("flight_hours",
                     number(Range{0.0, infinity, true, false, false, "hours per flight"})),
            optional("cost_per_flight_hour",
                     number(Range{0.0, infinity, false, false, false, "money per hour"})),
            optional("budget", number(money_or_unlimited())),
            optional("start", date()),
            optional("end", date()),
        },
        [](const Source& source, const Item& item) {
            rule_flight_cost(source, item);
            rule_window(source, item);
        });
    const auto nationality_codes = any_or_list_of(country_code(), "country codes");
    const auto eligible_nationalities = record(
        {required("any_except", list_of(country_code(), "country codes", true, true))}, {},
        [nationality_codes](const Source& source, const Item& item) {
            if (!item.node.IsScalar() && !item.node.IsSequence()) {
                fail_expected(source, item, "any, a list of country codes, or {any_except: [...]}");
            }
            nationality_codes->check(source, item);
        },
        "any, a list of country codes, or {any_except: [...]}");
    const auto agreement = record(
        {
            required("sender", country_code()),
            required("receiver", country_code()),
            required("nationalities", eligible_nationalities),
            required("profiles", list_of(identifier("profile name"), "profile names", true, true)),
            optional("prefer_for",
                     list_of(identifier("profile name"), "profile names", true, false)),
            required("disposition", choice(names_of(disposition_names))),
            optional("facility", identifier("facility id")),
            optional("start", date()),
            optional("end", date()),
            optional("monthly_quota", number(persons_or_unlimited())),
            optional("total_quota", number(persons_or_unlimited())),
            optional("fee_per_person_day", number(money_per_person_day)),
            optional("priority", integer(std::numeric_limits<std::int64_t>::min(),
                                         std::numeric_limits<std::int64_t>::max(), "")),
            optional("release_per_day", number(rate_per_day())),
            optional("shelter", record({
                                    optional("onward_return_per_day", number(rate_per_day())),
                                    optional("asylum_per_day", number(rate_per_day())),
                                    optional("permit_per_day", number(rate_per_day())),
                                    optional("abscond_per_day", number(rate_per_day())),
                                })),
        },
        rule_disposition);
    const auto remigration = record({
        optional("per_day", by_profile(rate_per_day())),
        optional("min_delay_days", number(Range{0.0, infinity, false, false, false, "days"})),
    });
    const auto deterrence = record(
        {
            optional("series", dated_series(multiplier())),
            optional("signal", choice({"removals_per_arrival"})),
            optional("window_days", number(positive_days())),
            optional("elasticity", number(Range{0.0, infinity, false, false, false, ""})),
            optional("reference", number(Range{0.0, infinity, true, false, false, ""})),
        },
        rule_deterrence);
    const auto initial = collection(
        "a map from country to status to group to persons", key_country_code,
        collection("a map from status to group to persons", key_initial_status,
                   collection("a map from group id to persons", key_group, whole_persons())));

    // A policy event. The values of `set` are judged where they are put, when the event is applied
    // to the scenario (events.cpp); here any value is accepted.
    const auto event = record({
        required("date", date()),
        optional("description", text()),
        required("set", collection("a map from parameter path to value", {},
                                   value("a value", [](const Source&, const Item&) {}), {},
                                   rule_non_empty("parameter to set"))),
    });

    return record({
        optional("format_version", format_version()),
        required("name", non_empty_text()),
        optional("description", text()),
        required("time", time),
        optional("seed", integer(0, std::numeric_limits<std::int64_t>::max(), "")),
        required("countries", collection("a map from country code to country", key_country_code,
                                         country, {}, rule_non_empty("country"))),
        optional("nationalities",
                 collection("a map from country code to name", key_country_code, non_empty_text())),
        required("profiles", list_of(profile_name(), "profile names", true, true)),
        required("groups",
                 collection("a map from nationality to a list of profiles", key_country_code,
                            list_of(identifier("profile name"), "profile names", true, false), {},
                            rule_non_empty("nationality with its profiles"))),
        optional("routes", collection("a map from route id FROM->TO to route", key_route, route)),
        optional("departures",
                 collection("a map from group id to departure stream", key_group, departure)),
        optional("enforcement", collection("a map from country code to enforcement",
                                           key_country_code, enforcement)),
        optional("returns", collection("a map from nationality to return acceptance",
                                       key_country_code, return_rule)),
        optional("flight_programmes", collection("a map from programme id to flight programme",
                                                 key_identifier("programme id"), programme)),
        optional("agreements", collection("a map from agreement id to agreement",
                                          key_identifier("agreement id"), agreement)),
        optional("remigration", remigration),
        optional("deterrence", deterrence),
        optional("initial", initial),
        optional("events", collection("a map from event id to policy event",
                                      key_identifier("event id"), event)),
    });
}

// ---------------------------------------------------------------------------------------------
// The walk

void check_missing(const Source& source, const Item& item, const Schema& schema) {
    for (const Schema::Field& field : schema.fields) {
        if (field.required && !item.find(field.key)) {
            const std::string where = item.path.empty() ? "at the top level" : "in " + item.path;
            source.fail_at_key(item, "missing required key '" + field.key + "' " + where);
        }
    }
}

void check_item(const Source& source, const Item& item, const Schema& schema) {
    if (schema.shape == Schema::Shape::value) {
        schema.check(source, item);
        return;
    }
    if (!item.node.IsMap()) {
        if (schema.check) {
            schema.check(source, item); // another form than a map
            return;
        }
        if (item.path.empty()) {
            source.fail_at_value(item, "a scenario is a map with the keys " + join(schema.keys()) +
                                           "; got " + describe(item.node));
        }
        fail_expected(source, item,
                      schema.shape == Schema::Shape::record
                          ? schema.expected + " with the keys " + join(schema.keys())
                          : schema.expected);
    }
    if (schema.shape == Schema::Shape::record) {
        const std::vector<std::string> allowed = schema.keys();
        check_keys(source, item, &allowed);
        check_missing(source, item, schema);
        for (const Item& entry : item.entries()) {
            check_item(source, entry, *schema.field(entry.key_text())->schema);
        }
    } else {
        check_keys(source, item, nullptr);
        for (const Item& entry : item.entries()) {
            if (schema.check_key) {
                schema.check_key(source, Item{*entry.key, std::nullopt, item.path});
            }
            check_item(source, entry, *schema.entry);
        }
    }
    if (schema.rule) {
        schema.rule(source, item);
    }
}

} // namespace

const Schema::Field* Schema::field(std::string_view key) const {
    for (const Field& f : fields) {
        if (f.key == key) {
            return &f;
        }
    }
    return nullptr;
}

std::vector<std::string> Schema::keys() const {
    std::vector<std::string> out;
    for (const Field& f : fields) {
        out.push_back(f.key);
    }
    return out;
}

const Schema& scenario_schema() {
    static const SchemaPtr schema = build_scenario_schema();
    return *schema;
}

void check_keys(const Source& source, const Item& map, const std::vector<std::string>* allowed) {
    std::vector<std::pair<std::string, YAML::Node>> seen;
    for (const auto& entry : map.node) {
        const YAML::Node& key = entry.first;
        if (!key.IsScalar() || key.Scalar().empty()) {
            source.fail(key,
                        "a key " + map.in_text() + " must be a plain name; got " + describe(key));
        }
        const std::string& name = key.Scalar();
        for (const auto& [earlier, earlier_key] : seen) {
            if (earlier == name) {
                const SourceLocation first = source.locate(earlier_key);
                source.fail(key, "duplicate key '" + name + "' " + map.in_text() +
                                     (first.line > 0 ? " (first given on line " +
                                                           std::to_string(first.line) + ")"
                                                     : ""));
            }
        }
        seen.emplace_back(name, key);
        if (allowed != nullptr &&
            std::find(allowed->begin(), allowed->end(), name) == allowed->end()) {
            source.fail(key, "unknown key '" + name + "' " + map.in_text() +
                                 "; allowed: " + join(*allowed));
        }
    }
}

void check_schema(const Source& source, const YAML::Node& root) {
    check_item(source, root_item(root), scenario_schema());
}

} // namespace deportsim::loader
