// The sweep file, written the way the run file is (run_file_writer.cpp) so that netCDF-4 tools
// read it as it is: a dimension scale for every dimension, attached to every variable; link and
// attribute creation order tracked and indexed; variable-length UTF-8 strings; no modification
// times, so that the bytes depend only on the contents.

#include "io/sweep_file.hpp"

#include "core/error.hpp"
#include "deportsim/version.hpp"
#include "io/hdf5_handle.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <utility>

namespace deportsim {

namespace {

constexpr unsigned deflate_level = 4;

using hdf5::describe_variable;
using hdf5::group_properties;

hdf5::Handle dataset_properties(const std::vector<hsize_t>& chunk, const std::string& file) {
    return hdf5::dataset_properties(chunk, deflate_level, file);
}

hdf5::Handle create_dataset(hid_t location, const char* name, hid_t file_type,
                            const std::vector<hsize_t>& shape, const std::vector<hsize_t>& chunk,
                            const std::string& file) {
    const std::string action = "create dataset " + std::string(name);
    const hdf5::Handle space = hdf5::own(
        H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), file, action);
    const hdf5::Handle properties = dataset_properties(chunk, file);
    return hdf5::own(H5Dcreate2(location, name, file_type, space.get(), H5P_DEFAULT,
                                properties.get(), H5P_DEFAULT),
                     file, action);
}

template <class T>
void write_all(hid_t dataset, hid_t memory_type, const std::vector<T>& values,
               const std::string& file) {
    if (values.empty()) {
        return;
    }
    hdf5::check_status(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                       file, "write " + hdf5::object_path(dataset));
}

hdf5::Handle create_strings(hid_t location, const char* name,
                            const std::vector<std::string>& values, std::string_view long_name,
                            const std::string& file) {
    const hdf5::Handle type = hdf5::utf8_string_type(file);
    hdf5::Handle dataset =
        create_dataset(location, name, type.get(), {static_cast<hsize_t>(values.size())}, {}, file);
    hdf5::write_strings(dataset.get(), values, file);
    describe_variable(dataset.get(), long_name, "1", file);
    return dataset;
}

void make_scale(hid_t dataset, const char* name, const std::string& file) {
    hdf5::check_status(H5DSset_scale(dataset, name), file,
                       "make " + std::string(name) + " a dimension scale");
}

void attach(hid_t dataset, std::initializer_list<hid_t> scales, const std::string& file) {
    unsigned index = 0;
    for (const hid_t scale : scales) {
        hdf5::check_status(H5DSattach_scale(dataset, scale, index), file,
                           "attach dimension " + std::to_string(index) + " of " +
                               hdf5::object_path(dataset));
        ++index;
    }
}

std::vector<int> iota_ints(int n) {
    std::vector<int> values(static_cast<std::size_t>(std::max(n, 0)));
    std::iota(values.begin(), values.end(), 0);
    return values;
}

} // namespace

struct SweepFileWriter::Impl {
    std::string path;
    std::string partial;
    bool finished = false;
    SweepFileHeader header; // the sizes and labels, for checks
    std::size_t points = 0;
    std::size_t replicates = 0;
    std::size_t metrics = 0;
    std::size_t records = 0;
    std::size_t next_point = 0;

    std::vector<double> summary;
    std::vector<std::uint64_t> seeds;
    std::vector<std::int8_t> complete;

    // Declared first so that they are closed last.
    hdf5::Handle file;
    hdf5::Handle series_group;
    hdf5::Handle point_scale, replicate_scale, metric_scale, time_scale;
    std::vector<hdf5::Handle> series;

    void create();
};

