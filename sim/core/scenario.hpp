// The immutable description of one simulation: what the scenario file says, resolved to indices.
//
// A Scenario is produced by sim/scenario (YAML parsing and validation) and never changed by the
// engine: sim/core/simulation copies what it needs. Every index below refers into one of the
// vectors of the same Scenario (countries, groups, facilities, ...). Rates are per day; the
// engine converts them to per-step probabilities with dt_days.
//
// The member initialisers below are the defaults of the scenario format, written nowhere else:
// the loader (sim/scenario/resolve.cpp) starts every part from a default-constructed value and
// keeps a field's value where the file says nothing, and by-profile parameters take the
// `..._default` constants. docs/scenario-format.md states the same defaults, and
// tests/cpp/test_scenario.cpp checks both against these.
#pragma once

#include "core/calendar.hpp"
#include "core/types.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deportsim {

inline constexpr double unlimited = std::numeric_limits<double>::infinity();

// A country: a place on the map (routes, facilities, enforcement) or only a nationality.
struct Country {
    std::string code; // ISO 3166 alpha-3
    std::string name;
    bool on_map = true; // false for a nationality declared under `nationalities:` only
};

struct Facility {
    std::string id;
    int country = -1;
    FacilityKind kind = FacilityKind::detention;
    double capacity = 0.0;            // persons
    double cost_per_person_day = 0.0; // currency units (USD) per occupied person-day
};

// The fixed attributes of a person: nationality and a scenario-defined profile.
struct Group {
    std::string id;       // "VEN/gang_tda"
    int nationality = -1; // index into Scenario::countries
    int profile = -1;     // index into Scenario::profiles
};

struct Route {
    std::string id; // "COL->PAN"
    int from = -1;
    int to = -1;
    double days = 1.0;      // travel time, > 0
    double mortality = 0.0; // probability of death per traversal
    double weight = 1.0;    // choice weight among admissible outgoing routes
};

// A piecewise-constant dated series: value[i] holds from date[i] (inclusive) on; before the
// first date the series is `before`.
struct DatedSeries {
    std::vector<Date> dates;
    std::vector<double> values;
    double before = 1.0;
    double at(Date d) const;
};

struct DepartureStream {
    int group = -1;
    int origin = -1;      // country where people enter in_transit
    int destination = -1; // country they travel towards
    double persons_per_day = 0.0;
    std::optional<DatedSeries> multiplier; // optional dated multiplier on persons_per_day
};

// Per-country enforcement and detention processing. Vectors indexed by profile.
struct Enforcement {
    // By profile: what a profile gets when the file names no value for it.
    static constexpr double interdiction_per_day_default = 0;
    static constexpr double priority_default = 1;

    std::vector<double> interdiction_per_day;   // hazard on people in transit in this country
    double border_apprehension_probability = 0; // on arrival at this country as destination
    double arrest_per_day = 0;                  // interior arrest hazard on at_large people
    std::vector<double> priority;               // multiplier on arrests; orders detention intake
    double processing_mean_days = 30;           // mean dwell from intake to removable
    int processing_stages = 1;                  // 1 = exponential, k > 1 = Erlang-k
    double max_detention_days = 180;            // released when detained this long
    std::vector<char> max_detention_exempt;     // by profile: never released for time held
};

// Whether a country takes back its own nationals, from any sender.
struct ReturnAcceptance {
    ReturnPolicy policy = ReturnPolicy::accept;
    double monthly_cap = unlimited; // persons per calendar month, with ReturnPolicy::cap
};

struct FlightProgramme {
    std::string id;
    int sender = -1;
    bool any_destination = false;
    std::vector<int> destinations; // country indices, when !any_destination
    double seats_per_flight = 0;
    double flights_per_week = 0;
    double cost_per_flight = 0; // given, or flight_hours x cost_per_flight_hour
    double budget = unlimited;  // total funding; each flight draws cost_per_flight from it
    Date start;                 // window [start, end)
    Date end;
    bool serves(int country) const;
    // Flights scheduled in step `step` (1-based): the increase of floor(step x flights per step),
    // so whole flights in every mode and flights_per_week x dt / 7 on average.
    double scheduled_flights(double dt_days, int step) const;
    // Flights it can fly in step `step` on `today`: the scheduled ones inside the window
    // [start, end), no more than what is left of the budget after `spent` can pay for.
    double flights_available(Date today, double dt_days, int step, double spent) const;
};

