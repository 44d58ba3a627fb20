#include "sweep/spec.hpp"

#include "scenario/load.hpp"
#include "scenario/schema.hpp"
#include "scenario/source.hpp"
#include "sweep/sobol_sequence.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace deportsim::sweep {

namespace {

using loader::describe;
using loader::Item;
using loader::Source;

const std::vector<std::string> top_keys = {"description", "base",       "mode",
                                           "seed",        "design",     "samples",
                                           "replicates",  "parameters", "outputs"};
const std::vector<std::string> parameter_keys = {"values", "range", "distribution", "integer",
                                                 "steps"};
const std::vector<std::string> output_keys = {"series", "stocks"};

std::string read_text(const std::string& path) {
    const auto fail = [&](const std::string& why) {
        throw InputError(SourceLocation{path, 0, 0, ""}, "cannot read the sweep file: " + why);
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
    return text.str();
}

YAML::Node parse(const Source& source, const std::string& text) {
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

[[noreturn]] void fail_expected(const Source& source, const Item& item,
                                const std::string& expected) {
    source.fail_at_value(item,
                         item.path + ": expected " + expected + ", got " + describe(item.node));
}

std::string scalar_text(const Source& source, const Item& item, const std::string& expected) {
    if (!item.node.IsScalar() || item.node.Scalar().empty()) {
        fail_expected(source, item, expected);
    }
    return item.node.Scalar();
}

std::string one_of(const Source& source, const Item& item, const std::vector<std::string>& names) {
    const std::string expected = "one of " + loader::join(names);
    const std::string text = scalar_text(source, item, expected);
    if (std::find(names.begin(), names.end(), text) == names.end()) {
        fail_expected(source, item, expected);
    }
    return text;
}

std::int64_t integer_at_least(const Source& source, const Item& item, std::int64_t low) {
    const std::string expected = "a whole number >= " + std::to_string(low);
    const auto value = loader::plain_integer(item.node);
    if (!value) {
        fail_expected(source, item, expected);
    }
    if (*value < low) {
        source.fail_at_value(item, item.path + ": " + std::to_string(*value) +
                                       " is out of range; expected " + expected);
    }
    return *value;
}

double finite_number(const Source& source, const Item& item) {
    const auto value = loader::plain_number(item.node);
    if (!value || !std::isfinite(*value)) {
        fail_expected(source, item, "a finite number");
    }
    return *value;
}

bool boolean(const Source& source, const Item& item) {
    const std::string text = scalar_text(source, item, "true or false");
    if (!loader::is_quoted(item.node)) {
        if (text == "true" || text == "True" || text == "TRUE") {
            return true;
        }
        if (text == "false" || text == "False" || text == "FALSE") {
            return false;
        }
    }
    fail_expected(source, item, "true or false");
}

bool is_whole(double x) {
    return std::isfinite(x) && std::floor(x) == x;
}

// One entry of `parameters`.
ParameterSpec read_parameter(const Source& source, const Item& entry, DesignKind design) {
    ParameterSpec parameter;
    parameter.path = entry.key_text();
    if (!entry.node.IsMap()) {
        source.fail_at_value(entry,
                             entry.path + ": expected a map with " +
                                 (design == DesignKind::grid
                                      ? std::string("`values: [...]`, or `range: [low, high]` "
                                                    "and `steps`")
                                      : std::string("`range: [low, high]`")) +
                                 ", got " + describe(entry.node));
    }
    loader::check_keys(source, entry, &parameter_keys);
    const auto values = entry.find("values");
    const auto range = entry.find("range");
    const auto distribution = entry.find("distribution");
    const auto integer = entry.find("integer");
    const auto steps = entry.find("steps");
    const std::string design_name(design_names[static_cast<int>(design)]);

    if (values) {
        if (design != DesignKind::grid) {
            source.fail_at_key(*values, entry.path + ": `values` are for a grid design; a " +
                                            design_name + " design samples a `range`");
        }
        for (const auto* other : {&range, &distribution, &integer, &steps}) {
            if (*other) {
                source.fail_at_key(**other, entry.path + ": `" + (*other)->key_text() +
                                                "` does not go with `values`, which lists "
                                                "every value");
            }
        }
        if (!values->node.IsSequence() || values->node.size() == 0) {
            fail_expected(source, *values, "a non-empty list of numbers");
        }
        for (const Item& element : values->elements()) {
            const auto x = loader::plain_number(element.node);
            if (!x || std::isnan(*x)) {
                fail_expected(source, element, "a number");
            }
            if (std::find(parameter.values.begin(), parameter.values.end(), *x) !=
                parameter.values.end()) {
                source.fail_at_value(element, element.path + ": the value " +
                                                  loader::number_text(*x) +
                                                  " is listed twice (it would repeat points)");
            }
            parameter.values.push_back(*x);
        }
        return parameter;
    }

    if (!range) {
        source.fail_at_key(entry, entry.path + ": missing " +
                                      (design == DesignKind::grid
                                           ? std::string("`values`, or `range` and `steps`")
                                           : std::string("`range: [low, high]`")));
    }
    if (!range->node.IsSequence() || range->node.size() != 2) {
        fail_expected(source, *range, "a list of two numbers [low, high]");
    }
    const std::vector<Item> bounds = range->elements();
    parameter.has_range = true;
    parameter.low = finite_number(source, bounds[0]);
    parameter.high = finite_number(source, bounds[1]);
    if (!(parameter.low < parameter.high)) {
        source.fail_at_value(*range, range->path + ": low " + loader::number_text(parameter.low) +
                                         " must be below high " +
                                         loader::number_text(parameter.high));
    }
    if (distribution) {
        parameter.distribution =
            one_of(source, *distribution, {"uniform", "loguniform"}) == "loguniform"
                ? Distribution::loguniform
                : Distribution::uniform;
    }
    if (parameter.distribution == Distribution::loguniform && parameter.low <= 0) {
        source.fail_at_value(bounds[0], range->path + ": a loguniform range needs low > 0, got " +
                                            loader::number_text(parameter.low));
    }
    if (integer) {
        parameter.integer = boolean(source, *integer);
    }
    if (parameter.integer) {
        for (const Item& bound : bounds) {
            if (!is_whole(*loader::plain_number(bound.node))) {
                source.fail_at_value(bound, bound.path +
                                                ": an integer parameter needs whole "
                                                "bounds, got " +
                                                describe(bound.node));
            }
        }
    }
    if (design == DesignKind::grid) {
        if (!steps) {
            source.fail_at_key(*range, entry.path + ": a range in a grid design needs `steps`, "
                                                    "the number of values from low to high");
        }
        parameter.steps = static_cast<int>(
            std::min<std::int64_t>(integer_at_least(source, *steps, 2), 1'000'000));
        parameter.values = grid_values(parameter);
        for (std::size_t k = 1; k < parameter.values.size(); ++k) {
            if (parameter.values[k] == parameter.values[k - 1]) {
                source.fail_at_value(
                    *steps, steps->path + ": " + std::to_string(parameter.steps) + " steps from " +
                                loader::number_text(parameter.low) + " to " +
                                loader::number_text(parameter.high) + " repeat the whole number " +
                                loader::number_text(parameter.values[k]) + "; use fewer steps");
            }
        }
    } else if (steps) {
        source.fail_at_key(*steps, entry.path + ": `steps` are for a grid design; a " +
                                       design_name + " design draws `samples` points");
    }
    return parameter;
}

std::string series_long_name(const SeriesRequest& request, const Scenario& scenario) {
    const std::string where =
        request.country < 0 ? std::string("all countries")
                            : scenario.countries[static_cast<std::size_t>(request.country)].code;
    if (request.kind == SeriesRequest::Kind::stock) {
        return "persons " + std::string(status_names[static_cast<std::size_t>(request.index)]) +
               " at the end of the step, " + where;
    }
    return std::string(flow_descriptions[static_cast<std::size_t>(request.index)]) +
           ", persons in the step, " + where;
}

} // namespace

SeriesRequest parse_series_name(const std::string& name, const Scenario& scenario) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (true) {
        const std::size_t dot = name.find('.', begin);
        parts.push_back(name.substr(begin, dot == std::string::npos ? dot : dot - begin));
        if (dot == std::string::npos) {
            break;
        }
        begin = dot + 1;
    }
    const auto names_of = [](const auto& array) {
        std::vector<std::string> out;
        for (const auto& n : array) {
            out.emplace_back(n);
        }
        return out;
    };
    if (parts.size() < 2 || parts.size() > 3 || (parts[0] != "stocks" && parts[0] != "flows")) {
        throw InputError("'" + name + "' is not a series name; expected stocks.<status>, " +
                         "stocks.<status>.<COUNTRY>, flows.<flow> or flows.<flow>.<COUNTRY>");
    }
    SeriesRequest request;
    request.name = name;
    if (parts[0] == "stocks") {
        request.kind = SeriesRequest::Kind::stock;
        const auto status = enum_from_name<Status>(status_names, parts[1]);
        if (!status) {
            throw InputError("'" + name + "': no status '" + parts[1] +
                             "'; statuses: " + loader::join(names_of(status_names)));
        }
        request.index = static_cast<int>(*status);
    } else {
        request.kind = SeriesRequest::Kind::flow;
        const auto flow = enum_from_name<Flow>(flow_names, parts[1]);
        if (!flow) {
            throw InputError("'" + name + "': no flow '" + parts[1] +
                             "'; flows: " + loader::join(names_of(flow_names)));
        }
        request.index = static_cast<int>(*flow);
    }
    if (parts.size() == 3) {
        request.country = scenario.country_index(parts[2]);
        if (request.country < 0) {
            std::vector<std::string> codes;
            for (const auto& country : scenario.countries) {
                codes.push_back(country.code);
            }
            throw InputError("'" + name + "': the base scenario has no country '" + parts[2] +
                             "'; countries: " + loader::join(codes));
        }
    }
    request.long_name = series_long_name(request, scenario);
    return request;
}

SweepSpec load_sweep_text(const std::string& text, const std::string& file_name) {
    const Source source(file_name, text);
    const YAML::Node root = parse(source, text);
    const Item top = loader::root_item(root);
    if (!root.IsMap()) {
        source.fail_at_value(top, "a sweep file is a map with the keys " + loader::join(top_keys) +
                                      "; got " + describe(root));
    }
    loader::check_keys(source, top, &top_keys);
    for (const char* required : {"base", "design"}) {
        if (!top.find(required)) {
            source.fail_at_key(top, std::string("missing required key '") + required +
                                        "' at the top level");
        }
    }

    SweepSpec spec;
    spec.path = file_name;
    spec.text = text;
    spec.sha256 = sha256_hex(text);
    if (const auto description = top.find("description")) {
        spec.description = scalar_text(source, *description, "a text");
    }

    // The base scenario, relative to the sweep file.
    const Item base = *top.find("base");
    spec.base_path = scalar_text(source, base, "the path of a scenario file");
    std::filesystem::path base_file(spec.base_path);
    if (base_file.is_relative()) {
        base_file = std::filesystem::path(file_name).parent_path() / base_file;
    }
    spec.base_file = base_file.lexically_normal().string();
    {
        std::error_code error;
        if (!std::filesystem::is_regular_file(spec.base_file, error)) {
            source.fail_at_value(base, "base: no scenario file " + spec.base_file +
                                           " (a relative path is taken from the sweep file's "
                                           "directory)");
        }
        std::ifstream in(spec.base_file, std::ios::binary);
        std::ostringstream base_text;
        base_text << in.rdbuf();
        if (!in) {
            source.fail_at_value(base, "base: cannot read " + spec.base_file + ": " +
                                           std::strerror(errno));
        }
        spec.base_text = base_text.str();
    }
    spec.base_sha256 = sha256_hex(spec.base_text);
    spec.base = load_scenario_text(spec.base_text, spec.base_file);
    spec.base.source_path = spec.base_file;

    if (const auto mode = top.find("mode")) {
        spec.mode = one_of(source, *mode, {"expected", "stochastic"}) == "stochastic"
                        ? Mode::stochastic
                        : Mode::expected;
    }
    spec.seed = spec.base.seed;
    if (const auto seed = top.find("seed")) {
        spec.seed = static_cast<std::uint64_t>(integer_at_least(source, *seed, 0));
    }
    const Item design = *top.find("design");
    const std::string design_name = one_of(source, design, {"grid", "latin_hypercube", "sobol"});
    spec.design = design_name == "grid"              ? DesignKind::grid
                  : design_name == "latin_hypercube" ? DesignKind::latin_hypercube
                                                     : DesignKind::sobol;
    const auto samples = top.find("samples");
    if (spec.design == DesignKind::grid) {
        if (samples) {
            source.fail_at_key(*samples, "samples: a grid design runs every combination of the "
                                         "parameters' values; `samples` is for latin_hypercube "
                                         "and sobol designs");
        }
    } else {
        if (!samples) {
            source.fail_at_key(design, "a " + design_name +
                                           " design needs `samples`, the number of points N" +
                                           (spec.design == DesignKind::sobol
                                                ? std::string(" (the design has N (d + 2))")
                                                : std::string()));
        }
        spec.samples = static_cast<int>(std::min<std::int64_t>(
            integer_at_least(source, *samples, 2), std::numeric_limits<int>::max() / 64));
    }
    if (const auto replicates = top.find("replicates")) {
        spec.replicates = static_cast<int>(std::min<std::int64_t>(
            integer_at_least(source, *replicates, 1), std::numeric_limits<int>::max() / 64));
    }

    // A grid without parameters is an ensemble: one point, the base scenario, replicated.
    const auto parameters_item = top.find("parameters");
    if (!parameters_item && spec.design != DesignKind::grid) {
        source.fail_at_key(design, "a " + design_name +
                                       " design needs `parameters`, each with "
                                       "a `range: [low, high]`");
    }
    const Item parameters =
        parameters_item ? *parameters_item : Item{YAML::Node(YAML::NodeType::Map), {}, ""};
    const bool empty_map = parameters.node.IsMap() && parameters.node.size() == 0;
    if (!(parameters.node.IsMap() || (parameters.node.IsNull() && parameters_item)) ||
        (empty_map && spec.design != DesignKind::grid)) {
        fail_expected(source, parameters,
                      spec.design == DesignKind::grid
                          ? std::string("a map from scenario paths (as --set takes them) to "
                                        "their values, or {} for an ensemble of the base "
                                        "scenario")
                          : std::string("a non-empty map from scenario paths (as --set takes "
                                        "them) to their ranges"));
    }
    if (parameters.node.IsMap()) {
        loader::check_keys(source, parameters, nullptr);
    }
    for (const Item& entry : parameters.entries()) {
        spec.parameters.push_back(read_parameter(source, entry, spec.design));
        spec.parameter_locations.push_back(source.locate(*entry.key));
    }
    if (spec.design == DesignKind::sobol &&
        2 * spec.parameters.size() > static_cast<std::size_t>(sobol_max_dimensions)) {
        source.fail_at_key(
            parameters,
            "parameters: a sobol design takes at most " + std::to_string(sobol_max_dimensions / 2) +
                " parameters (its sequence has " + std::to_string(sobol_max_dimensions) +
                " dimensions); got " + std::to_string(spec.parameters.size()));
    }
    if (spec.design == DesignKind::grid) {
        double points = 1;
        for (const auto& parameter : spec.parameters) {
            points *= static_cast<double>(parameter.values.size());
        }
        if (points * spec.replicates > 1e8) {
            source.fail_at_key(parameters, "parameters: the grid has " +
                                               loader::number_text(points) +
                                               " points; more than 10^8 runs is not a sweep "
                                               "this program can hold");
        }
    }

    if (const auto outputs = top.find("outputs")) {
        if (!outputs->node.IsMap()) {
            fail_expected(source, *outputs, "a map with the keys " + loader::join(output_keys));
        }
        loader::check_keys(source, *outputs, &output_keys);
        std::set<std::string> seen;
        if (const auto stocks = outputs->find("stocks"); stocks && boolean(source, *stocks)) {
            for (const auto status : status_names) {
                spec.series.push_back(
                    parse_series_name("stocks." + std::string(status), spec.base));
                seen.insert(spec.series.back().name);
            }
        }
        if (const auto series = outputs->find("series")) {
            if (!series->node.IsSequence()) {
                fail_expected(source, *series, "a list of series names such as stocks.detained");
            }
            for (const Item& element : series->elements()) {
                const std::string name = scalar_text(source, element, "a series name");
                try {
                    SeriesRequest request = parse_series_name(name, spec.base);
                    if (!seen.insert(request.name).second) {
                        source.fail_at_value(element, element.path + ": the series '" + name +
                                                          "' is requested twice" +
                                                          (name.rfind("stocks.", 0) == 0
                                                               ? " (`stocks: true` includes it)"
                                                               : ""));
                    }
                    spec.series.push_back(std::move(request));
                } catch (const InputError& e) {
                    if (e.where().line > 0) {
                        throw;
                    }
                    source.fail_at_value(element, element.path + ": " + e.message());
                }
            }
        }
    }
    return spec;
}

SweepSpec load_sweep_file(const std::string& path) {
    return load_sweep_text(read_text(path), path);
}

} // namespace deportsim::sweep