void SweepFileWriter::Impl::create() {
    const SweepFileHeader& h = header;
    {
        const hdf5::Handle creation = group_properties(H5P_FILE_CREATE, partial);
        const hdf5::Handle access =
            hdf5::own(H5Pcreate(H5P_FILE_ACCESS), partial, "set up file access properties");
        hdf5::check_status(H5Pset_fclose_degree(access.get(), H5F_CLOSE_SEMI), partial,
                           "set up file access properties");
        file =
            hdf5::Handle(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, creation.get(), access.get()));
        if (!file.valid()) {
            hdf5::fail("cannot create " + partial);
        }
    }
    const hid_t root = file.get();
    const int version[2] = {sweep_format_major, sweep_format_minor};
    hdf5::write_string_attribute(root, "format", sweep_file_type, partial);
    hdf5::write_int_attribute(root, "format_version", version, partial);
    hdf5::write_string_attribute(root, "engine_version", engine_version, partial);
    hdf5::write_string_attribute(root, "git_revision", git_revision, partial);
    hdf5::write_string_attribute(root, "mode", enum_name(mode_names, h.mode), partial);
    hdf5::write_uint64_attribute(root, "seed", h.seed, partial);
    hdf5::write_string_attribute(root, "design", h.design, partial);
    hdf5::write_uint64_attribute(root, "samples", static_cast<std::uint64_t>(h.samples), partial);
    hdf5::write_uint64_attribute(root, "replicates", static_cast<std::uint64_t>(h.replicates),
                                 partial);
    hdf5::write_string_attribute(root, "description", h.description, partial);
    hdf5::write_string_attribute(root, "scenario_name", h.scenario_name, partial);
    hdf5::write_string_attribute(root, "scenario_sha256", h.base_scenario_sha256, partial);
    hdf5::write_string_attribute(root, "base_scenario_path", h.base_scenario_path, partial);
    hdf5::write_string_attribute(root, "base_scenario_yaml", h.base_scenario_yaml, partial);
    hdf5::write_string_attribute(root, "sweep_yaml", h.sweep_yaml, partial);
    hdf5::write_string_attribute(root, "sweep_sha256", h.sweep_sha256, partial);
    hdf5::write_string_attribute(root, "start_date", format_iso_date(h.start_date), partial);
    hdf5::write_double_attribute(root, "dt_days", h.dt_days, partial);
    hdf5::write_string_attribute(root, "created", h.created, partial);
    hdf5::write_string_attribute(root, "Conventions", "CF-1.8", partial);

    const std::lock_guard scales_lock(hdf5::dimension_scale_mutex());
    const auto size = [](std::size_t n) { return static_cast<hsize_t>(n); };

    // Dimensions.
    point_scale = create_dataset(root, "point", H5T_STD_I32LE, {size(points)}, {}, partial);
    write_all(point_scale.get(), H5T_NATIVE_INT, iota_ints(static_cast<int>(points)), partial);
    describe_variable(point_scale.get(), "index of the point in the design", "1", partial);
    make_scale(point_scale.get(), "point", partial);

    const hdf5::Handle parameter = create_strings(root, "parameter", h.parameters,
                                                  "swept scenario parameter (its path)", partial);
    make_scale(parameter.get(), "parameter", partial);

    replicate_scale =
        create_dataset(root, "replicate", H5T_STD_I32LE, {size(replicates)}, {}, partial);
    write_all(replicate_scale.get(), H5T_NATIVE_INT, iota_ints(static_cast<int>(replicates)),
              partial);
    describe_variable(replicate_scale.get(), "replicate of a point", "1", partial);
    make_scale(replicate_scale.get(), "replicate", partial);

    metric_scale = create_strings(root, "metric", h.metrics, "headline metric", partial);
    make_scale(metric_scale.get(), "metric", partial);

    time_scale = create_dataset(root, "time", H5T_IEEE_F64LE, {size(records)}, {}, partial);
    {
        std::vector<double> time(records);
        for (std::size_t k = 0; k < records; ++k) {
            time[k] = static_cast<double>(k) * h.dt_days;
        }
        write_all(time_scale.get(), H5T_NATIVE_DOUBLE, time, partial);
    }
    hdf5::write_string_attribute(time_scale.get(), "long_name", "time", partial);
    hdf5::write_string_attribute(time_scale.get(), "units",
                                 "days since " + format_iso_date(h.start_date), partial);
    hdf5::write_string_attribute(time_scale.get(), "calendar", "proleptic_gregorian", partial);
    make_scale(time_scale.get(), "time", partial);

    // Along `parameter`.
    for (const auto& [name, values, long_name] :
         {std::tuple{"parameter_units", &h.parameter_units, "units of the parameter"},
          std::tuple{"parameter_distribution", &h.parameter_distribution,
                     "how its values were chosen: values (listed), uniform or loguniform"}}) {
        const hdf5::Handle dataset = create_strings(root, name, *values, long_name, partial);
        attach(dataset.get(), {parameter.get()}, partial);
    }
    for (const auto& [name, values, long_name] :
         {std::tuple{"parameter_low", &h.parameter_low, "low end of the parameter's range"},
          std::tuple{"parameter_high", &h.parameter_high, "high end of the parameter's range"}}) {
        const hdf5::Handle dataset =
            create_dataset(root, name, H5T_IEEE_F64LE, {size(values->size())}, {}, partial);
        write_all(dataset.get(), H5T_NATIVE_DOUBLE, *values, partial);
        describe_variable(dataset.get(), long_name, "see parameter_units", partial);
        attach(dataset.get(), {parameter.get()}, partial);
    }
    {
        const hdf5::Handle dataset =
            create_dataset(root, "parameter_integer", H5T_STD_I8LE,
                           {size(h.parameter_integer.size())}, {}, partial);
        write_all(dataset.get(), H5T_NATIVE_INT8, h.parameter_integer, partial);
        describe_variable(dataset.get(), "1 when the parameter takes whole numbers only", "1",
                          partial);
        attach(dataset.get(), {parameter.get()}, partial);
    }

    // Along `metric`.
    for (const auto& [name, values, long_name] :
         {std::tuple{"metric_units", &h.metric_units, "units of the metric"},
          std::tuple{"metric_long_name", &h.metric_long_names, "what the metric is"}}) {
        const hdf5::Handle dataset = create_strings(root, name, *values, long_name, partial);
        attach(dataset.get(), {metric_scale.get()}, partial);
    }

    // The design.
    {
        const hdf5::Handle dataset = create_dataset(
            root, "points", H5T_IEEE_F64LE, {size(points), size(h.parameters.size())}, {}, partial);
        write_all(dataset.get(), H5T_NATIVE_DOUBLE, h.points, partial);
        describe_variable(dataset.get(), "value of each parameter at each point",
                          "see parameter_units", partial);
        hdf5::write_string_attribute(
            dataset.get(), "coordinates",
            "parameter_units parameter_distribution parameter_low parameter_high "
            "parameter_integer",
            partial);
        attach(dataset.get(), {point_scale.get(), parameter.get()}, partial);
    }
    if (!h.sobol_matrix.empty()) {
        for (const auto& [name, values, long_name] :
             {std::tuple{"sobol_matrix", &h.sobol_matrix,
                         "Saltelli matrix of the point: 0 = A, 1 = B, 2 + i = A_B^i (column i "
                         "of A from B, parameters counted from 0)"},
              std::tuple{"sobol_row", &h.sobol_row, "row of the point within its matrix"}}) {
            const hdf5::Handle dataset =
                create_dataset(root, name, H5T_STD_I32LE, {size(points)}, {}, partial);
            write_all(dataset.get(), H5T_NATIVE_INT, *values, partial);
            describe_variable(dataset.get(), long_name, "1", partial);
            attach(dataset.get(), {point_scale.get()}, partial);
        }
    }

    // The per-step series, one variable each in the group `series`, chunked by point.
    {
        const hdf5::Handle creation = group_properties(H5P_GROUP_CREATE, partial);
        series_group =
            hdf5::own(H5Gcreate2(root, "series", H5P_DEFAULT, creation.get(), H5P_DEFAULT), partial,
                      "create group /series");
    }
    for (std::size_t k = 0; k < h.series.size(); ++k) {
        hdf5::Handle dataset =
            create_dataset(series_group.get(), h.series[k].c_str(), H5T_IEEE_F64LE,
                           {size(points), size(replicates), size(records)},
                           {1, size(std::max<std::size_t>(replicates, 1)),
                            size(std::max<std::size_t>(records, 1))},
                           partial);
        describe_variable(dataset.get(), h.series_long_names[k], "persons", partial);
        attach(dataset.get(), {point_scale.get(), replicate_scale.get(), time_scale.get()},
               partial);
        series.push_back(std::move(dataset));
    }
}

