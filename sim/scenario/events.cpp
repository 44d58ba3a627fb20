// Policy events: dated snapshots of the parameters (events.hpp).
#include "scenario/events.hpp"

#include "scenario/schema.hpp"

#include <algorithm>
#include <memory>

namespace deportsim::loader {

namespace {

struct Event {
    std::string id;
    Date date;
    std::string description;
    Item date_item;
    Item set_item;
    std::vector<Item> set; // the entries of `set`: path -> value
};

// A `set` entry that has been applied, and the label of its event.
struct Applied {
    const Item* entry;
    std::string label;
};

std::string event_label(const Event& e) {
    return "event " + e.id + " (" + format_iso_date(e.date) + ")";
}

std::vector<Event> read_events(const Source& source, const YAML::Node& tree, const Scenario& base) {
    std::vector<Event> events;
    const auto section = root_item(tree).find("events");
    if (!section) {
        return events;
    }
    for (const Item& entry : section->entries()) {
        Event e{entry.key_text(), Date{}, "", *entry.find("date"), *entry.find("set"), {}};
        e.date = *date_value(e.date_item.node);
        if (const auto description = entry.find("description")) {
            e.description = description->node.Scalar();
        }
        e.set = e.set_item.entries();
        if (e.date >= base.end) {
            source.fail_at_value(e.date_item, e.date_item.path + ": " + format_iso_date(e.date) +
                                                  " is not before the end of the run (time.end " +
                                                  format_iso_date(base.end) +
                                                  "); an event from that date on never applies");
        }
        events.push_back(std::move(e));
    }
    // Date order; events of the same date in the order of the file.
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.date < b.date; });
    return events;
}

// ---------------------------------------------------------------------------------------------
// Structure: what an event cannot change

struct StructuralChange {
    std::string parameter; // the path of what changed
    std::string why;
};

// The first id that one list has and the other lacks, or, when both hold the same ids, the first
// that sits at another position.
std::optional<std::string> first_difference(const std::vector<std::string>& base,
                                            const std::vector<std::string>& now) {
    const auto lacks = [](const std::vector<std::string>& ids, const std::string& id) {
        return std::find(ids.begin(), ids.end(), id) == ids.end();
    };
    for (const std::string& id : now) {
        if (lacks(base, id)) {
            return id;
        }
    }
    for (const std::string& id : base) {
        if (lacks(now, id)) {
            return id;
        }
    }
    for (std::size_t i = 0; i < now.size(); ++i) {
        if (now[i] != base[i]) {
            return now[i];
        }
    }
    return std::nullopt;
}

template <typename T, typename F>
std::vector<std::string> ids_of(const std::vector<T>& items, F id) {
    std::vector<std::string> ids;
    for (const T& item : items) {
        ids.push_back(id(item));
    }
    return ids;
}

class StructureComparison {
public:
    StructureComparison(const Scenario& base, const Scenario& now) : base_(base), now_(now) {}

    std::optional<StructuralChange> first_change() const {
        if (auto change = time()) {
            return change;
        }
        if (auto change = axes()) {
            return change;
        }
        if (auto change = facilities()) {
            return change;
        }
        if (auto change = routes_and_departures()) {
            return change;
        }
        if (auto change = programmes_and_agreements()) {
            return change;
        }
        if (auto change = detention_and_return()) {
            return change;
        }
        return initial();
    }

private:
    const Scenario& base_;
    const Scenario& now_;

    std::string code(int country) const {
        return now_.countries[static_cast<std::size_t>(country)].code;
    }

    static std::optional<StructuralChange> change(std::string parameter, std::string why) {
        return StructuralChange{std::move(parameter), std::move(why)};
    }

    std::optional<StructuralChange> time() const {
        const std::string why = "the steps and the random streams of a run are fixed when it "
                                "starts";
        if (now_.start != base_.start) {
            return change("time.start", why);
        }
        if (now_.end != base_.end) {
            return change("time.end", why);
        }
        if (now_.dt_days != base_.dt_days) {
            return change("time.dt_days", why);
        }
        if (now_.seed != base_.seed) {
            return change("seed", why);
        }
        return std::nullopt;
    }

    // Countries, profiles and groups index the state and the output.
    std::optional<StructuralChange> axes() const {
        const std::string why = "countries, nationalities, profiles and groups are the axes of the "
                                "state and of the output";
        const auto place = [](const Country& c) {
            return (c.on_map ? "countries." : "nationalities.") + c.code;
        };
        if (const auto id =
                first_difference(ids_of(base_.countries, place), ids_of(now_.countries, place))) {
            return change(*id, why);
        }
        for (std::size_t c = 0; c < now_.countries.size(); ++c) {
            if (now_.countries[c].name != base_.countries[c].name) {
                return change(place(now_.countries[c]) + (now_.countries[c].on_map ? ".name" : ""),
                              why);
            }
        }
        if (now_.profiles != base_.profiles) {
            return change("profiles", why);
        }
        const auto group = [](const Group& g) { return g.id; };
        if (const auto id =
                first_difference(ids_of(base_.groups, group), ids_of(now_.groups, group))) {
            return change("groups." + id->substr(0, id->find('/')), why);
        }
        return std::nullopt;
    }

