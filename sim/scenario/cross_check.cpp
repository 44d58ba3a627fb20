// Step 5 of loading a scenario: rules between parts that only a resolved scenario can check.
#include "scenario/resolve.hpp"

#include <algorithm>
#include <deque>

namespace deportsim::loader {

namespace {

const Country& country_of(const Scenario& s, int index) {
    return s.countries[static_cast<std::size_t>(index)];
}

// Countries reachable from `origin` along routes, including origin.
std::vector<bool> reachable_from(const Scenario& s, int origin) {
    std::vector<bool> seen(s.countries.size(), false);
    std::deque<int> frontier{origin};
    seen[static_cast<std::size_t>(origin)] = true;
    while (!frontier.empty()) {
        const int here = frontier.front();
        frontier.pop_front();
        for (const Route& r : s.routes) {
            if (r.from == here && !seen[static_cast<std::size_t>(r.to)]) {
                seen[static_cast<std::size_t>(r.to)] = true;
                frontier.push_back(r.to);
            }
        }
    }
    return seen;
}

void check_detention_facilities(const Source& source, const Resolved& r) {
    const Scenario& s = r.scenario;
    std::vector<int> detention(s.countries.size(), -1);
    for (std::size_t i = 0; i < s.facilities.size(); ++i) {
        const Facility& f = s.facilities[i];
        if (f.kind != FacilityKind::detention) {
            continue;
        }
        int& first = detention[static_cast<std::size_t>(f.country)];
        if (first >= 0) {
            source.fail_at_key(r.items.facilities[i],
                               r.items.facilities[i].path + ": " + country_of(s, f.country).code +
                                   " already has the detention facility '" +
                                   s.facilities[static_cast<std::size_t>(first)].id +
                                   "'; a country has at most one (give it the total capacity)");
        }
        first = static_cast<int>(i);
    }
}

void check_departures(const Source& source, const Resolved& r) {
    const Scenario& s = r.scenario;
    for (std::size_t i = 0; i < s.departures.size(); ++i) {
        const DepartureStream& d = s.departures[i];
        const std::vector<bool> reachable = reachable_from(s, d.origin);
        if (reachable[static_cast<std::size_t>(d.destination)]) {
            continue;
        }
        std::vector<std::string> codes;
        for (std::size_t c = 0; c < reachable.size(); ++c) {
            if (reachable[c] && static_cast<int>(c) != d.origin) {
                codes.push_back(s.countries[c].code);
            }
        }
        const Item destination = *r.items.departures[i].find("destination");
        source.fail_at_value(destination,
                             destination.path + ": " + country_of(s, d.destination).code +
                                 " cannot be reached from the origin " +
                                 country_of(s, d.origin).code + " by the routes (reachable: " +
                                 (codes.empty() ? std::string("none") : join(codes)) + ")");
    }
}

// The window [start, end) of a programme or an agreement must hold at least one day.
void check_window(const Source& source, const Item& item, Date start, Date end) {
    if (end > start) {
        return;
    }
    const auto end_item = item.find("end");
    const auto start_item = item.find("start");
    const std::string message = item.path + ": the window is empty: end " + format_iso_date(end) +
                                " is not after start " + format_iso_date(start) +
                                (end_item && start_item ? ""
                                 : end_item             ? " (the start of the run)"
                                                        : " (the end of the run)");
    if (end_item) {
        source.fail_at_value(*end_item, message);
    }
    if (start_item) {
        source.fail_at_value(*start_item, message);
    }
    source.fail_at_key(item, message);
}

void check_programmes(const Source& source, const Resolved& r) {
    const Scenario& s = r.scenario;
    for (std::size_t i = 0; i < s.programmes.size(); ++i) {
        const FlightProgramme& p = s.programmes[i];
        const Item& item = r.items.programmes[i];
        for (std::size_t k = 0; k < p.destinations.size(); ++k) {
            if (p.destinations[k] == p.sender) {
                const Item d = item.find("destinations")->elements()[k];
                source.fail_at_value(d, d.path + ": " + country_of(s, p.sender).code +
                                            " is the sender; a flight programme removes people "
                                            "to other countries");
            }
        }
        check_window(source, item, p.start, p.end);
    }
}

void check_agreements(const Source& source, const Resolved& r) {
    const Scenario& s = r.scenario;
    for (std::size_t i = 0; i < s.agreements.size(); ++i) {
        const Agreement& a = s.agreements[i];
        const Item& item = r.items.agreements[i];
        if (a.sender == a.receiver) {
            const Item receiver = *item.find("receiver");
            source.fail_at_value(receiver, receiver.path + ": the receiver is the sender " +
                                               country_of(s, a.sender).code +
                                               "; an agreement sends people to another country");
        }
        if (a.facility >= 0) {
            const Facility& f = s.facilities[static_cast<std::size_t>(a.facility)];
            const Item facility = *item.find("facility");
            if (f.country != a.receiver) {
                source.fail_at_value(facility, facility.path + ": facility '" + f.id + "' is in " +
                                                   country_of(s, f.country).code +
                                                   ", not in the receiver " +
                                                   country_of(s, a.receiver).code);
            }
            const FacilityKind needed = a.disposition == Disposition::imprison
                                            ? FacilityKind::prison
                                            : FacilityKind::shelter;
            if (f.kind != needed) {
                source.fail_at_value(
                    facility,
                    facility.path + ": disposition " +
                        std::string(enum_name(disposition_names, a.disposition)) + " needs a " +
                        std::string(enum_name(facility_kind_names, needed)) + "; facility '" +
                        f.id + "' is a " + std::string(enum_name(facility_kind_names, f.kind)));
            }
        }
        const auto preferred = item.find("prefer_for");
        for (std::size_t k = 0; k < a.preferred_profiles.size(); ++k) {
            const int p = a.preferred_profiles[k];
            if (std::find(a.profiles.begin(), a.profiles.end(), p) == a.profiles.end()) {
                const Item ref = preferred->elements()[k];
                source.fail_at_value(ref, ref.path + ": '" + ref.node.Scalar() +
                                              "' is not among the agreement's profiles, so it "
                                              "cannot be sent here first");
            }
        }
        check_window(source, item, a.start, a.end);
    }
}

void check_initial(const Source& source, const Resolved& r) {
    const Scenario& s = r.scenario;
    std::vector<double> detained(s.countries.size(), 0.0);
    for (std::size_t i = 0; i < s.initial.size(); ++i) {
        const InitialStock& stock = s.initial[i];
        const Item& item = r.items.initial[i];
        const Country& place = country_of(s, stock.country);
        const Group& group = s.groups[static_cast<std::size_t>(stock.group)];
        const std::string status(enum_name(status_names, stock.status));
        if (stock.status == Status::returned) {
            if (group.nationality != stock.country) {
                source.fail_at_key(item, item.path +
                                             ": returned people are back in their own "
                                             "country; " +
                                             group.id + " belongs under initial." +
                                             country_of(s, group.nationality).code + ".returned");
            }
            continue;
        }
        if (!place.on_map) {
            source.fail_at_key(item, item.path + ": " + place.code +
                                         " is a nationality only; people " + status +
                                         " must be in a country on the map");
        }
        if (stock.status == Status::detained) {
            const int facility = s.detention_facility(stock.country);
            if (facility < 0) {
                source.fail_at_key(item, item.path + ": " + place.code +
                                             " has no detention facility to hold them");
            }
            detained[static_cast<std::size_t>(stock.country)] += stock.persons;
            const Facility& f = s.facilities[static_cast<std::size_t>(facility)];
            if (detained[static_cast<std::size_t>(stock.country)] > f.capacity) {
                source.fail_at_value(
                    item, item.path + ": the initial detainees in " + place.code + " number " +
                              number_text(detained[static_cast<std::size_t>(stock.country)]) +
                              ", more than the " + number_text(f.capacity) +
                              " persons of facility '" + f.id + "'");
            }
        }
    }
}

} // namespace

void cross_check(const Source& source, const Resolved& resolved) {
    check_detention_facilities(source, resolved);
    check_departures(source, resolved);
    check_programmes(source, resolved);
    check_agreements(source, resolved);
    check_initial(source, resolved);
}

} // namespace deportsim::loader
