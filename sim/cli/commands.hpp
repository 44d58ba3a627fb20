// The subcommands of the deportsim program. Each parses its own options, calls the library and
// returns an exit status; exceptions are mapped to exit statuses in main.cpp.
#pragma once

#include <string>
#include <vector>

namespace deportsim::cli {

// Exit statuses: 0 success, 1 internal error, 2 bad input (scenario, options, files).
inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_input = 2;

int run_command(const std::vector<std::string>& args);
int validate_command(const std::vector<std::string>& args);
int info_command(const std::vector<std::string>& args);
int sweep_command(const std::vector<std::string>& args);

} // namespace deportsim::cli
