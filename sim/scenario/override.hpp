// Assignments to a scenario tree by path, `enforcement.MEX.interdiction_per_day=0.02`: the
// `--set` options of the command line, and the `set` entries of dated policy events.
//
// A path is map keys joined by '.' (`routes.COL->PAN.mortality`, `initial.USA.at_large.VEN/
// no_record`); the value is YAML (`0.02`, `[gang_tda]`, `{default: 0.002, gang_tda: 0.01}`).
// A key that the tree does not have yet is created only where the scenario format allows that key
// (any id in a collection such as `agreements`, a known field of a record such as
// `enforcement.MEX`); the schema check that runs after the assignments judges the value.
#pragma once

#include "core/error.hpp"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace deportsim {

// Where an assignment was written, so that errors about it can point there.
struct OverrideOrigin {
    // The assignment's text `path=value` starts at `where.column` of `where.line_text`. For
    // `--set`: file "<command line>", line = position of the option among the --set options
    // (1-based), line_text "--set path=value". Line 0: no position, only the label is shown.
    SourceLocation where;
    // Prefixes every message about the assignment: "--set enforcement.MEX.x=1".
    std::string label;
};

// Which nodes of a tree each assignment put there, so that the checks that run after all
// assignments (schema, references, cross-checks) can point at the assignment, not the file.
class OverrideTrace {
public:
    struct Found {
        const OverrideOrigin* origin;
        SourceLocation where; // where the node's text is
    };

    std::size_t add_origin(OverrideOrigin origin);
    // A node whose text starts `offset` characters (0-based) into the assignment's text.
    void add(const YAML::Node& node, std::size_t origin, int offset);
    // A node whose text is elsewhere: a copy of a value written in a file (a policy event's).
    void add_at(const YAML::Node& node, std::size_t origin, SourceLocation where);
    // The latest assignment that put `node` into the tree; nullopt for nodes of the file.
    std::optional<Found> find(const YAML::Node& node) const;
    // The location of a Found.
    static SourceLocation locate(const Found& found) { return found.where; }

private:
    struct Entry {
        YAML::Node node;
        std::size_t origin;
        SourceLocation where;
    };
    std::deque<OverrideOrigin> origins_; // a deque: Found points into it while it grows
    std::vector<Entry> entries_;
};

// Sets `path` of the scenario tree `root` to the YAML value `value_yaml`. Throws InputError whose
// message starts with `origin_for_errors` (e.g. "--set enforcement.MEX.x=1") when the value is
// not YAML, when the path is malformed, or when it creates a key the scenario format does not
// allow at that place; the location file is "<command line>".
void apply_override(YAML::Node& root, const std::string& path, const std::string& value_yaml,
                    const std::string& origin_for_errors);

// The same with a full origin (errors point at the assignment's text) and, when `trace` is not
// null, a record of the nodes the assignment put into the tree.
void apply_override(YAML::Node& root, const std::string& path, const std::string& value_yaml,
                    const OverrideOrigin& origin, OverrideTrace* trace);

// The same with a value that is a YAML tree already (the `set` entry of a policy event, in a file):
// a copy of `value` goes into the tree, so that later assignments below the path do not change
// the original, and each node of the copy is traced to `locate_value(the node it copies)`.
// `origin.where` is the location of the path's text: errors in the path point into it.
void apply_override(YAML::Node& root, const std::string& path, const YAML::Node& value,
                    const OverrideOrigin& origin, OverrideTrace* trace,
                    const std::function<SourceLocation(const YAML::Node&)>& locate_value);

// "path=value" split at the first '='. Throws InputError (located at `origin`) without '=' or
// with an empty path.
struct Assignment {
    std::string path;
    std::string value_yaml;
};
Assignment split_assignment(const std::string& text, const OverrideOrigin& origin);

// The origin of the `ordinal`-th (1-based) `--set` option with text "path=value".
OverrideOrigin command_line_origin(const std::string& text, int ordinal);

} // namespace deportsim
