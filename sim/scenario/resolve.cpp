#include "scenario/resolve.hpp"

#include <algorithm>

namespace deportsim::loader {

namespace {

// Reading values that the schema check has already judged: types and ranges are right, only
// names remain to be resolved.
double number(const Item& item) {
    return *plain_number(item.node);
}

double number_or(const Item& map, std::string_view key, double fallback) {
    const auto item = map.find(key);
    return item ? number(*item) : fallback;
}

Date date_or(const Item& map, std::string_view key, Date fallback) {
    const auto item = map.find(key);
    return item ? *date_value(item->node) : fallback;
}

std::string text_or(const Item& map, std::string_view key, const std::string& fallback) {
    const auto item = map.find(key);
    return item ? item->node.Scalar() : fallback;
}

// The key of an entry as an item of its own, so a reference written as a key can be located.
Item key_item(const Item& entry) {
    return Item{*entry.key, std::nullopt, entry.path};
}

DatedSeries dated_series(const Item& item) {
    DatedSeries series;
    for (const Item& point : item.elements()) {
        series.dates.push_back(*date_value(point.node[0]));
        series.values.push_back(*plain_number(point.node[1]));
    }
    return series;
}

// Every part starts as a default-constructed value of its struct (sim/core/scenario.hpp), and a
// key the file leaves out keeps that value: the member initialisers there are the format's
// defaults, and no default is written here.
class Resolver {
public:
    explicit Resolver(const Source& source) : source_(source) {}

    Resolved run(const Item& top) {
        Scenario& s = out_.scenario;
        s.name = top.find("name")->node.Scalar();
        s.description = text_or(top, "description", s.description);
        const Item time = *top.find("time");
        s.start = *date_value(time.find("start")->node);
        s.end = *date_value(time.find("end")->node);
        s.dt_days = number_or(time, "dt_days", s.dt_days);
        if (const auto seed = top.find("seed")) {
            s.seed = static_cast<std::uint64_t>(*plain_integer(seed->node));
        }

        countries(*top.find("countries"));
        if (const auto item = top.find("nationalities")) {
            nationalities(*item);
        }
        for (const Item& profile : top.find("profiles")->elements()) {
            s.profiles.push_back(profile.node.Scalar());
        }
        groups(*top.find("groups"));
        if (const auto item = top.find("routes")) {
            routes(*item);
        }
        if (const auto item = top.find("departures")) {
            departures(*item);
        }
        enforcement(top.find("enforcement"));
        returns(top.find("returns"));
        if (const auto item = top.find("flight_programmes")) {
            programmes(*item);
        }
        if (const auto item = top.find("agreements")) {
            agreements(*item);
        }
        const auto remigration = top.find("remigration");
        s.remigration.per_day =
            by_profile(find_in(remigration, "per_day"), Remigration::per_day_default);
        if (const auto delay = find_in(remigration, "min_delay_days")) {
            s.remigration.min_delay_days = number(*delay);
        }
        if (const auto item = top.find("deterrence")) {
            deterrence(*item);
        }
        if (const auto item = top.find("initial")) {
            initial(*item);
        }
        return std::move(out_);
    }

private:
    const Source& source_;
    Resolved out_;

    static std::optional<Item> find_in(const std::optional<Item>& map, std::string_view key) {
        return map ? map->find(key) : std::nullopt;
    }

    // --- references ---------------------------------------------------------------------------

    std::vector<std::string> country_codes(bool on_map_only) const {
        std::vector<std::string> codes;
        for (const Country& c : out_.scenario.countries) {
            if (c.on_map || !on_map_only) {
                codes.push_back(c.code);
            }
        }
        return codes;
    }

    // A country named by `ref` (a value or a key). With `on_map`, nationality-only countries are
    // refused: routes, enforcement, senders and receivers need a place on the map.
    int country(const Item& ref, bool on_map, const std::string& role) const {
        const std::string& code = ref.node.Scalar();
        const int index = out_.scenario.country_index(code);
        if (index < 0) {
            source_.fail_at_value(ref, ref.path + ": undefined country '" + code +
                                           "'; declared: " + join(country_codes(false)));
        }
        if (on_map && !out_.scenario.countries[static_cast<std::size_t>(index)].on_map) {
            source_.fail_at_value(ref, ref.path + ": " + code +
                                           " is declared under nationalities only; " + role +
                                           " must be a country on the map (declared under "
                                           "countries: " +
                                           join(country_codes(true)) + ")");
        }
        return index;
    }

