// The helper layer of the scenario loader: a YAML tree that knows where its text came from, and
// the conversions of YAML scalars that every loading step shares.
//
// Every node of a scenario tree was written in a scenario file (the file itself, or a file it
// `extends`), in a `--set` assignment or in the `set` entry of a policy event. `Source` answers
// "where is this node" for all of them, so that every error can say `file:line:col` (or
// `<command line>:N:col` and the assignment) and show the offending line with a caret. `Item` is
// a node together with its path in the tree (`enforcement.MEX.priority`), which every message
// names.
#pragma once

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "scenario/override.hpp"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deportsim::loader {

// A node of the tree, the key it sits under in its parent map (none for the root and for list
// entries), and its path: map keys joined by '.', list positions as [i].
struct Item {
    YAML::Node node;
    std::optional<YAML::Node> key;
    std::string path;

    Item child(const YAML::Node& key_node, const YAML::Node& value) const;
    Item element(std::size_t index, const YAML::Node& value) const;
    // The entry of a map under `key` (the first one; duplicates are rejected by the schema check).
    std::optional<Item> find(std::string_view key) const;
    // Every entry of a map, in file order.
    std::vector<Item> entries() const;
    // Every element of a list, in order.
    std::vector<Item> elements() const;
    // The key this item sits under, as text ("" for the root and list entries).
    std::string key_text() const;
    // "in enforcement.MEX" / "at the top level", for messages about the keys of this map.
    std::string in_text() const;
};

// The root item of a tree.
Item root_item(const YAML::Node& root);

// Where the text of a tree came from: one file, or the files of a composition (a file and the
// files it extends), and the assignments applied to the tree.
class Source {
public:
    // The first file (index 0): the scenario file itself, the top of a composition.
    Source(std::string file_name, std::string_view text, const OverrideTrace* trace = nullptr);

    const std::string& file_name() const { return files_.front().name; }

    // Composition: another file whose nodes are in the tree; returns its index.
    std::size_t add_file(std::string file_name, std::string_view text);
    // Records that every node of `tree` (keys and values, all the way down) was written in file
    // `file`. A node claimed more than once belongs to the first claim: claim the files in order
    // of precedence (the extending file before the file it extends), since merging a value over
    // another makes the two one node. Nodes nobody claimed belong to file 0.
    void claim(const YAML::Node& tree, std::size_t file);
    // The names of the files, in the order they were added.
    std::vector<std::string> file_names() const;

    // A prefix for the messages about nodes that no assignment wrote, such as "with the policy
    // events up to 2025-02-04 applied" when a snapshot of the scenario is checked.
    void set_context(std::string context) { context_ = std::move(context); }

    // The location of a node: in its file, or in the assignment that put it into the tree.
    SourceLocation locate(const YAML::Node& node) const;
    // The label of the assignment that put a node into the tree ("" when it is in a file).
    std::string origin_label(const YAML::Node& node) const;

    // Throws InputError located at `at`; the message is prefixed with the assignment's label when
    // an assignment produced that node (else with the context, when there is one).
    [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const;
    // Located at the item's value; for an empty value (which YAML places on the next line), at
    // its key.
    [[noreturn]] void fail_at_value(const Item& item, const std::string& message) const;
    // Located at the item's key (or at its value for the root and list entries): for messages
    // about a map as a whole, such as a missing key.
    [[noreturn]] void fail_at_key(const Item& item, const std::string& message) const;

    // The text of a 1-based line of the first file ("" when out of range).
    std::string line_text(int line) const { return line_text(0, line); }
    // The text of a 1-based line of a file ("" when out of range).
    std::string line_text(std::size_t file, int line) const;

private:
    struct File {
        std::string name;
        std::vector<std::string> lines;
    };
    struct Claim {
        YAML::Node node;
        std::size_t file;
    };
    std::vector<File> files_;
    std::vector<Claim> claims_;
    const OverrideTrace* trace_;
    std::string context_;

    std::size_t file_of(const YAML::Node& node) const;
};

// A closed or open interval of numbers with a unit, for range checks and their messages.
struct Range {
    double low = 0.0;
    double high = std::numeric_limits<double>::infinity();
    bool low_open = false;
    bool high_open = false;
    bool infinity_allowed = false; // `.inf` accepted (for "unlimited")
    std::string unit;              // "per day", "persons", "probability", ...

    bool contains(double x) const;
    std::string text() const; // "a number >= 0 (per day)", "a number in [0, 1] (probability)"
};

// Common ranges, named by meaning.
Range rate_per_day();         // [0, inf) per day
Range probability();          // [0, 1]
Range positive_days();        // (0, inf) days
Range persons_or_unlimited(); // [0, inf] persons, .inf = unlimited
Range money();                // [0, inf) money
Range money_or_unlimited();   // [0, inf] money, .inf = unlimited
Range multiplier();           // [0, inf)

// YAML 1.2 core-schema numbers: a plain (unquoted, untagged) scalar such as `12`, `-0.5`, `1e3`,
// `.inf`. nullopt for anything else, including quoted strings and `.nan`.
std::optional<double> plain_number(const YAML::Node& node);
// The same for a text, whatever the node it came from.
std::optional<double> number_from_text(std::string_view text);
// A plain scalar of decimal digits with an optional sign, within the range of std::int64_t.
std::optional<std::int64_t> plain_integer(const YAML::Node& node);
// A scalar that is an ISO date (plain or quoted).
std::optional<Date> date_value(const YAML::Node& node);
// True for a scalar written in quotes or with an explicit tag.
bool is_quoted(const YAML::Node& node);

// How a value looks, for messages: `'abc'`, `the quoted string "1e3"`, `a list`, `a map`,
// `nothing (an empty value)`.
std::string describe(const YAML::Node& node);
// Shortest text that reads back as the same double ("0.25", "1e-06", ".inf").
std::string number_text(double x);
// "a, b, c".
std::string join(const std::vector<std::string>& words, std::string_view separator = ", ");

} // namespace deportsim::loader
