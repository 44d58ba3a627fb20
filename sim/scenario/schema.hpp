// The shape of a scenario file, written down once: which keys each map allows, which are
// required, and what type and range each value has. docs/scenario-format.md describes the same
// thing for people; the two are kept in step.
//
// The schema serves two steps of the loader: `check_schema` walks a whole tree against it (unknown
// and duplicate keys, missing keys, types, ranges), and `apply_override` asks it whether a key
// that a tree does not have may be created at a place.
#pragma once

#include "scenario/source.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace deportsim::loader {

// A check of one item; throws InputError through the Source.
using ItemCheck = std::function<void(const Source&, const Item&)>;

struct Schema {
    enum class Shape {
        value,      // a scalar or a list, judged by `check`
        record,     // a map with fixed keys: `fields`
        collection, // a map from ids to entries of one schema: `entry`
    };
    struct Field {
        std::string key;
        bool required = false;
        std::shared_ptr<const Schema> schema;
    };

    Shape shape = Shape::value;
    std::string expected;      // what a value here must be, for messages ("a map", "a number >= 0")
    std::vector<Field> fields; // record
    std::shared_ptr<const Schema> entry; // collection
    ItemCheck check_key;                 // collection: judges each key (country code, group id)
    // value: the check of the value. record and collection: the forms other than a map that are
    // allowed (`returns.SLV: refuse`, `interdiction_per_day: 0.002`); empty when none.
    ItemCheck check;
    // record: a rule between fields, run after the fields are checked (exactly one of two ways
    // to give a cost, `end` after `start`).
    ItemCheck rule;

    const Field* field(std::string_view key) const; // nullptr when the record has no such key
    std::vector<std::string> keys() const;          // record: field names in order
};

// The schema of a whole scenario file.
const Schema& scenario_schema();

// Checks a whole tree: every map's keys (unknown, duplicate, missing required), every value's type
// and range. References between parts (countries, groups, profiles, facilities) are the
// resolver's business.
void check_schema(const Source& source, const YAML::Node& root);

// Checks that a map has only the given keys, none of them twice, each a plain scalar. Used by the
// schema check for every map, and available to later steps.
void check_keys(const Source& source, const Item& map, const std::vector<std::string>* allowed);

} // namespace deportsim::loader