SweepFileWriter::SweepFileWriter(std::string path, const SweepFileHeader& header)
    : impl_(std::make_unique<Impl>()) {
    hdf5::silence_errors();
    Impl& w = *impl_;
    w.path = std::move(path);
    w.partial = w.path + ".partial";
    w.header = header;
    const std::size_t d = header.parameters.size();
    if (header.point_count < 1 ||
        header.points.size() != static_cast<std::size_t>(header.point_count) * d ||
        header.parameter_units.size() != d || header.parameter_distribution.size() != d ||
        header.parameter_low.size() != d || header.parameter_high.size() != d ||
        header.parameter_integer.size() != d ||
        header.metric_units.size() != header.metrics.size() ||
        header.metric_long_names.size() != header.metrics.size() ||
        header.series_long_names.size() != header.series.size() || header.replicates < 1 ||
        header.records < 1) {
        throw InternalError("SweepFileWriter: inconsistent header for " + w.path);
    }
    w.points = static_cast<std::size_t>(header.point_count);
    if (!header.sobol_matrix.empty() &&
        (header.sobol_matrix.size() != w.points || header.sobol_row.size() != w.points)) {
        throw InternalError("SweepFileWriter: sobol layout does not match the points");
    }
    w.replicates = static_cast<std::size_t>(header.replicates);
    w.metrics = header.metrics.size();
    w.records = static_cast<std::size_t>(header.records);
    w.summary.reserve(w.points * w.replicates * w.metrics);
    w.create();
}

