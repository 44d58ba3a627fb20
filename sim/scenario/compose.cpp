// Step 1 of loading a scenario: read, parse, compose (compose.hpp).
#include "scenario/compose.hpp"

#include "scenario/schema.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace deportsim::loader {

namespace {

namespace fs = std::filesystem;

YAML::Node parse(const Source& source, std::size_t file, const std::string& text) {
    try {
        return YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        const std::string name = source.file_names()[file];
        SourceLocation where{name, 0, 0, ""};
        if (!e.mark.is_null()) {
            where = SourceLocation{name, e.mark.line + 1, e.mark.column + 1,
                                   source.line_text(file, e.mark.line + 1)};
        }
        throw InputError(where, "YAML syntax error: " + e.msg);
    }
}

// Every map of a file: keys plain, none twice. The schema check does this for the merged tree,
// but a merge keeps only one of two equal keys.
void check_all_keys(const Source& source, const Item& item) {
    if (item.node.IsMap()) {
        check_keys(source, item, nullptr);
        for (const Item& entry : item.entries()) {
            check_all_keys(source, entry);
        }
    } else if (item.node.IsSequence()) {
        for (const Item& element : item.elements()) {
            check_all_keys(source, element);
        }
    }
}

// The key and value handles of a map's entry.
std::optional<std::pair<YAML::Node, YAML::Node>> entry_of(const YAML::Node& map,
                                                          const std::string& key) {
    for (const auto& entry : map) {
        if (entry.first.IsScalar() && entry.first.Scalar() == key) {
            return std::make_pair(entry.first, entry.second);
        }
    }
    return std::nullopt;
}

// Merges the map `over` into the map `base`, changing `base`.
void merge(const Source& source, YAML::Node base, const Item& over, const std::string& base_name) {
    for (const Item& entry : over.entries()) {
        const std::string key = entry.key_text();
        if (entry.path == "extends") {
            continue;
        }
        const auto existing = entry_of(base, key);
        if (entry.node.IsNull()) {
            if (!existing) {
                source.fail_at_key(entry, entry.path +
                                              ": a null value deletes the key from the scenario "
                                              "this file extends, but " +
                                              base_name + " has no " + entry.path);
            }
            base.remove(key);
        } else if (existing && existing->second.IsMap() && entry.node.IsMap()) {
            merge(source, existing->second, entry, base_name);
        } else if (existing) {
            base[key] = entry.node; // keeps the position of the key in the base
        } else {
            base.force_insert(*entry.key, entry.node);
        }
    }
}

class Composer {
public:
    explicit Composer(Source& source) : source_(source) {}

    // The tree of the file `file` with the files it extends merged in.
    YAML::Node expand(std::size_t file, const YAML::Node& tree) {
        const std::string name = source_.file_names()[file];
        const Item top = root_item(tree);
        if (!tree.IsMap()) {
            source_.fail_at_value(top, "a scenario is a map with the keys " +
                                           join(scenario_schema().keys()) + "; got " +
                                           describe(tree));
        }
        check_all_keys(source_, top);
        if (const auto version = top.find("format_version")) {
            scenario_schema().field("format_version")->schema->check(source_, *version);
        }
        chain_.push_back(fs::weakly_canonical(fs::path(name)));
        const auto extends = top.find("extends");
        if (!extends) {
            return tree;
        }

        const std::string expected = "the path of the scenario file this one extends";
        if (!extends->node.IsScalar() || extends->node.Scalar().empty()) {
            source_.fail_at_value(*extends, "extends: expected " + expected + ", got " +
                                                describe(extends->node));
        }
        const std::string base_name =
            (fs::path(name).parent_path() / extends->node.Scalar()).lexically_normal().string();
        const fs::path canonical = fs::weakly_canonical(fs::path(base_name));
        for (std::size_t k = 0; k < chain_.size(); ++k) {
            if (chain_[k] == canonical) {
                std::string cycle;
                for (std::size_t j = k; j < source_.file_names().size(); ++j) {
                    cycle += source_.file_names()[j] + " extends ";
                }
                source_.fail_at_value(*extends, "extends: a cycle of files: " + cycle +
                                                    source_.file_names()[k]);
            }
        }
        std::string why;
        const auto text = read_file_text(base_name, why);
        if (!text) {
            source_.fail_at_value(*extends, "extends: cannot read the scenario file " + base_name +
                                                ": " + why);
        }
        const std::size_t base_file = source_.add_file(base_name, *text);
        const YAML::Node base_tree = parse(source_, base_file, *text);
        source_.claim(base_tree, base_file);
        const YAML::Node base = expand(base_file, base_tree);

        // A new root, so that the top-level map belongs to no file's line: a message about it
        // (a missing required key) names the top file.
        YAML::Node merged(YAML::NodeType::Map);
        for (const auto& entry : base) {
            merged.force_insert(entry.first, entry.second);
        }
        merge(source_, merged, top, base_name);
        return merged;
    }

private:
    Source& source_;
    std::vector<fs::path> chain_; // the files read so far, each extended by the one before
};

} // namespace

std::optional<std::string> read_file_text(const std::string& path, std::string& why) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
        why = "it is a directory";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    return text.str();
}

YAML::Node compose(Source& source, const std::string& text) {
    YAML::Node tree = parse(source, 0, text);
    if (!root_item(tree).find("extends")) {
        return tree; // one file: the schema check judges it
    }
    source.claim(tree, 0);
    return Composer(source).expand(0, tree);
}

std::string composition_comment(const Source& source) {
    const std::vector<std::string> files = source.file_names();
    std::string comment = "# merged from " + files.front();
    for (std::size_t i = 1; i < files.size(); ++i) {
        comment += ", which extends " + files[i];
    }
    return comment + "\n";
}

} // namespace deportsim::loader
