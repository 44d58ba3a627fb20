// The synthetic benchmark scenario of the agents mode: a 50-country route graph with `people`
// persons, built in code so that its size is a parameter.
//
// 15 origins, two layers of 15 transit countries and 5 destinations. Each origin has routes to
// three countries of the first transit layer, each of those to three of the second, each of
// those to two destinations (2-9 days, mortality up to 0.1%, unequal weights), so a journey
// chooses among 18 paths of 3 routes. Groups: each origin's nationals with three profiles
// (no_record, nonviolent_record, violent_record): 45 groups.
//
// Of `people`, 89.3% exist at the start: 80% at large in the destinations, 9% returned in their
// origins, 0.3% detained in the destinations (within the beds); departures add 10% a year,
// towards the destinations in turn. Rates are
// of the order of the default scenario's: interior arrests 2e-4 a day times a priority of 1, 5
// or 15; interdiction 0.5-2% a day in transit countries (more for records); apprehension 60% at
// the border; processing 30 days (Erlang-2) with a 120-day maximum, beds 0.4% of the persons;
// re-migration 0.15% a day after 30 days; a deterrence signal (elasticity 0.3). Each destination
// has a removal programme flying anywhere with a budget; two origins refuse returns and three
// cap them; an agreement imprisons violent records of any nationality in an origin country's
// prison (a quota and a place limit bind), another shelters the refused nationalities in a
// transit country, with onward flights and the four shelter outcomes.
#pragma once

#include "core/scenario.hpp"

#include <cmath>
#include <cstddef>
#include <string>

