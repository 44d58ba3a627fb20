// read_run_file and describe_run_file: the run file read back (docs/output-format.md).

#include "io/run_file.hpp"

#include "core/error.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_variables.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <sstream>

namespace deportsim {

int RunFileContents::step(Eigen::Index record) const {
    return static_cast<int>(std::lround(time(record) / dt_days));
}

double RunFileContents::stock(Eigen::Index record, int country, Status status, int group) const {
    const auto groups_count = static_cast<Eigen::Index>(groups.size());
    return stocks(record, stock_row(country, status) * groups_count + group);
}

namespace {

// A row of a (time, ...) series seen as a matrix of `rows` x `cols`.
CellArray row_as(const CellArray& series, Eigen::Index record, Eigen::Index rows,
                 Eigen::Index cols) {
    if (rows * cols == 0) {
        return CellArray(rows, cols);
    }
    return Eigen::Map<const CellArray>(&series(record, 0), rows, cols);
}

Eigen::ArrayXd row_of(const CellArray& series, Eigen::Index record) {
    return series.row(record).transpose();
}

} // namespace

StepOutputs RunFileContents::outputs(Eigen::Index record) const {
    const auto country_count = static_cast<Eigen::Index>(countries.size());
    const auto group_count = static_cast<Eigen::Index>(groups.size());
    StepOutputs out;
    out.stocks = row_as(stocks, record, country_count * status_count, group_count);
    for (std::size_t f = 0; f < flows.size(); ++f) {
        out.flows[f] = row_as(flows[f], record, country_count, group_count);
    }
    out.removals_by_destination =
        row_as(removals_by_destination, record, country_count, country_count);
    out.programme_flights = row_of(programme_flights, record);
    out.programme_passengers = row_of(programme_passengers, record);
    out.programme_cost = row_of(programme_cost, record);
    out.programme_budget_left = row_of(programme_budget_left, record);
    out.agreement_transfers = row_of(agreement_transfers, record);
    out.agreement_held = row_of(agreement_held, record);
    out.agreement_fees = row_of(agreement_fees, record);
    out.agreement_quota_used = row_of(agreement_quota_used, record);
    out.facility_occupancy = row_of(facility_occupancy, record);
    out.facility_cost = row_of(facility_cost, record);
    out.deterrence_factor = deterrence_factor(record);
    return out;
}

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::string shape_text(const std::vector<hsize_t>& shape) {
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
    }
    return text + ")";
}

// An open run file whose type and major version have been checked.
class RunFileReader {
public:
    explicit RunFileReader(const std::string& path) : path_(path) {
        hdf5::silence_errors();
        const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
        if (is_hdf5 < 0) {
            hdf5::fail("cannot open " + path);
        }
        if (is_hdf5 == 0) {
            throw FormatError(path + " is not a " + std::string(run_file_type) +
                              " file: it is not an HDF5 file");
        }
        file_ = hdf5::Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
        if (!file_.valid()) {
            hdf5::fail("cannot open " + path);
        }
        const hid_t root = file_.get();
        if (!hdf5::has_attribute(root, "format", path)) {
            throw FormatError(path + " is not a " + std::string(run_file_type) +
                              " file: it has no 'format' attribute");
        }
        format_ = hdf5::read_string_attribute(root, "format", path);
        if (format_ != run_file_type) {
            throw FormatError(path + " is not a " + std::string(run_file_type) +
                              " file: its format is '" + format_ + "'");
        }
        version_ = hdf5::read_int_attribute(root, "format_version", path);
        if (version_.size() != 2) {
            throw FormatError(path + ": format_version must hold [major, minor]");
        }
        if (version_[0] != run_format_major) {
            throw FormatError(path + " has " + std::string(run_file_type) + " format version " +
                              std::to_string(version_[0]) + "." + std::to_string(version_[1]) +
                              "; this engine reads version " + std::to_string(run_format_major) +
                              ".x");
        }
    }

