// Loading a scenario: YAML file (and `--set` assignments) -> the immutable Scenario value.
//
// The steps, each in its own file: read the text, parse it and merge the files it `extends`
// (compose.cpp), apply the assignments (override.cpp), check the tree against the format's schema:
// keys, types, ranges (schema.cpp), resolve names to indices (resolve.cpp), check the rules between
// parts (cross_check.cpp), and build the timeline of policy events, each snapshot going through
// the same checks (events.cpp). Every problem is an InputError that points into the file (the one
// that wrote the offending node, in a composition), or at the assignment that caused it.
// docs/scenario-format.md describes the format.
#pragma once

#include "core/scenario.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace deportsim {

// Reads (with the files it extends), applies the overrides ("path=value", YAML value syntax),
// validates, resolves, builds the timeline. Throws InputError (sim/core/error.hpp) with
// file:line:col for any problem. With load_scenario_text, `extends` paths are relative to the
// directory of `file_name_for_errors`.
Scenario load_scenario_file(const std::string& path,
                            const std::vector<std::string>& overrides = {});
Scenario load_scenario_text(const std::string& text, const std::string& file_name_for_errors,
                            const std::vector<std::string>& overrides = {});
std::string sha256_hex(std::string_view bytes); // OpenSSL EVP, lower-case hex

} // namespace deportsim