SweepFileWriter::~SweepFileWriter() {
    if (impl_ && !impl_->finished) {
        hdf5::silence_errors();
        const std::string partial = impl_->partial;
        impl_.reset();
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
    }
}

void SweepFileWriter::write_point(const SweepPointResults& results) {
    hdf5::silence_errors();
    Impl& w = *impl_;
    if (w.finished || w.next_point >= w.points) {
        throw InternalError("SweepFileWriter::write_point: more points than the design has");
    }
    if (results.summary.size() != w.replicates * w.metrics ||
        results.seeds.size() != w.replicates || results.complete.size() != w.replicates ||
        results.series.size() != w.series.size()) {
        throw InternalError("SweepFileWriter::write_point: results of point " +
                            std::to_string(w.next_point) + " have the wrong shape");
    }
    w.summary.insert(w.summary.end(), results.summary.begin(), results.summary.end());
    w.seeds.insert(w.seeds.end(), results.seeds.begin(), results.seeds.end());
    w.complete.insert(w.complete.end(), results.complete.begin(), results.complete.end());
    for (std::size_t k = 0; k < w.series.size(); ++k) {
        const auto& values = results.series[k];
        if (values.size() != w.replicates * w.records) {
            throw InternalError("SweepFileWriter::write_point: series " + w.header.series[k] +
                                " of point " + std::to_string(w.next_point) +
                                " has the wrong length");
        }
        const std::string action = "write " + hdf5::object_path(w.series[k].get());
        const hdf5::Handle space = hdf5::own(H5Dget_space(w.series[k].get()), w.partial, action);
        const hsize_t start[3] = {static_cast<hsize_t>(w.next_point), 0, 0};
        const hsize_t count[3] = {1, static_cast<hsize_t>(w.replicates),
                                  static_cast<hsize_t>(w.records)};
        hdf5::check_status(
            H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
            w.partial, action);
        const hdf5::Handle memory =
            hdf5::own(H5Screate_simple(3, count, nullptr), w.partial, action);
        hdf5::check_status(H5Dwrite(w.series[k].get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(),
                                    H5P_DEFAULT, values.data()),
                           w.partial, action);
    }
    ++w.next_point;
}