    // Root attributes, labels and time: everything but the time-indexed variables.
    void read_header(RunFileContents& run) const {
        const hid_t root = file_.get();
        run.format = format_;
        run.format_major = version_[0];
        run.format_minor = version_[1];
        run.engine_version = hdf5::read_string_attribute(root, "engine_version", path_);
        run.git_revision = hdf5::read_string_attribute(root, "git_revision", path_);
        run.created = hdf5::read_string_attribute(root, "created", path_);
        const std::string mode = hdf5::read_string_attribute(root, "mode", path_);
        const auto parsed_mode = enum_from_name<Mode>(mode_names, mode);
        if (!parsed_mode) {
            throw FormatError(path_ + ": unknown mode '" + mode + "'");
        }
        run.mode = *parsed_mode;
        run.seed = hdf5::read_uint64_attribute(root, "seed", path_);
        run.scenario_name = hdf5::read_string_attribute(root, "scenario_name", path_);
        run.scenario_yaml = hdf5::read_string_attribute(root, "scenario_yaml", path_);
        run.scenario_sha256 = hdf5::read_string_attribute(root, "scenario_sha256", path_);
        run.scenario_overrides =
            split_lines(hdf5::read_string_attribute(root, "scenario_overrides", path_));
        const std::string start = hdf5::read_string_attribute(root, "start_date", path_);
        const auto start_date = parse_iso_date(start);
        if (!start_date) {
            throw FormatError(path_ + ": start_date '" + start + "' is not an ISO date");
        }
        run.start_date = *start_date;
        run.dt_days = hdf5::read_double_attribute(root, "dt_days", path_);

        run.countries = strings("country");
        run.country_names = strings("country_name", run.countries.size());
        run.country_on_map.clear();
        for (const signed char flag : flags("country_on_map", run.countries.size())) {
            run.country_on_map.push_back(flag != 0);
        }
        run.statuses = strings("status");
        if (!std::equal(run.statuses.begin(), run.statuses.end(), status_names.begin(),
                        status_names.end())) {
            throw FormatError(path_ + ": /status does not hold the engine's statuses");
        }
        run.groups = strings("group");
        run.group_nationalities = strings("group_nationality", run.groups.size());
        run.group_profiles = strings("group_profile", run.groups.size());
        const auto destinations = strings("destination");
        if (destinations != run.countries) {
            throw FormatError(path_ + ": /destination differs from /country");
        }
        run.programmes = strings("programme");
        run.programme_senders = strings("programme_sender", run.programmes.size());
        run.agreements = strings("agreement");
        run.agreement_senders = strings("agreement_sender", run.agreements.size());
        run.agreement_receivers = strings("agreement_receiver", run.agreements.size());
        run.agreement_dispositions = strings("agreement_disposition", run.agreements.size());
        run.facilities = strings("facility");
        run.facility_countries = strings("facility_country", run.facilities.size());
        run.facility_kinds = strings("facility_kind", run.facilities.size());
        run.facility_capacity =
            doubles("facility_capacity", {static_cast<hsize_t>(run.facilities.size())}).col(0);
        run.time = series("time", {}).col(0);
        if (run.format_minor >= 1) {
            run.scenario_description =
                hdf5::read_string_attribute(root, "scenario_description", path_);
            run.profiles = strings("parameters/profile");
            run.routes = strings("parameters/route");
        }
    }

    // A (time, cells...) dataset of float64, read whole into (time, product of cells).
    CellArray series(const std::string& name, const std::vector<hsize_t>& cells) const {
        std::vector<hsize_t> shape{0};
        shape.insert(shape.end(), cells.begin(), cells.end());
        return doubles(name, shape, true);
    }