    std::optional<StructuralChange> facilities() const {
        const std::string why = "facilities, their kinds and their countries are set up when the "
                                "run starts";
        const auto id = [](const Facility& f) { return f.id; };
        const auto path = [&](const Scenario& s, const std::string& facility) {
            for (const Facility& f : s.facilities) {
                if (f.id == facility) {
                    return "countries." + s.countries[static_cast<std::size_t>(f.country)].code +
                           ".facilities." + f.id;
                }
            }
            return std::string();
        };
        if (const auto differs =
                first_difference(ids_of(base_.facilities, id), ids_of(now_.facilities, id))) {
            const std::string in_now = path(now_, *differs);
            return change(in_now.empty() ? path(base_, *differs) : in_now, why);
        }
        for (std::size_t i = 0; i < now_.facilities.size(); ++i) {
            const Facility& f = now_.facilities[i];
            if (f.country != base_.facilities[i].country) {
                return change(path(now_, f.id), why);
            }
            if (f.kind != base_.facilities[i].kind) {
                return change(path(now_, f.id) + ".kind", why);
            }
        }
        return std::nullopt;
    }

    std::optional<StructuralChange> routes_and_departures() const {
        const auto route = [](const Route& r) { return r.id; };
        if (const auto id =
                first_difference(ids_of(base_.routes, route), ids_of(now_.routes, route))) {
            return change("routes." + *id, "the routes are set up when the run starts");
        }
        for (std::size_t i = 0; i < now_.routes.size(); ++i) {
            if (now_.routes[i].days != base_.routes[i].days) {
                return change("routes." + now_.routes[i].id + ".days",
                              "the people on a route are counted by the days they have travelled");
            }
        }
        const auto stream = [&](const Scenario& s) {
            return ids_of(s.departures, [&](const DepartureStream& d) {
                return s.groups[static_cast<std::size_t>(d.group)].id;
            });
        };
        const std::vector<std::string> streams = stream(now_);
        const std::string why = "people in transit are counted by their origin and destination";
        if (const auto id = first_difference(stream(base_), streams)) {
            return change("departures." + *id, why);
        }
        for (std::size_t i = 0; i < now_.departures.size(); ++i) {
            if (now_.departures[i].origin != base_.departures[i].origin) {
                return change("departures." + streams[i] + ".origin", why);
            }
            if (now_.departures[i].destination != base_.departures[i].destination) {
                return change("departures." + streams[i] + ".destination", why);
            }
        }
        return std::nullopt;
    }

    std::optional<StructuralChange> programmes_and_agreements() const {
        const std::string programme_why = "flight programmes and their senders are axes of the "
                                          "output";
        const auto programme = [](const FlightProgramme& p) { return p.id; };
        if (const auto id = first_difference(ids_of(base_.programmes, programme),
                                             ids_of(now_.programmes, programme))) {
            return change("flight_programmes." + *id, programme_why);
        }
        for (std::size_t i = 0; i < now_.programmes.size(); ++i) {
            if (now_.programmes[i].sender != base_.programmes[i].sender) {
                return change("flight_programmes." + now_.programmes[i].id + ".sender",
                              programme_why);
            }
        }
        const std::string why = "agreements, their parties, dispositions and facilities are axes "
                                "of the output and hold people during the run";
        const auto agreement = [](const Agreement& a) { return a.id; };
        if (const auto id = first_difference(ids_of(base_.agreements, agreement),
                                             ids_of(now_.agreements, agreement))) {
            return change("agreements." + *id, why);
        }
        for (std::size_t i = 0; i < now_.agreements.size(); ++i) {
            const Agreement& a = now_.agreements[i];
            const Agreement& b = base_.agreements[i];
            const std::string path = "agreements." + a.id;
            if (a.sender != b.sender) {
                return change(path + ".sender", why);
            }
            if (a.receiver != b.receiver) {
                return change(path + ".receiver", why);
            }
            if (a.disposition != b.disposition) {
                return change(path + ".disposition", why);
            }
            if (a.facility != b.facility) {
                return change(path + ".facility", why);
            }
        }
        return std::nullopt;
    }

    std::optional<StructuralChange> detention_and_return() const {
        const std::string why = "detainees are counted by processing stage and days held";
        for (std::size_t c = 0; c < now_.enforcement.size(); ++c) {
            const std::string path = "enforcement." + now_.countries[c].code;
            if (now_.enforcement[c].processing_stages != base_.enforcement[c].processing_stages) {
                return change(path + ".processing_stages", why);
            }
            if (now_.enforcement[c].max_detention_days != base_.enforcement[c].max_detention_days) {
                return change(path + ".max_detention_days", why);
            }
        }
        if (now_.remigration.min_delay_days != base_.remigration.min_delay_days) {
            return change("remigration.min_delay_days",
                          "returned people are counted by the days since their return");
        }
        const std::string deterrence_why = "the deterrence signal and its window are set up when "
                                           "the run starts";
        if (now_.deterrence.kind != base_.deterrence.kind) {
            return change("deterrence", deterrence_why);
        }
        if (now_.deterrence.window_days != base_.deterrence.window_days) {
            return change("deterrence.window_days", deterrence_why);
        }
        return std::nullopt;
    }

