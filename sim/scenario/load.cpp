#include "scenario/load.hpp"

#include "scenario/compose.hpp"
#include "scenario/events.hpp"
#include "scenario/override.hpp"
#include "scenario/resolve.hpp"
#include "scenario/schema.hpp"
#include "scenario/source.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

namespace deportsim {

namespace {

// The tree as YAML text, for Scenario::yaml_text when assignments changed it or files were merged.
// Quoted scalars stay quoted, so the text loads back to the same scenario (a quoted "1e3" stays a
// string).
void emit(YAML::Emitter& out, const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
        out << YAML::Null;
        break;
    case YAML::NodeType::Scalar:
        if (loader::is_quoted(node)) {
            out << YAML::DoubleQuoted;
        }
        out << node.Scalar();
        break;
    case YAML::NodeType::Sequence:
        if (node.Style() == YAML::EmitterStyle::Flow) {
            out << YAML::Flow;
        }
        out << YAML::BeginSeq;
        for (const auto& element : node) {
            emit(out, element);
        }
        out << YAML::EndSeq;
        break;
    case YAML::NodeType::Map:
        if (node.Style() == YAML::EmitterStyle::Flow) {
            out << YAML::Flow;
        }
        out << YAML::BeginMap;
        for (const auto& entry : node) {
            out << YAML::Key;
            emit(out, entry.first);
            out << YAML::Value;
            emit(out, entry.second);
        }
        out << YAML::EndMap;
        break;
    }
}

std::string emitted_text(const YAML::Node& root) {
    YAML::Emitter out;
    emit(out, root);
    if (!out.good()) {
        throw InternalError("scenario loader: cannot emit the scenario tree: " +
                            out.GetLastError());
    }
    return std::string(out.c_str()) + "\n";
}

} // namespace

Scenario load_scenario_text(const std::string& text, const std::string& file_name_for_errors,
                            const std::vector<std::string>& overrides) {
    OverrideTrace trace;
    loader::Source source(file_name_for_errors, text, &trace);
    YAML::Node root = loader::compose(source, text);
    const bool composed = source.file_names().size() > 1;
    loader::Resolved resolved;
    std::string yaml_text;
    std::vector<PolicyChange> timeline;
    try {
        for (std::size_t k = 0; k < overrides.size(); ++k) {
            const OverrideOrigin origin =
                command_line_origin(overrides[k], static_cast<int>(k) + 1);
            const Assignment assignment = split_assignment(overrides[k], origin);
            apply_override(root, assignment.path, assignment.value_yaml, origin, &trace);
        }
        loader::check_schema(source, root);
        resolved = loader::resolve(source, root);
        loader::cross_check(source, resolved);
        if (composed) {
            yaml_text = loader::composition_comment(source) + emitted_text(root);
        } else {
            yaml_text = overrides.empty() ? text : emitted_text(root);
        }
        // Last: the events are applied to the tree.
        timeline = loader::build_timeline(source, root, trace, resolved.scenario);
    } catch (const YAML::Exception& e) {
        // The steps read only what the schema check has accepted; this is a bug in the loader.
        throw InternalError(std::string("scenario loader: unexpected YAML error: ") + e.what());
    }
    Scenario scenario = std::move(resolved.scenario);
    scenario.overrides = overrides;
    scenario.yaml_text = std::move(yaml_text);
    scenario.timeline = std::move(timeline);
    return scenario;
}

Scenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides) {
    std::string why;
    const auto text = loader::read_file_text(path, why);
    if (!text) {
        throw InputError(SourceLocation{path, 0, 0, ""}, "cannot read the scenario file: " + why);
    }
    Scenario scenario = load_scenario_text(*text, path, overrides);
    scenario.source_path = path;
    return scenario;
}

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        throw InternalError("sha256_hex: OpenSSL EVP_Digest failed");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

} // namespace deportsim
