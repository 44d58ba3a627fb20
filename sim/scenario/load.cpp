#include "scenario/load.hpp"

#include "scenario/override.hpp"
#include "scenario/resolve.hpp"
#include "scenario/schema.hpp"
#include "scenario/source.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace deportsim {

namespace {

// Step 1a: the file's text. A file that cannot be read is an InputError without a line.
std::string read_text(const std::string& path) {
    const auto fail = [&](const std::string& why) {
        throw InputError(SourceLocation{path, 0, 0, ""}, "cannot read the scenario file: " + why);
    };
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        fail("it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fail(std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        fail(std::strerror(errno));
    }
    return text.str();
}

// Step 1b: the YAML tree. A syntax error points where the parser stopped.
YAML::Node parse(const loader::Source& source, const std::string& text) {
    try {
        return YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        SourceLocation where{source.file_name(), 0, 0, ""};
        if (!e.mark.is_null()) {
            where = SourceLocation{source.file_name(), e.mark.line + 1, e.mark.column + 1,
                                   source.line_text(e.mark.line + 1)};
        }
        throw InputError(where, "YAML syntax error: " + e.msg);
    }
}

// The tree as YAML text, for Scenario::yaml_text when assignments changed it. Quoted scalars
// stay quoted, so the text loads back to the same scenario (a quoted "1e3" stays a string).
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
    const loader::Source source(file_name_for_errors, text, &trace);
    YAML::Node root = parse(source, text);
    loader::Resolved resolved;
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
    } catch (const YAML::Exception& e) {
        // The steps read only what the schema check has accepted; this is a bug in the loader.
        throw InternalError(std::string("scenario loader: unexpected YAML error: ") + e.what());
    }
    Scenario scenario = std::move(resolved.scenario);
    scenario.overrides = overrides;
    scenario.yaml_text = overrides.empty() ? text : emitted_text(root);
    return scenario;
}

Scenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides) {
    Scenario scenario = load_scenario_text(read_text(path), path, overrides);
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
