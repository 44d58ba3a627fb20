// Small scenarios built in code, whose results are known in closed form. Shared by the engine
// tests; each function documents what its scenario does.
#pragma once

#include "core/scenario.hpp"

#include <string>

namespace deportsim::testing {

// A single removal queue. Country ORG (origin and nationality) and DST (destination, with a
// detention facility of `beds` beds). One group ORG/no_record departs at `inflow` persons/day
// towards DST along a one-day route; everyone arriving is apprehended, processed at once
// (processing mean 1e-9 days) and removable the same step. One flight programme DST -> ORG
// with `seats` seats per flight and `flights_per_week` flights. Daily steps for `days` days.
inline Scenario queue_scenario(double inflow, double seats, double flights_per_week, int days,
                               double beds = 1e9) {
    Scenario s;
    s.name = "queue";
    s.start = date_from_ymd(2025, 1, 1);
    s.end = Date{s.start.days + days};
    s.dt_days = 1;
    s.seed = 1;
    s.countries = {{"ORG", "Origin", true}, {"DST", "Destination", true}};
    s.profiles = {"no_record"};
    s.groups = {{"ORG/no_record", 0, 0}};
    s.facilities = {{"DST_detention", 1, FacilityKind::detention, beds, 100.0}};
    s.routes = {{"ORG->DST", 0, 1, 1.0, 0.0, 1.0}};
    s.departures = {{0, 0, 1, inflow, std::nullopt}};
    Enforcement none;
    none.interdiction_per_day = {0.0};
    none.priority = {1.0};
    s.enforcement = {none, none};
    s.enforcement[1].border_apprehension_probability = 1.0;
    s.enforcement[1].processing_mean_days = 1e-9;
    s.enforcement[1].max_detention_days = 1000;
    s.returns = {ReturnAcceptance{}, ReturnAcceptance{}};
    FlightProgramme flights;
    flights.id = "DST_flights";
    flights.sender = 1;
    flights.destinations = {0};
    flights.seats_per_flight = seats;
    flights.flights_per_week = flights_per_week;
    flights.cost_per_flight = 1000;
    flights.start = s.start;
    flights.end = far_future;
    s.programmes = {flights};
    s.remigration.per_day = {0.0};
    return s;
}

// queue_scenario plus a third country TCR with a prison of `prison_capacity` places and an
// agreement DST -> TCR for any nationality, profile no_record, disposition imprison; the
// origin refuses returns, so every removal goes to the agreement. The flight programme flies
// anywhere.
inline Scenario third_country_scenario(double inflow, double seats, double flights_per_week,
                                       int days, double prison_capacity) {
    Scenario s = queue_scenario(inflow, seats, flights_per_week, days);
    s.countries.push_back({"TCR", "Third country", true});
    s.enforcement.push_back(s.enforcement[0]);
    s.returns.push_back(ReturnAcceptance{});
    s.returns[0].policy = ReturnPolicy::refuse;
    s.facilities.push_back({"TCR_prison", 2, FacilityKind::prison, prison_capacity, 20.0});
    s.programmes[0].any_destination = true;
    s.programmes[0].destinations.clear();
    Agreement a;
    a.id = "DST_TCR";
    a.sender = 1;
    a.receiver = 2;
    a.any_nationality = true;
    a.profiles = {0};
    a.disposition = Disposition::imprison;
    a.facility = 1;
    a.start = s.start;
    a.end = far_future;
    a.fee_per_person_day = 50;
    s.agreements = {a};
    return s;
}

} // namespace deportsim::testing