    int profile(const Item& ref) const {
        const auto& profiles = out_.scenario.profiles;
        const auto it = std::find(profiles.begin(), profiles.end(), ref.node.Scalar());
        if (it == profiles.end()) {
            source_.fail_at_value(ref, ref.path + ": undefined profile '" + ref.node.Scalar() +
                                           "'; declared under profiles: " + join(profiles));
        }
        return static_cast<int>(it - profiles.begin());
    }

    int group(const Item& ref) const {
        const int index = out_.scenario.group_index(ref.node.Scalar());
        if (index < 0) {
            std::vector<std::string> ids;
            for (const Group& g : out_.scenario.groups) {
                ids.push_back(g.id);
            }
            source_.fail_at_value(ref, ref.path + ": undefined group '" + ref.node.Scalar() +
                                           "'; the groups are " + join(ids));
        }
        return index;
    }

    int facility(const Item& ref) const {
        const auto& facilities = out_.scenario.facilities;
        for (std::size_t i = 0; i < facilities.size(); ++i) {
            if (facilities[i].id == ref.node.Scalar()) {
                return static_cast<int>(i);
            }
        }
        std::vector<std::string> ids;
        for (const Facility& f : facilities) {
            ids.push_back(f.id);
        }
        source_.fail_at_value(
            ref, ref.path + ": undefined facility '" + ref.node.Scalar() +
                     "'; declared: " + (ids.empty() ? std::string("none") : join(ids)));
    }

    // A number or by-profile map, as a vector indexed by profile. A map without `default` gives
    // the parameter's own default to the profiles it does not name.
    std::vector<double> by_profile(const std::optional<Item>& item, double fallback) const {
        const std::size_t count = out_.scenario.profiles.size();
        if (!item) {
            return std::vector<double>(count, fallback);
        }
        if (!item->node.IsMap()) {
            return std::vector<double>(count, number(*item));
        }
        std::vector<double> values(count, number_or(*item, "default", fallback));
        for (const Item& entry : item->entries()) {
            if (entry.key_text() == "default") {
                continue;
            }
            const Item ref = key_item(entry);
            const auto& profiles = out_.scenario.profiles;
            const auto it = std::find(profiles.begin(), profiles.end(), entry.key_text());
            if (it == profiles.end()) {
                source_.fail_at_value(ref, item->path + ": '" + entry.key_text() +
                                               "' is not a profile; allowed: default, " +
                                               join(profiles));
            }
            values[static_cast<std::size_t>(it - profiles.begin())] = number(entry);
        }
        return values;
    }

    // --- sections -----------------------------------------------------------------------------

    void countries(const Item& section) {
        Scenario& s = out_.scenario;
        for (const Item& entry : section.entries()) {
            const int index = static_cast<int>(s.countries.size());
            s.countries.push_back(
                Country{entry.key_text(), entry.find("name")->node.Scalar(), true});
            const auto facilities = entry.find("facilities");
            if (!facilities) {
                continue;
            }
            for (const Item& f : facilities->entries()) {
                for (std::size_t other = 0; other < s.facilities.size(); ++other) {
                    if (s.facilities[other].id == f.key_text()) {
                        source_.fail_at_key(f, f.path + ": the facility id '" + f.key_text() +
                                                   "' is already used by " +
                                                   out_.items.facilities[other].path +
                                                   "; facility ids are unique across the "
                                                   "scenario");
                    }
                }
                Facility facility;
                facility.id = f.key_text();
                facility.country = index;
                facility.kind = *enum_from_name<FacilityKind>(facility_kind_names,
                                                              f.find("kind")->node.Scalar());
                facility.capacity = number(*f.find("capacity"));
                facility.cost_per_person_day =
                    number_or(f, "cost_per_person_day", facility.cost_per_person_day);
                s.facilities.push_back(facility);
                out_.items.facilities.push_back(f);
            }
        }
    }

    void nationalities(const Item& section) {
        Scenario& s = out_.scenario;
        for (const Item& entry : section.entries()) {
            if (s.country_index(entry.key_text()) >= 0) {
                source_.fail_at_key(entry, entry.path + ": " + entry.key_text() +
                                               " is declared under countries already; declare "
                                               "each code once");
            }
            s.countries.push_back(Country{entry.key_text(), entry.node.Scalar(), false});
        }
    }

    void groups(const Item& section) {
        Scenario& s = out_.scenario;
        for (const Item& entry : section.entries()) {
            const int nationality = country(key_item(entry), false, "a nationality");
            for (const Item& p : entry.elements()) {
                Group g;
                g.nationality = nationality;
                g.profile = profile(p);
                g.id = entry.key_text() + "/" + p.node.Scalar();
                s.groups.push_back(g);
            }
        }
    }