    std::optional<StructuralChange> initial() const {
        const auto stock = [&](const Scenario& s) {
            return ids_of(s.initial, [&](const InitialStock& i) {
                return s.countries[static_cast<std::size_t>(i.country)].code + "." +
                       std::string(enum_name(status_names, i.status)) + "." +
                       s.groups[static_cast<std::size_t>(i.group)].id;
            });
        };
        const std::string why = "the initial stocks are the state at the start of the run";
        const std::vector<std::string> stocks = stock(now_);
        if (const auto id = first_difference(stock(base_), stocks)) {
            return change("initial." + *id, why);
        }
        for (std::size_t i = 0; i < now_.initial.size(); ++i) {
            if (now_.initial[i].persons != base_.initial[i].persons) {
                return change("initial." + stocks[i], why);
            }
        }
        return std::nullopt;
    }
};

// True when one path is the other or lies below it: `agreements.x` and `agreements.x.sender`.
bool overlap(const std::string& a, const std::string& b) {
    const auto below = [](const std::string& inner, const std::string& outer) {
        return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
               inner[outer.size()] == '.';
    };
    return a == b || below(a, b) || below(b, a);
}

// A change of structure is an error at the latest `set` entry that wrote into the parameter, or
// at the `set` of the last event applied when none did (a change made through a reference).
[[noreturn]] void fail_structure(const Source& source, const StructuralChange& change,
                                 const std::vector<Applied>& applied, const Event& last) {
    const std::string message = change.parameter +
                                " cannot change in a policy event: it changes the structure "
                                "of the run (" +
                                change.why + ")";
    for (auto a = applied.rbegin(); a != applied.rend(); ++a) {
        if (overlap(a->entry->key_text(), change.parameter)) {
            throw InputError(source.locate(*a->entry->key), a->label + ": " + message);
        }
    }
    throw InputError(source.locate(*last.set_item.key), event_label(last) + ": " + message);
}

// Where the text of a `set` entry's path starts: the key, after its opening quote if it has one.
SourceLocation path_location(const Source& source, const Item& entry) {
    SourceLocation where = source.locate(*entry.key);
    if (where.line > 0 && is_quoted(*entry.key) &&
        where.column <= static_cast<int>(where.line_text.size()) &&
        (where.line_text[static_cast<std::size_t>(where.column - 1)] == '"' ||
         where.line_text[static_cast<std::size_t>(where.column - 1)] == '\'')) {
        ++where.column;
    }
    return where;
}

void apply_entry(const Source& source, YAML::Node& tree, OverrideTrace& trace, const Item& entry,
                 const std::string& label) {
    const std::string path = entry.key_text();
    const OverrideOrigin origin{path_location(source, entry), label};
    if (path == "events" || path.rfind("events.", 0) == 0) {
        throw InputError(origin.where, label + ": " + path +
                                           ": an event sets parameters of the scenario, not "
                                           "other events");
    }
    apply_override(tree, path, entry.node, origin, &trace,
                   [&source](const YAML::Node& node) { return source.locate(node); });
}

} // namespace

std::vector<PolicyChange> build_timeline(const Source& source, YAML::Node& tree,
                                         OverrideTrace& trace, const Scenario& base) {
    const std::vector<Event> events = read_events(source, tree, base);
    std::vector<PolicyChange> timeline;
    std::vector<Applied> applied;
    for (std::size_t first = 0; first < events.size();) {
        const Date date = events[first].date;
        std::size_t last = first;
        std::vector<std::string> descriptions;
        for (; last < events.size() && events[last].date == date; ++last) {
            const Event& e = events[last];
            const std::string label = event_label(e);
            for (const Item& entry : e.set) {
                apply_entry(source, tree, trace, entry, label);
                applied.push_back(Applied{&entry, label});
            }
            descriptions.push_back(e.description.empty() ? e.id : e.description);
        }

        // The snapshot is checked like the scenario itself. Errors at nodes that no event wrote
        // say which events made them errors.
        Source snapshot_source = source;
        snapshot_source.set_context("with the policy events up to " + format_iso_date(date) +
                                    " applied");
        check_schema(snapshot_source, tree);
        Resolved snapshot = resolve(snapshot_source, tree);
        if (const auto change = StructureComparison(base, snapshot.scenario).first_change()) {
            fail_structure(source, *change, applied, events[last - 1]);
        }
        cross_check(snapshot_source, snapshot);

        snapshot.scenario.timeline.clear();
        timeline.push_back(
            PolicyChange{date, join(descriptions, "; "),
                         std::make_shared<const Scenario>(std::move(snapshot.scenario))});
        first = last;
    }
    return timeline;
}

} // namespace deportsim::loader