    // A dataset of float64 of exactly `shape`; with `any_length`, the first dimension may have
    // any length. Read whole into (first dimension, product of the others).
    CellArray doubles(const std::string& name, std::vector<hsize_t> shape,
                      bool any_length = false) const {
        const hdf5::Handle dataset = open(name);
        const auto actual = hdf5::dataset_shape(dataset.get(), path_);
        if (any_length && !actual.empty()) {
            shape[0] = actual[0];
        }
        if (actual != shape) {
            throw FormatError(path_ + ": /" + name + " has shape " + shape_text(actual) +
                              ", expected " + shape_text(shape));
        }
        const hsize_t rows = shape[0];
        const hsize_t cols =
            std::accumulate(shape.begin() + 1, shape.end(), hsize_t{1}, std::multiplies<>());
        CellArray values(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
        if (values.size() > 0) {
            hdf5::check_status(H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                       H5P_DEFAULT, values.data()),
                               path_, "read /" + name);
        }
        return values;
    }

    // The last record of a (time, ...) dataset, flattened.
    Eigen::ArrayXd last_record(const std::string& name) const {
        const hdf5::Handle dataset = open(name);
        const auto shape = hdf5::dataset_shape(dataset.get(), path_);
        const std::string action = "read /" + name;
        if (shape.empty() || shape[0] == 0) {
            return Eigen::ArrayXd(0);
        }
        std::vector<hsize_t> start(shape.size(), 0);
        start[0] = shape[0] - 1;
        std::vector<hsize_t> count = shape;
        count[0] = 1;
        const hsize_t cells =
            std::accumulate(count.begin(), count.end(), hsize_t{1}, std::multiplies<>());
        Eigen::ArrayXd values(static_cast<Eigen::Index>(cells));
        if (cells == 0) {
            return values;
        }
        const hdf5::Handle file_space = hdf5::own(H5Dget_space(dataset.get()), path_, action);
        hdf5::check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(),
                                               nullptr, count.data(), nullptr),
                           path_, action);
        const hdf5::Handle memory_space =
            hdf5::own(H5Screate_simple(1, &cells, nullptr), path_, action);
        hdf5::check_status(H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, memory_space.get(),
                                   file_space.get(), H5P_DEFAULT, values.data()),
                           path_, action);
        return values;
    }

private:
    hdf5::Handle open(const std::string& name) const {
        const auto slash = name.find('/');
        const bool group_missing =
            slash != std::string::npos &&
            !hdf5::has_link(file_.get(), name.substr(0, slash).c_str(), path_);
        if (group_missing || !hdf5::has_link(file_.get(), name.c_str(), path_)) {
            throw FormatError(path_ + " is not a complete " + std::string(run_file_type) +
                              " file: /" + name + " is missing");
        }
        return hdf5::own(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT), path_, "open /" + name);
    }

    // A label variable; with `size`, it must have that many entries.
    std::vector<std::string> strings(const std::string& name,
                                     std::size_t size = std::size_t(-1)) const {
        const hdf5::Handle dataset = open(name);
        auto values = hdf5::read_strings(dataset.get(), path_);
        if (size != std::size_t(-1) && values.size() != size) {
            throw FormatError(path_ + ": /" + name + " has " + std::to_string(values.size()) +
                              " entries, expected " + std::to_string(size));
        }
        return values;
    }

    std::vector<signed char> flags(const std::string& name, std::size_t size) const {
        const hdf5::Handle dataset = open(name);
        const auto shape = hdf5::dataset_shape(dataset.get(), path_);
        if (shape != std::vector<hsize_t>{size}) {
            throw FormatError(path_ + ": /" + name + " has shape " + shape_text(shape) +
                              ", expected (" + std::to_string(size) + ")");
        }
        std::vector<signed char> values(size);
        if (size > 0) {
            hdf5::check_status(H5Dread(dataset.get(), H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL,
                                       H5P_DEFAULT, values.data()),
                               path_, "read /" + name);
        }
        return values;
    }

    std::string path_;
    hdf5::Handle file_;
    std::string format_;
    std::vector<int> version_;
};

} // namespace