// What becomes of people sheltered under an agreement (rates per day, competing risks).
struct ShelterOutcomes {
    double onward_return_per_day = 0; // ready for onward repatriation on the receiver's flights
    double asylum_per_day = 0;        // granted asylum or status: settled in the receiver
    double permit_per_day = 0;        // released with a permit: at large in the receiver
    double abscond_per_day = 0;       // leave irregularly: at large in the receiver

    // Probabilities of the four outcomes {onward return, asylum, permit, abscond} within a step
    // of dt days, as competing risks: 1 - exp(-R dt) shared in proportion to the rates.
    std::array<double, 4> step_probabilities(double dt_days) const;
};

struct Agreement {
    std::string id;
    int sender = -1;
    int receiver = -1;
    bool any_nationality = false;
    std::vector<int> nationalities;          // eligible, when !any_nationality
    std::vector<int> excluded_nationalities; // `any except [...]`
    std::vector<int> profiles;               // eligible profile indices
    std::vector<int> preferred_profiles;     // sent here even when their own country accepts
    Disposition disposition = Disposition::imprison;
    int facility = -1; // prison or shelter the receiver uses; -1 for release
    Date start;
    Date end;
    double monthly_quota = unlimited;
    double total_quota = unlimited;
    double fee_per_person_day = 0; // paid by the sender for each person held under it
    int priority = 0;              // lower number = tried first
    double release_per_day = 0;    // outflow from the facility: sentence ends, repatriated home
    ShelterOutcomes shelter;       // disposition shelter only
    bool eligible(const Group& g) const;
};

struct Remigration {
    static constexpr double per_day_default = 0; // for a profile the file names no rate for
    std::vector<double> per_day; // by profile: rate at which `returned` people leave again
    double min_delay_days = 0;   // nobody leaves again sooner than this after their return
};

struct Deterrence {
    DeterrenceKind kind = DeterrenceKind::none;
    std::optional<DatedSeries> multiplier; // kind == series
    double window_days = 30;               // kind == signal
    double elasticity = 0;                 // kind == signal
    double reference = 1;                  // kind == signal: factor = (1 + s/reference)^-elasticity

    // The factor on departures and re-migration on `today`, given the removals and arrivals
    // over the trailing window (kind == signal; s = removals / arrivals, 0 without arrivals).
    double factor(Date today, double removals, double arrivals) const;
};

struct InitialStock {
    int country = -1;
    Status status = Status::at_large;
    int group = -1;
    double persons = 0;
};

struct Scenario;

// A dated change of parameters (a policy event): from `date` on, the run uses `parameters`,
// the whole scenario with every event up to that date applied. Events change values only,
// never the structure (countries, groups, facilities, routes and their lengths, ...).
struct PolicyChange {
    Date date;
    std::string description;
    std::shared_ptr<const Scenario> parameters;
};

struct Scenario {
    std::string name;
    std::string description;
    std::string source_path; // file it was read from ("" when built in code)
    std::string yaml_text;   // the full scenario text; with overrides, the text they produce
    std::vector<std::string> overrides; // the `--set path=value` assignments applied, in order

    Date start;
    Date end;
    double dt_days = 1.0;
    std::uint64_t seed = 1;

    std::vector<Country> countries;
    std::vector<std::string> profiles;
    std::vector<Group> groups;
    std::vector<Facility> facilities;
    std::vector<Route> routes;
    std::vector<DepartureStream> departures;
    std::vector<Enforcement> enforcement;  // one per country (defaults where not given)
    std::vector<ReturnAcceptance> returns; // one per country
    std::vector<FlightProgramme> programmes;
    std::vector<Agreement> agreements;
    Remigration remigration;
    Deterrence deterrence;
    std::vector<InitialStock> initial;
    std::vector<PolicyChange> timeline; // in date order

    int steps() const;                                // number of steps from start to end
    Date date_of_step(int step) const;                // the date at the start of step `step`
    int country_index(const std::string& code) const; // -1 when absent
    int group_index(const std::string& id) const;     // -1 when absent
    // Index of the detention facility of a country, -1 when it has none.
    int detention_facility(int country) const;
};

} // namespace deportsim
