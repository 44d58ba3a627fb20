// Shared helpers for parsing a subcommand's options with Boost.Program_options.
#pragma once

#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace deportsim::cli {

namespace po = boost::program_options;

// Parses args against the visible options and one positional argument; prints help and
// returns false when --help was given.
inline bool parse_command(const std::vector<std::string>& args, const std::string& synopsis,
                          po::options_description& options, const std::string& positional_name,
                          po::variables_map& values) {
    options.add_options()("help,h", "show this help and exit");
    po::options_description all;
    all.add(options);
    all.add_options()(positional_name.c_str(), po::value<std::string>());
    po::positional_options_description positional;
    positional.add(positional_name.c_str(), 1);
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), values);
    if (values.count("help")) {
        std::cout << synopsis << "\n" << options << "\n";
        return false;
    }
    po::notify(values);
    if (!values.count(positional_name)) {
        throw po::error("missing " + positional_name);
    }
    return true;
}

} // namespace deportsim::cli