RunFileContents read_run_file(const std::string& path) {
    const RunFileReader reader(path);
    RunFileContents run;
    reader.read_header(run);
    const auto records = static_cast<hsize_t>(run.time.size());
    const std::map<std::string, hsize_t> lengths = {
        {"country", run.countries.size()},    {"status", status_count},
        {"group", run.groups.size()},         {"destination", run.countries.size()},
        {"programme", run.programmes.size()}, {"agreement", run.agreements.size()},
        {"facility", run.facilities.size()},  {"profile", run.profiles.size()},
        {"route", run.routes.size()}};
    // Where each variable of the registry goes; the parameters go to run.parameters.
    std::map<std::string, CellArray*> destination = {
        {"stocks", &run.stocks},
        {"removals_by_destination", &run.removals_by_destination},
        {"programme_flights", &run.programme_flights},
        {"programme_passengers", &run.programme_passengers},
        {"programme_cost", &run.programme_cost},
        {"programme_budget_left", &run.programme_budget_left},
        {"agreement_transfers", &run.agreement_transfers},
        {"agreement_held", &run.agreement_held},
        {"agreement_fees", &run.agreement_fees},
        {"agreement_quota_used", &run.agreement_quota_used},
        {"facility_occupancy", &run.facility_occupancy},
        {"facility_cost", &run.facility_cost}};
    for (std::size_t f = 0; f < run.flows.size(); ++f) {
        destination["flows/" + std::string(flow_names[f])] = &run.flows[f];
    }
    for (const RunVariable& variable : run_variables()) {
        if (variable.since_minor > run.format_minor) {
            continue; // an older file of this major version: not written then
        }
        std::vector<hsize_t> cells;
        for (std::size_t d = 1; d < variable.dimensions.size(); ++d) {
            cells.push_back(lengths.at(variable.dimensions[d]));
        }
        const std::string name = variable.path();
        CellArray values = reader.series(name, cells);
        if (static_cast<hsize_t>(values.rows()) != records) {
            throw FormatError(path + ": /" + name + " has " + std::to_string(values.rows()) +
                              " records, /time has " + std::to_string(records));
        }
        if (variable.group == "parameters") {
            run.parameters[variable.name] = std::move(values);
        } else if (name == "deterrence_factor") {
            run.deterrence_factor = values.col(0);
        } else {
            *destination.at(name) = std::move(values);
        }
    }
    return run;
}