namespace deportsim::benchmarks {

inline Scenario synthetic_scenario(std::size_t people, int days, std::uint64_t seed = 1) {
    constexpr int origins = 15, layer = 15, destinations = 5;
    constexpr int first_transit = origins, second_transit = origins + layer;
    constexpr int first_destination = origins + 2 * layer;
    constexpr int countries = first_destination + destinations; // 50
    constexpr int profiles = 3;
    const double n = static_cast<double>(people);

    Scenario s;
    s.name = "synthetic_" + std::to_string(people);
    s.description = "agents benchmark: 50-country route graph";
    s.start = date_from_ymd(2025, 1, 1);
    s.end = Date{s.start.days + days};
    s.dt_days = 1;
    s.seed = seed;
    for (int c = 0; c < countries; ++c) {
        const char prefix = c < origins             ? 'O'
                            : c < second_transit    ? 'T'
                            : c < first_destination ? 'U'
                                                    : 'D';
        std::string code(1, prefix);
        code += static_cast<char>('A' + (c / 26) % 26);
        code += static_cast<char>('A' + c % 26);
        s.countries.push_back({code, "Country " + code, true});
    }
    s.profiles = {"no_record", "nonviolent_record", "violent_record"};
    for (int o = 0; o < origins; ++o) {
        for (int p = 0; p < profiles; ++p) {
            s.groups.push_back({s.countries[o].code + "/" + s.profiles[p], o, p});
        }
    }
    const int groups = static_cast<int>(s.groups.size());
    const double profile_share[profiles] = {0.90, 0.08, 0.02};

    // Routes.
    auto add_route = [&](int from, int to, double days_on_route, double mortality, double weight) {
        s.routes.push_back({s.countries[from].code + "->" + s.countries[to].code, from, to,
                            days_on_route, mortality, weight});
    };
    for (int o = 0; o < origins; ++o) {
        for (int k = 0; k < 3; ++k) {
            add_route(o, first_transit + (o + 5 * k) % layer, 2 + (o + k) % 4, 0.0002 * k, 1.0 + k);
        }
    }
    for (int t = 0; t < layer; ++t) {
        for (int k = 0; k < 3; ++k) {
            add_route(first_transit + t, second_transit + (t + 4 * k + 1) % layer, 3 + (t + k) % 5,
                      0.001 * ((t + k) % 2), 3.0 - k);
        }
    }
    for (int t = 0; t < layer; ++t) {
        for (int k = 0; k < 2; ++k) {
            add_route(second_transit + t, first_destination + (t + 2 * k) % destinations,
                      4 + (t + k) % 6, 0.0005, 1.0 + t % 3);
        }
    }

    // Facilities: detention in each destination, a prison in origin 0, a shelter in the first
    // transit country.
    for (int d = 0; d < destinations; ++d) {
        s.facilities.push_back({s.countries[first_destination + d].code + "_detention",
                                first_destination + d, FacilityKind::detention,
                                std::ceil(0.004 * n / destinations), 100.0});
    }
    const int prison = static_cast<int>(s.facilities.size());
    s.facilities.push_back({"OAA_prison", 0, FacilityKind::prison, std::ceil(0.0004 * n), 20.0});
    const int shelter = static_cast<int>(s.facilities.size());
    s.facilities.push_back(
        {"TAP_shelter", first_transit, FacilityKind::shelter, std::ceil(0.0003 * n), 30.0});

    // Departures: 10% of the persons over a year, spread over the groups and destinations.
    const double per_day = 0.1 * n / 365.0;
    for (int o = 0; o < origins; ++o) {
        for (int p = 0; p < profiles; ++p) {
            DepartureStream d;
            d.group = o * profiles + p;
            d.origin = o;
            d.destination = first_destination + o % destinations;
            d.persons_per_day = per_day / origins * profile_share[p];
            s.departures.push_back(d);
        }
    }

    // Enforcement.
    for (int c = 0; c < countries; ++c) {
        Enforcement e;
        e.interdiction_per_day.assign(profiles, 0.0);
        e.priority = {1.0, 5.0, 15.0};
        e.max_detention_exempt.assign(profiles, 0);
        if (c >= first_transit && c < first_destination) {
            e.interdiction_per_day = {0.005 + 0.001 * (c % 10), 0.02, 0.05};
        }
        if (c >= first_destination) {
            e.border_apprehension_probability = 0.6;
            e.arrest_per_day = 2e-4;
            e.processing_mean_days = 30;
            e.processing_stages = 2;
            e.max_detention_days = 120;
        }
        s.enforcement.push_back(e);
    }
    s.returns.assign(countries, ReturnAcceptance{});
    s.returns[3].policy = ReturnPolicy::refuse;
    s.returns[7].policy = ReturnPolicy::refuse;
    for (int o : {2, 5, 11}) {
        s.returns[o].policy = ReturnPolicy::cap;
        s.returns[o].monthly_cap = std::ceil(0.0005 * n);
    }

    // Flights: each destination removes anywhere, about what its arrests and arrivals bring.
    for (int d = 0; d < destinations; ++d) {
        FlightProgramme p;
        p.id = s.countries[first_destination + d].code + "_removals";
        p.sender = first_destination + d;
        p.any_destination = true;
        p.seats_per_flight = 135;
        p.flights_per_week = std::max(1.0, 7.0 * 0.00012 * n / destinations / 135);
        p.cost_per_flight = 43000;
        p.budget = p.cost_per_flight * p.flights_per_week * days / 7.0 * 0.8;
        p.start = s.start;
        p.end = far_future;
        s.programmes.push_back(p);
    }
    FlightProgramme onward;
    onward.id = "TAP_onward";
    onward.sender = first_transit;
    onward.destinations = {3, 7};
    onward.seats_per_flight = 40;
    onward.flights_per_week = std::max(1.0, 0.00001 * n * 7 / 40);
    onward.cost_per_flight = 20000;
    onward.start = s.start;
    onward.end = far_future;
    s.programmes.push_back(onward);

    // Agreements.
    Agreement imprison;
    imprison.id = "prison_OAA";
    imprison.sender = first_destination;
    imprison.receiver = 0;
    imprison.any_nationality = true;
    imprison.profiles = {2};
    imprison.preferred_profiles = {2};
    imprison.disposition = Disposition::imprison;
    imprison.facility = prison;
    imprison.start = s.start;
    imprison.end = far_future;
    imprison.monthly_quota = std::ceil(0.0001 * n);
    imprison.fee_per_person_day = 55;
    imprison.release_per_day = 1.0 / 365;
    s.agreements.push_back(imprison);
    for (int d = 0; d < destinations; ++d) {
        Agreement a;
        a.id = "shelter_TAP_" + std::to_string(d);
        a.sender = first_destination + d;
        a.receiver = first_transit;
        a.any_nationality = false;
        a.nationalities = {3, 7};
        a.profiles = {0, 1};
        a.disposition = Disposition::shelter;
        a.facility = shelter;
        a.start = s.start;
        a.end = far_future;
        a.priority = 1;
        a.fee_per_person_day = 30;
        a.shelter.onward_return_per_day = 0.02;
        a.shelter.asylum_per_day = 0.005;
        a.shelter.permit_per_day = 0.005;
        a.shelter.abscond_per_day = 0.01;
        s.agreements.push_back(a);
    }

    s.remigration.per_day.assign(profiles, 0.0015);
    s.remigration.min_delay_days = 30;
    s.deterrence.kind = DeterrenceKind::signal;
    s.deterrence.window_days = 30;
    s.deterrence.elasticity = 0.3;
    s.deterrence.reference = 0.5;

    // The initial state: whole persons, shares by group.
    auto spread = [&](double total, auto&& place) {
        for (int g = 0; g < groups; ++g) {
            const double share = profile_share[g % profiles] / origins;
            const double persons = std::floor(total * share);
            if (persons > 0) {
                place(g, persons);
            }
        }
    };
    spread(0.80 * n, [&](int g, double persons) {
        const double part = std::floor(persons / destinations);
        for (int d = 0; d < destinations; ++d) {
            s.initial.push_back({first_destination + d, Status::at_large, g, part});
        }
    });
    spread(0.09 * n, [&](int g, double persons) {
        s.initial.push_back({s.groups[g].nationality, Status::returned, g, persons});
    });
    spread(0.003 * n, [&](int g, double persons) {
        const double part = std::floor(persons / destinations);
        for (int d = 0; d < destinations; ++d) {
            s.initial.push_back({first_destination + d, Status::detained, g, part});
        }
    });
    s.yaml_text = "# synthetic benchmark scenario, built in code: " + s.name + "\n";
    return s;
}

} // namespace deportsim::benchmarks