void SweepFileWriter::finish() {
    hdf5::silence_errors();
    Impl& w = *impl_;
    if (w.finished || w.next_point != w.points) {
        throw InternalError("SweepFileWriter::finish: " + std::to_string(w.next_point) + " of " +
                            std::to_string(w.points) + " points written");
    }
    const hid_t root = w.file.get();
    const auto size = [](std::size_t n) { return static_cast<hsize_t>(n); };
    {
        const std::lock_guard scales_lock(hdf5::dimension_scale_mutex());
        {
            const hdf5::Handle dataset = create_dataset(
                root, "summary", H5T_IEEE_F64LE,
                {size(w.points), size(w.replicates), size(w.metrics)}, {}, w.partial);
            write_all(dataset.get(), H5T_NATIVE_DOUBLE, w.summary, w.partial);
            describe_variable(dataset.get(), "headline metrics of each run (NaN: not complete)",
                              "see metric_units", w.partial);
            hdf5::write_string_attribute(dataset.get(), "coordinates",
                                         "metric_units metric_long_name", w.partial);
            attach(dataset.get(),
                   {w.point_scale.get(), w.replicate_scale.get(), w.metric_scale.get()}, w.partial);
        }
        {
            const hdf5::Handle dataset =
                create_dataset(root, "run_seed", H5T_STD_U64LE,
                               {size(w.points), size(w.replicates)}, {}, w.partial);
            write_all(dataset.get(), H5T_NATIVE_UINT64, w.seeds, w.partial);
            describe_variable(dataset.get(),
                              "random seed of each run: splitmix64 hash of (seed, point, "
                              "replicate)",
                              "1", w.partial);
            attach(dataset.get(), {w.point_scale.get(), w.replicate_scale.get()}, w.partial);
        }
        {
            const hdf5::Handle dataset =
                create_dataset(root, "complete", H5T_STD_I8LE, {size(w.points), size(w.replicates)},
                               {}, w.partial);
            write_all(dataset.get(), H5T_NATIVE_INT8, w.complete, w.partial);
            describe_variable(dataset.get(), "1 when the run completed, 0 when it is missing", "1",
                              w.partial);
            attach(dataset.get(), {w.point_scale.get(), w.replicate_scale.get()}, w.partial);
        }
    }
    w.series.clear();
    w.series_group.reset();
    w.point_scale.reset();
    w.replicate_scale.reset();
    w.metric_scale.reset();
    w.time_scale.reset();
    if (H5Fclose(w.file.release()) < 0) {
        hdf5::fail("cannot close " + w.partial);
    }
    std::error_code error;
    std::filesystem::rename(w.partial, w.path, error);
    if (error) {
        throw FileError("cannot rename " + w.partial + " to " + w.path + ": " + error.message());
    }
    w.finished = true;
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace {

hdf5::Handle open_dataset(hid_t location, const std::string& name, const std::string& file) {
    if (!hdf5::has_link(location, name.c_str(), file)) {
        throw FormatError(file + ": not a complete deportsim sweep file: no variable '" + name +
                          "'");
    }
    return hdf5::own(H5Dopen2(location, name.c_str(), H5P_DEFAULT), file, "open dataset " + name);
}

template <class T>
std::vector<T> read_all(hid_t location, const std::string& name, hid_t memory_type,
                        std::size_t expected, const std::string& file) {
    const hdf5::Handle dataset = open_dataset(location, name, file);
    const auto shape = hdf5::dataset_shape(dataset.get(), file);
    const std::size_t n = std::accumulate(shape.begin(), shape.end(), std::size_t{1},
                                          [](std::size_t a, hsize_t b) { return a * b; });
    if (n != expected) {
        throw FormatError(file + ": variable '" + name + "' has " + std::to_string(n) +
                          " values; expected " + std::to_string(expected));
    }
    std::vector<T> values(n);
    if (n > 0) {
        hdf5::check_status(
            H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), file,
            "read " + name);
    }
    return values;
}

std::vector<std::string> read_labels(hid_t location, const std::string& name,
                                     const std::string& file) {
    const hdf5::Handle dataset = open_dataset(location, name, file);
    return hdf5::read_strings(dataset.get(), file);
}

} // namespace