    void routes(const Item& section) {
        Scenario& s = out_.scenario;
        for (const Item& entry : section.entries()) {
            const std::string id = entry.key_text();
            const std::size_t arrow = id.find("->");
            // The key holds two references; check each against the countries on the map.
            for (const std::string& code : {id.substr(0, arrow), id.substr(arrow + 2)}) {
                const int index = s.country_index(code);
                if (index < 0 || !s.countries[static_cast<std::size_t>(index)].on_map) {
                    source_.fail_at_key(entry, entry.path + ": " + code +
                                                   " is not a country on the map; routes join "
                                                   "countries declared under countries: " +
                                                   join(country_codes(true)));
                }
            }
            Route r;
            r.id = id;
            r.from = s.country_index(id.substr(0, arrow));
            r.to = s.country_index(id.substr(arrow + 2));
            r.days = number(*entry.find("days"));
            r.mortality = number_or(entry, "mortality", r.mortality);
            r.weight = number_or(entry, "weight", r.weight);
            s.routes.push_back(r);
            out_.items.routes.push_back(entry);
        }
    }

    void departures(const Item& section) {
        Scenario& s = out_.scenario;
        for (const Item& entry : section.entries()) {
            DepartureStream d;
            d.group = group(key_item(entry));
            if (const auto origin = entry.find("origin")) {
                d.origin = country(*origin, true, "an origin");
            } else {
                const int nationality = s.groups[static_cast<std::size_t>(d.group)].nationality;
                const Country& home = s.countries[static_cast<std::size_t>(nationality)];
                if (!home.on_map) {
                    source_.fail_at_key(entry, "missing required key 'origin' in " + entry.path +
                                                   ": the origin defaults to the nationality " +
                                                   home.code + ", which is not on the map");
                }
                d.origin = nationality;
            }
            d.destination = country(*entry.find("destination"), true, "a destination");
            d.persons_per_day = number(*entry.find("persons_per_day"));
            if (const auto series = entry.find("multiplier")) {
                d.multiplier = dated_series(*series);
            }
            s.departures.push_back(d);
            out_.items.departures.push_back(entry);
        }
    }

    Enforcement default_enforcement() const {
        Enforcement e;
        e.interdiction_per_day.assign(out_.scenario.profiles.size(),
                                      Enforcement::interdiction_per_day_default);
        e.priority.assign(out_.scenario.profiles.size(), Enforcement::priority_default);
        e.max_detention_exempt.assign(out_.scenario.profiles.size(), 0);
        return e;
    }

    void enforcement(const std::optional<Item>& section) {
        Scenario& s = out_.scenario;
        s.enforcement.assign(s.countries.size(), default_enforcement());
        if (!section) {
            return;
        }
        for (const Item& entry : section->entries()) {
            const int c = country(key_item(entry), true, "a country that enforces");
            Enforcement& e = s.enforcement[static_cast<std::size_t>(c)];
            e.interdiction_per_day = by_profile(entry.find("interdiction_per_day"),
                                                Enforcement::interdiction_per_day_default);
            e.border_apprehension_probability = number_or(entry, "border_apprehension_probability",
                                                          e.border_apprehension_probability);
            e.arrest_per_day = number_or(entry, "arrest_per_day", e.arrest_per_day);
            e.priority = by_profile(entry.find("priority"), Enforcement::priority_default);
            e.processing_mean_days =
                number_or(entry, "processing_mean_days", e.processing_mean_days);
            if (const auto stages = entry.find("processing_stages")) {
                e.processing_stages = static_cast<int>(*plain_integer(stages->node));
            }
            e.max_detention_days = number_or(entry, "max_detention_days", e.max_detention_days);
            if (const auto exempt = entry.find("max_detention_exempt")) {
                for (const Item& p : exempt->elements()) {
                    e.max_detention_exempt[static_cast<std::size_t>(profile(p))] = 1;
                }
            }
        }
    }

    void returns(const std::optional<Item>& section) {
        Scenario& s = out_.scenario;
        s.returns.assign(s.countries.size(), ReturnAcceptance{});
        if (!section) {
            return;
        }
        for (const Item& entry : section->entries()) {
            const int c = country(key_item(entry), false, "a nationality");
            ReturnAcceptance& r = s.returns[static_cast<std::size_t>(c)];
            if (entry.node.IsMap()) {
                r.policy = ReturnPolicy::cap;
                r.monthly_cap = number(*entry.find("monthly_cap"));
            } else {
                r.policy = *enum_from_name<ReturnPolicy>(return_policy_names, entry.node.Scalar());
            }
        }
    }

