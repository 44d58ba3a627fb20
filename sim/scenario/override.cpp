#include "scenario/override.hpp"

#include "scenario/schema.hpp"
#include "scenario/source.hpp"

#include <utility>

namespace deportsim {

// ---------------------------------------------------------------------------------------------
// The trace

std::size_t OverrideTrace::add_origin(OverrideOrigin origin) {
    origins_.push_back(std::move(origin));
    return origins_.size() - 1;
}

void OverrideTrace::add(const YAML::Node& node, std::size_t origin, int offset) {
    SourceLocation where = origins_[origin].where;
    if (where.line > 0) {
        where.column += offset;
    }
    entries_.push_back(Entry{node, origin, std::move(where)});
}

void OverrideTrace::add_at(const YAML::Node& node, std::size_t origin, SourceLocation where) {
    entries_.push_back(Entry{node, origin, std::move(where)});
}

std::optional<OverrideTrace::Found> OverrideTrace::find(const YAML::Node& node) const {
    if (!node.IsDefined()) {
        return std::nullopt;
    }
    // Latest first: a later assignment into an earlier one's value owns what it wrote.
    for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
        if (entry->node.is(node)) {
            return Found{&origins_[entry->origin], entry->where};
        }
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Assignments

namespace {

struct Segment {
    std::string key;
    int offset; // in "path=value"
};

class Assigner {
public:
    Assigner(const OverrideOrigin& origin, OverrideTrace* trace) : origin_(origin), trace_(trace) {
        if (trace_ != nullptr) {
            origin_index_ = trace_->add_origin(origin);
        }
    }

    [[noreturn]] void fail(int offset, const std::string& message) const {
        SourceLocation where = origin_.where;
        if (where.line > 0) {
            where.column += offset;
        }
        throw InputError(where, origin_.label + ": " + message);
    }

    void record(const YAML::Node& node, int offset) {
        if (trace_ != nullptr) {
            trace_->add(node, origin_index_, offset);
        }
    }

    // Records a value and everything in it; offsets follow the value's own text when it is on
    // one line.
    void record_value(const YAML::Node& node, int value_offset) {
        const YAML::Mark mark = node.Mark();
        record(node, value_offset + (!mark.is_null() && mark.line == 0 ? mark.column : 0));
        if (node.IsMap()) {
            for (const auto& entry : node) {
                record_value(entry.first, value_offset);
                record_value(entry.second, value_offset);
            }
        } else if (node.IsSequence()) {
            for (const auto& element : node) {
                record_value(element, value_offset);
            }
        }
    }

    // Records a copy and everything in it, each node at the location of the node it copies.
    void record_copy(const YAML::Node& copy, const YAML::Node& original,
                     const std::function<SourceLocation(const YAML::Node&)>& locate) {
        if (trace_ == nullptr) {
            return;
        }
        trace_->add_at(copy, origin_index_, locate(original));
        if (copy.IsMap()) {
            auto o = original.begin();
            for (auto c = copy.begin(); c != copy.end() && o != original.end(); ++c, ++o) {
                record_copy(c->first, o->first, locate);
                record_copy(c->second, o->second, locate);
            }
        } else if (copy.IsSequence()) {
            for (std::size_t i = 0; i < copy.size() && i < original.size(); ++i) {
                record_copy(copy[i], original[i], locate);
            }
        }
    }

private:
    const OverrideOrigin& origin_;
    OverrideTrace* trace_;
    std::size_t origin_index_ = 0;
};

std::vector<Segment> split_path(const std::string& path, const Assigner& assigner) {
    std::vector<Segment> segments;
    std::size_t begin = 0;
    while (true) {
        const std::size_t dot = path.find('.', begin);
        const std::size_t end = dot == std::string::npos ? path.size() : dot;
        if (end == begin) {
            assigner.fail(
                static_cast<int>(begin),
                "empty key in the path '" + path +
                    "'; a path is map keys joined by '.' (enforcement.MEX.arrest_per_day)");
        }
        segments.push_back(Segment{path.substr(begin, end - begin), static_cast<int>(begin)});
        if (dot == std::string::npos) {
            return segments;
        }
        begin = dot + 1;
    }
}

// The key and value handles of a map's entry (the first with that key).
std::optional<std::pair<YAML::Node, YAML::Node>> entry_of(const YAML::Node& map,
                                                          const std::string& key) {
    for (const auto& entry : map) {
        if (entry.first.IsScalar() && entry.first.Scalar() == key) {
            return std::make_pair(entry.first, entry.second);
        }
    }
    return std::nullopt;
}

std::string joined(const std::vector<Segment>& segments, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        out += (i > 0 ? "." : "") + segments[i].key;
    }
    return out;
}

// Puts `value` at `path` of `root`; `record_value` traces the value once it is in the tree.
void assign(YAML::Node& root, const std::string& path, const YAML::Node& value, Assigner& assigner,
            const std::function<void(const YAML::Node&)>& record_value) {
    const std::vector<Segment> segments = split_path(path, assigner);

    if (!root.IsDefined() || root.IsNull()) {
        root = YAML::Node(YAML::NodeType::Map);
    }
    if (!root.IsMap()) {
        assigner.fail(0, "the scenario is " + loader::describe(root) + ", not a map");
    }

    // Walk down the path, creating maps that are missing where the format allows them.
    YAML::Node current;
    current.reset(root);
    const loader::Schema* schema = &loader::scenario_schema();
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const Segment& segment = segments[i];
        const bool last = i + 1 == segments.size();
        const std::string parent_path = joined(segments, i);
        const std::string here = joined(segments, i + 1);
        const auto existing = entry_of(current, segment.key);

        // The schema below this key; nullptr once the path leaves what the format knows (only
        // possible through keys the file already has, which the schema check then reports).
        const loader::Schema* below = nullptr;
        if (schema != nullptr && schema->shape == loader::Schema::Shape::record) {
            const loader::Schema::Field* field = schema->field(segment.key);
            if (field == nullptr && !existing) {
                assigner.fail(segment.offset,
                              "unknown key '" + segment.key + "' " +
                                  (parent_path.empty() ? "at the top level" : "in " + parent_path) +
                                  "; allowed: " + loader::join(schema->keys()));
            }
            below = field != nullptr ? field->schema.get() : nullptr;
        } else if (schema != nullptr && schema->shape == loader::Schema::Shape::collection) {
            below = schema->entry.get();
        }

        if (last) {
            current[segment.key] = value;
            const auto entry = entry_of(current, segment.key);
            if (!existing) {
                assigner.record(entry->first, segment.offset);
            }
            record_value(entry->second);
            return;
        }

        const Segment& next = segments[i + 1];
        if (below != nullptr && below->shape == loader::Schema::Shape::value) {
            assigner.fail(next.offset, here + " takes a single value and has no key '" + next.key +
                                           "'; set " + here + "=<value>");
        }
        if (existing) {
            if (!existing->second.IsMap()) {
                assigner.fail(next.offset, here + " is " + loader::describe(existing->second) +
                                               ", not a map, so it has no key '" + next.key +
                                               "'; set it as a whole: " + here + "={...}");
            }
            current.reset(existing->second);
        } else {
            current[segment.key] = YAML::Node(YAML::NodeType::Map);
            const auto created = entry_of(current, segment.key);
            assigner.record(created->first, segment.offset);
            assigner.record(created->second, segment.offset);
            current.reset(created->second);
        }
        schema = below;
    }
}

} // namespace