SweepFileContents read_sweep_file(const std::string& path) {
    hdf5::silence_errors();
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
        throw FileError("cannot open " + path + ": no such file");
    }
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        throw FormatError(path + ": not an HDF5 file, so not a deportsim sweep file");
    }
    const hdf5::Handle file =
        hdf5::own(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "open the file");
    const hid_t root = file.get();
    SweepFileContents c;
    if (!hdf5::has_attribute(root, "format", path)) {
        throw FormatError(path + ": no `format` attribute, so not a deportsim sweep file");
    }
    c.format = hdf5::read_string_attribute(root, "format", path);
    if (c.format != sweep_file_type) {
        throw FormatError(path + ": a '" + c.format + "' file, not a " + sweep_file_type + " file");
    }
    const std::vector<int> version = hdf5::read_int_attribute(root, "format_version", path);
    if (version.size() != 2) {
        throw FormatError(path + ": format_version is not [major, minor]");
    }
    c.format_major = version[0];
    c.format_minor = version[1];
    if (c.format_major != sweep_format_major) {
        throw FormatError(path + ": sweep format version " + std::to_string(c.format_major) + "." +
                          std::to_string(c.format_minor) + "; this program reads version " +
                          std::to_string(sweep_format_major) + ".x");
    }
    c.engine_version = hdf5::read_string_attribute(root, "engine_version", path);
    c.git_revision = hdf5::read_string_attribute(root, "git_revision", path);
    SweepFileHeader& h = c.header;
    const std::string mode = hdf5::read_string_attribute(root, "mode", path);
    const auto parsed_mode = enum_from_name<Mode>(mode_names, mode);
    if (!parsed_mode) {
        throw FormatError(path + ": unknown mode '" + mode + "'");
    }
    h.mode = *parsed_mode;
    h.seed = hdf5::read_uint64_attribute(root, "seed", path);
    h.design = hdf5::read_string_attribute(root, "design", path);
    h.samples = static_cast<int>(hdf5::read_uint64_attribute(root, "samples", path));
    h.replicates = static_cast<int>(hdf5::read_uint64_attribute(root, "replicates", path));
    h.description = hdf5::read_string_attribute(root, "description", path);
    h.scenario_name = hdf5::read_string_attribute(root, "scenario_name", path);
    h.base_scenario_sha256 = hdf5::read_string_attribute(root, "scenario_sha256", path);
    h.base_scenario_path = hdf5::read_string_attribute(root, "base_scenario_path", path);
    h.base_scenario_yaml = hdf5::read_string_attribute(root, "base_scenario_yaml", path);
    h.sweep_yaml = hdf5::read_string_attribute(root, "sweep_yaml", path);
    h.sweep_sha256 = hdf5::read_string_attribute(root, "sweep_sha256", path);
    const std::string start = hdf5::read_string_attribute(root, "start_date", path);
    const auto start_date = parse_iso_date(start);
    if (!start_date) {
        throw FormatError(path + ": start_date '" + start + "' is not an ISO date");
    }
    h.start_date = *start_date;
    h.dt_days = hdf5::read_double_attribute(root, "dt_days", path);
    h.created = hdf5::read_string_attribute(root, "created", path);

    h.parameters = read_labels(root, "parameter", path);
    h.parameter_units = read_labels(root, "parameter_units", path);
    h.parameter_distribution = read_labels(root, "parameter_distribution", path);
    h.metrics = read_labels(root, "metric", path);
    h.metric_units = read_labels(root, "metric_units", path);
    h.metric_long_names = read_labels(root, "metric_long_name", path);
    const std::size_t d = h.parameters.size();
    h.parameter_low = read_all<double>(root, "parameter_low", H5T_NATIVE_DOUBLE, d, path);
    h.parameter_high = read_all<double>(root, "parameter_high", H5T_NATIVE_DOUBLE, d, path);
    h.parameter_integer =
        read_all<std::int8_t>(root, "parameter_integer", H5T_NATIVE_INT8, d, path);
    const std::size_t points =
        hdf5::dataset_shape(open_dataset(root, "point", path).get(), path).at(0);
    h.point_count = static_cast<int>(points);
    const auto replicates = static_cast<std::size_t>(h.replicates);
    const std::size_t metrics = h.metrics.size();
    h.points = read_all<double>(root, "points", H5T_NATIVE_DOUBLE, points * d, path);
    if (hdf5::has_link(root, "sobol_matrix", path)) {
        h.sobol_matrix = read_all<int>(root, "sobol_matrix", H5T_NATIVE_INT, points, path);
        h.sobol_row = read_all<int>(root, "sobol_row", H5T_NATIVE_INT, points, path);
    }
    c.time = read_all<double>(
        root, "time", H5T_NATIVE_DOUBLE,
        hdf5::dataset_shape(open_dataset(root, "time", path).get(), path).at(0), path);
    h.records = static_cast<int>(c.time.size());
    c.summary =
        read_all<double>(root, "summary", H5T_NATIVE_DOUBLE, points * replicates * metrics, path);
    c.run_seed =
        read_all<std::uint64_t>(root, "run_seed", H5T_NATIVE_UINT64, points * replicates, path);
    c.complete =
        read_all<std::int8_t>(root, "complete", H5T_NATIVE_INT8, points * replicates, path);

    const hdf5::Handle group =
        hdf5::own(H5Gopen2(root, "series", H5P_DEFAULT), path, "open group /series");
    H5G_info_t info{};
    hdf5::check_status(H5Gget_info(group.get(), &info), path, "read group /series");
    for (hsize_t k = 0; k < info.nlinks; ++k) {
        const ssize_t length = H5Lget_name_by_idx(group.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC,
                                                  k, nullptr, 0, H5P_DEFAULT);
        if (length < 0) {
            hdf5::fail(path, "list group /series");
        }
        std::string name(static_cast<std::size_t>(length) + 1, '\0');
        H5Lget_name_by_idx(group.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, k, name.data(),
                           name.size(), H5P_DEFAULT);
        name.resize(static_cast<std::size_t>(length));
        const hdf5::Handle dataset = open_dataset(group.get(), name, path);
        h.series.push_back(name);
        h.series_long_names.push_back(
            hdf5::read_string_attribute(dataset.get(), "long_name", path));
        c.series.push_back(read_all<double>(group.get(), name, H5T_NATIVE_DOUBLE,
                                            points * replicates * c.time.size(), path));
    }
    return c;
}

} // namespace deportsim