    void programmes(const Item& section) {
        Scenario& s = out_.scenario;
        for (const Item& entry : section.entries()) {
            FlightProgramme p;
            p.id = entry.key_text();
            p.sender = country(*entry.find("sender"), true, "a sender");
            const Item destinations = *entry.find("destinations");
            p.any_destination = destinations.node.IsScalar();
            for (const Item& d : destinations.elements()) {
                p.destinations.push_back(country(d, false, "a destination"));
            }
            p.seats_per_flight =
                static_cast<double>(*plain_integer(entry.find("seats_per_flight")->node));
            p.flights_per_week = number(*entry.find("flights_per_week"));
            if (const auto per_flight = entry.find("cost_per_flight")) {
                p.cost_per_flight = number(*per_flight);
            } else {
                p.cost_per_flight = number(*entry.find("flight_hours")) *
                                    number(*entry.find("cost_per_flight_hour"));
            }
            p.budget = number_or(entry, "budget", p.budget);
            p.start = date_or(entry, "start", s.start);
            p.end = date_or(entry, "end", s.end);
            s.programmes.push_back(p);
            out_.items.programmes.push_back(entry);
        }
    }

    void agreements(const Item& section) {
        Scenario& s = out_.scenario;
        for (const Item& entry : section.entries()) {
            Agreement a;
            a.id = entry.key_text();
            a.sender = country(*entry.find("sender"), true, "a sender");
            a.receiver = country(*entry.find("receiver"), true, "a receiver");
            const Item eligible = *entry.find("nationalities");
            if (eligible.node.IsMap()) {
                a.any_nationality = true;
                for (const Item& n : eligible.find("any_except")->elements()) {
                    a.excluded_nationalities.push_back(country(n, false, "a nationality"));
                }
            } else if (eligible.node.IsScalar()) {
                a.any_nationality = true;
            } else {
                for (const Item& n : eligible.elements()) {
                    a.nationalities.push_back(country(n, false, "a nationality"));
                }
            }
            for (const Item& p : entry.find("profiles")->elements()) {
                a.profiles.push_back(profile(p));
            }
            if (const auto preferred = entry.find("prefer_for")) {
                for (const Item& p : preferred->elements()) {
                    a.preferred_profiles.push_back(profile(p));
                }
            }
            a.disposition = *enum_from_name<Disposition>(disposition_names,
                                                         entry.find("disposition")->node.Scalar());
            if (const auto f = entry.find("facility")) {
                a.facility = facility(*f);
            }
            a.start = date_or(entry, "start", s.start);
            a.end = date_or(entry, "end", s.end);
            a.monthly_quota = number_or(entry, "monthly_quota", a.monthly_quota);
            a.total_quota = number_or(entry, "total_quota", a.total_quota);
            a.fee_per_person_day = number_or(entry, "fee_per_person_day", a.fee_per_person_day);
            if (const auto priority = entry.find("priority")) {
                a.priority = static_cast<int>(*plain_integer(priority->node));
            }
            a.release_per_day = number_or(entry, "release_per_day", a.release_per_day);
            if (const auto shelter = entry.find("shelter")) {
                ShelterOutcomes& o = a.shelter;
                o.onward_return_per_day =
                    number_or(*shelter, "onward_return_per_day", o.onward_return_per_day);
                o.asylum_per_day = number_or(*shelter, "asylum_per_day", o.asylum_per_day);
                o.permit_per_day = number_or(*shelter, "permit_per_day", o.permit_per_day);
                o.abscond_per_day = number_or(*shelter, "abscond_per_day", o.abscond_per_day);
            }
            s.agreements.push_back(a);
            out_.items.agreements.push_back(entry);
        }
    }

    void deterrence(const Item& section) {
        Deterrence& d = out_.scenario.deterrence;
        if (const auto series = section.find("series")) {
            d.kind = DeterrenceKind::series;
            d.multiplier = dated_series(*series);
            return;
        }
        d.kind = DeterrenceKind::signal;
        d.window_days = number_or(section, "window_days", d.window_days);
        d.elasticity = number(*section.find("elasticity"));
        d.reference = number_or(section, "reference", d.reference);
    }

    void initial(const Item& section) {
        Scenario& s = out_.scenario;
        for (const Item& place : section.entries()) {
            const int c = country(key_item(place), false, "a country");
            for (const Item& status : place.entries()) {
                const Status st = *enum_from_name<Status>(status_names, status.key_text());
                for (const Item& cell : status.entries()) {
                    InitialStock stock;
                    stock.country = c;
                    stock.status = st;
                    stock.group = group(key_item(cell));
                    stock.persons = number(cell);
                    s.initial.push_back(stock);
                    out_.items.initial.push_back(cell);
                }
            }
        }
    }
};

} // namespace

Resolved resolve(const Source& source, const YAML::Node& root) {
    return Resolver(source).run(root_item(root));
}

} // namespace deportsim::loader