void apply_override(YAML::Node& root, const std::string& path, const std::string& value_yaml,
                    const OverrideOrigin& origin, OverrideTrace* trace) {
    Assigner assigner(origin, trace);
    const int value_offset = static_cast<int>(path.size()) + 1;
    split_path(path, assigner); // a malformed path is reported before a malformed value

    YAML::Node value;
    try {
        value = YAML::Load(value_yaml);
    } catch (const YAML::ParserException& e) {
        assigner.fail(value_offset + (e.mark.line == 0 ? e.mark.column : 0),
                      "the value is not valid YAML: " + e.msg);
    }
    if (value.IsNull()) {
        value.reset(YAML::Node(YAML::NodeType::Null)); // a node of its own, so it can be traced
    }
    assign(root, path, value, assigner,
           [&](const YAML::Node& placed) { assigner.record_value(placed, value_offset); });
}

void apply_override(YAML::Node& root, const std::string& path, const YAML::Node& value,
                    const OverrideOrigin& origin, OverrideTrace* trace,
                    const std::function<SourceLocation(const YAML::Node&)>& locate_value) {
    Assigner assigner(origin, trace);
    YAML::Node copy = YAML::Clone(value);
    if (copy.IsNull()) {
        copy.reset(YAML::Node(YAML::NodeType::Null)); // a node of its own, so it can be traced
    }
    assign(root, path, copy, assigner,
           [&](const YAML::Node& placed) { assigner.record_copy(placed, value, locate_value); });
}

void apply_override(YAML::Node& root, const std::string& path, const std::string& value_yaml,
                    const std::string& origin_for_errors) {
    const OverrideOrigin origin{SourceLocation{"<command line>", 0, 0, ""}, origin_for_errors};
    apply_override(root, path, value_yaml, origin, nullptr);
}

Assignment split_assignment(const std::string& text, const OverrideOrigin& origin) {
    const std::size_t equals = text.find('=');
    if (equals == std::string::npos || equals == 0) {
        SourceLocation where = origin.where;
        throw InputError(where, origin.label + ": expected path=value, such as "
                                               "enforcement.MEX.interdiction_per_day=0.02");
    }
    return Assignment{text.substr(0, equals), text.substr(equals + 1)};
}

OverrideOrigin command_line_origin(const std::string& text, int ordinal) {
    const std::string shown = "--set " + text;
    return OverrideOrigin{SourceLocation{"<command line>", ordinal, 7, shown}, shown};
}

} // namespace deportsim