namespace {

// Whole numbers (stochastic and agent modes) without decimals, real counts with one.
std::string persons(double value) {
    char text[64];
    if (std::isfinite(value) && value == std::round(value) && std::fabs(value) < 1e15) {
        std::snprintf(text, sizeof text, "%.0f", value);
    } else {
        std::snprintf(text, sizeof text, "%.1f", value);
    }
    return text;
}

std::string char_buffer(double value, const char* format) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string plural(std::size_t count, const char* one, const char* many) {
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

} // namespace

HeadlineValues headline_of_run_file(const RunFileContents& run) {
    HeadlineLayout layout;
    layout.countries = static_cast<int>(run.countries.size());
    layout.has_programmes = !run.programmes.empty();
    for (const std::string& kind : run.facility_kinds) {
        const auto parsed = enum_from_name<FacilityKind>(facility_kind_names, kind);
        if (!parsed) {
            throw FormatError("run file: unknown facility kind '" + kind + "'");
        }
        layout.facility_kinds.push_back(*parsed);
    }
    HeadlineRecorder recorder;
    recorder.begin(layout);
    for (Eigen::Index record = 0; record < run.records(); ++record) {
        recorder.record(run.step(record), run.outputs(record));
    }
    recorder.finish();
    return recorder.values();
}

std::string describe_run_file(const std::string& path) {
    const RunFileContents run = read_run_file(path);
    const auto records = run.time.size();
    const auto countries = run.countries.size();
    const auto groups = run.groups.size();

    std::ostringstream out;
    out << "file:        " << path << "\n";
    out << "format:      " << run.format << " " << run.format_major << "." << run.format_minor
        << ", written by deportsim " << run.engine_version << " (git " << run.git_revision
        << ") at " << run.created << "\n";
    out << "scenario:    " << run.scenario_name << " (sha256 " << run.scenario_sha256 << ")\n";
    for (const auto& assignment : run.scenario_overrides) {
        out << "  --set      " << assignment << "\n";
    }
    out << "mode:        " << enum_name(mode_names, run.mode) << ", seed " << run.seed << "\n";
    const Date last =
        records > 0
            ? Date{run.start_date.days + static_cast<int>(std::floor(run.time(records - 1)))}
            : run.start_date;
    out << "dates:       " << format_iso_date(run.start_date) << " to " << format_iso_date(last)
        << ", " << plural(static_cast<std::size_t>(records), "record", "records")
        << " (step 0 is the initial state), steps of " << run.dt_days
        << (run.dt_days == 1 ? " day\n" : " days\n");
    out << "dimensions:  " << plural(countries, "country", "countries") << ", "
        << plural(run.statuses.size(), "status", "statuses") << ", "
        << plural(groups, "group", "groups") << ", "
        << plural(run.programmes.size(), "programme", "programmes") << ", "
        << plural(run.agreements.size(), "agreement", "agreements") << ", "
        << plural(run.facilities.size(), "facility", "facilities") << "\n";
    std::size_t registered = 0;
    for (const RunVariable& variable : run_variables()) {
        registered += variable.group == "parameters" ? 1 : 0;
    }
    if (run.parameters.empty()) {
        out << "parameters:  none (a format " << run.format_major << "." << run.format_minor
            << " file; the group /parameters came with 1.1)\n";
    } else {
        out << "parameters:  " << run.parameters.size() << " of " << registered
            << " series in /parameters, the values in force at each step\n";
    }
    if (records == 0) {
        out << "no records\n";
        return out.str();
    }

    // Final stocks by status.
    out << "final stocks by status on " << format_iso_date(last) << ":\n";
    const Eigen::Index final_record = static_cast<Eigen::Index>(records) - 1;
    double total = 0;
    for (int status = 0; status < status_count; ++status) {
        double sum = 0;
        for (std::size_t country = 0; country < countries; ++country) {
            for (std::size_t group = 0; group < groups; ++group) {
                sum += run.stock(final_record, static_cast<int>(country),
                                 static_cast<Status>(status), static_cast<int>(group));
            }
        }
        total += sum;
        char line[96];
        std::snprintf(line, sizeof line, "  %-17s %14s\n",
                      std::string(status_names[static_cast<std::size_t>(status)]).c_str(),
                      persons(sum).c_str());
        out << line;
    }
    char line[96];
    std::snprintf(line, sizeof line, "  %-17s %14s\n", "total", persons(total).c_str());
    out << line;

    // The headline metrics, as sweeps and the Python summary define them.
    out << "headline (as in sweeps and `python -m deportsim summary`):\n";
    const HeadlineValues headline = headline_of_run_file(run);
    for (std::size_t h = 0; h < headline_metrics.size(); ++h) {
        const HeadlineMetric& metric = headline_metrics[h];
        const double value = headline[h];
        const std::string shown =
            std::isnan(value) ? "n/a"
            : metric.units == "persons"
                ? persons(value)
                : (char_buffer(value, value == std::round(value) ? "%.0f" : "%.2f"));
        std::snprintf(line, sizeof line, "  %-29s %14s %s\n", std::string(metric.name).c_str(),
                      shown.c_str(), std::string(metric.units).c_str());
        out << line;
    }
    return out.str();
}

std::string headline_csv(const std::string& path) {
    const RunFileContents run = read_run_file(path);
    const HeadlineValues headline = headline_of_run_file(run);
    std::ostringstream out;
    out << "metric,value,units\n";
    for (std::size_t h = 0; h < headline_metrics.size(); ++h) {
        const HeadlineMetric& metric = headline_metrics[h];
        out << metric.name << ","
            << (std::isnan(headline[h]) ? std::string() : char_buffer(headline[h], "%.17g")) << ","
            << metric.units << "\n";
    }
    return out.str();
}

} // namespace deportsim
