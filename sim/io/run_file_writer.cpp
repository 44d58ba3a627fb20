// RunFileWriter: the run file as netCDF-4 tools expect to find it (docs/output-format.md).
//
// What makes plain HDF5 readable by netCDF-C (and so by ncdump and xarray):
//  - every dimension is a one-dimensional dataset made a dimension scale (H5DSset_scale) with
//    the dimension's name, and every other dataset has a scale attached to each of its
//    dimensions (H5DSattach_scale); variables in the `flows` group use the root's scales;
//  - link and attribute creation order are tracked and indexed, as netCDF-4 files do;
//  - strings (labels and text attributes) are variable-length UTF-8, which netCDF-C reads as
//    NC_STRING and xarray as str;
//  - the time dimension is unlimited, so every time-indexed dataset is chunked.
// Modification times are not stored, so that the same run gives the same bytes.

#include "io/run_file.hpp"

#include "core/error.hpp"
#include "deportsim/version.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_variables.hpp"

#include <omp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <numeric>
#include <utility>

namespace deportsim {

namespace {

constexpr unsigned deflate_level = 1;
// Steps per chunk: the same in every time-indexed variable, the most (a power of two, at most
// 128) whose steps of all the variables together fit in about 2 MiB, and 1 at least. Those steps
// are what the writer keeps in memory, so its memory does not grow with the run or the persons.
constexpr hsize_t most_steps_per_chunk = 128;
constexpr std::size_t target_batch_bytes = std::size_t{1} << 21;

hsize_t steps_per_chunk(std::size_t step_bytes, int expected_records) {
    hsize_t steps = most_steps_per_chunk;
    while (steps > 1 && steps * step_bytes > target_batch_bytes) {
        steps /= 2;
    }
    // A short run needs no chunk longer than itself.
    return std::clamp<hsize_t>(static_cast<hsize_t>(std::max(expected_records, 1)), 1, steps);
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        text += text.empty() ? line : "\n" + line;
    }
    return text;
}

std::string shape_text(Eigen::Index rows, Eigen::Index cols) {
    return std::to_string(rows) + " x " + std::to_string(cols);
}

void require_shape(const CellArray& values, Eigen::Index rows, Eigen::Index cols,
                   const std::string& what) {
    if (values.rows() != rows || values.cols() != cols) {
        throw InternalError("run file: " + what + " has shape " +
                            shape_text(values.rows(), values.cols()) + ", the scenario gives " +
                            shape_text(rows, cols));
    }
}

void require_size(const Eigen::ArrayXd& values, Eigen::Index size, const std::string& what) {
    if (values.size() != size) {
        throw InternalError("run file: " + what + " has " + std::to_string(values.size()) +
                            " entries, the scenario gives " + std::to_string(size));
    }
}

using hdf5::describe_variable;
using hdf5::group_properties;

hdf5::Handle dataset_properties(const std::vector<hsize_t>& chunk, const std::string& file) {
    return hdf5::dataset_properties(chunk, deflate_level, file);
}

// A one-dimensional dataset that is not time-indexed: a coordinate or auxiliary variable.
hdf5::Handle create_fixed(hid_t location, const char* name, hid_t file_type, hsize_t size,
                          const std::string& file) {
    const std::string action = "create dataset " + std::string(name);
    const hdf5::Handle space = hdf5::own(H5Screate_simple(1, &size, nullptr), file, action);
    const hdf5::Handle properties = dataset_properties({}, file);
    return hdf5::own(H5Dcreate2(location, name, file_type, space.get(), H5P_DEFAULT,
                                properties.get(), H5P_DEFAULT),
                     file, action);
}

hdf5::Handle create_strings(hid_t location, const char* name,
                            const std::vector<std::string>& values, const char* long_name,
                            const std::string& file) {
    const hdf5::Handle type = hdf5::utf8_string_type(file);
    hdf5::Handle dataset = create_fixed(location, name, type.get(), values.size(), file);
    hdf5::write_strings(dataset.get(), values, file);
    describe_variable(dataset.get(), long_name, "1", file);
    return dataset;
}

// The coordinate variable of a dimension: a string dataset made a dimension scale.
hdf5::Handle create_dimension(hid_t location, const char* name,
                              const std::vector<std::string>& labels, const char* long_name,
                              const std::string& file) {
    hdf5::Handle dataset = create_strings(location, name, labels, long_name, file);
    hdf5::check_status(H5DSset_scale(dataset.get(), name), file,
                       "make " + std::string(name) + " a dimension scale");
    return dataset;
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

// A time-indexed dataset (time, cell dimensions...), extendible along time. Steps are buffered
// in memory; a full buffer is one chunk, filtered (filter_chunk, on any thread, as HDF5's
// shuffle and deflate filters would) and written whole (write_chunk) with H5Dwrite_chunk.
class Series {
public:
    Series() = default;
    Series(hid_t location, const char* name, std::vector<hsize_t> cell_shape, hsize_t chunk_steps,
           const std::string& file,
           hdf5::ChunkFilter::Matching matching = hdf5::ChunkFilter::Matching::runs)
        : matching_(matching), cell_shape_(std::move(cell_shape)),
          cells_(std::accumulate(cell_shape_.begin(), cell_shape_.end(), hsize_t{1},
                                 std::multiplies<>())),
          chunk_steps_(chunk_steps) {
        std::vector<hsize_t> shape{0};
        std::vector<hsize_t> max_shape{H5S_UNLIMITED};
        std::vector<hsize_t> chunk{chunk_steps};
        for (const hsize_t size : cell_shape_) {
            shape.push_back(size);
            // A chunk spans at least one element; a dimension of length 0 (a scenario without
            // programmes, say) therefore gets an unlimited maximum, which HDF5 allows.
            max_shape.push_back(size == 0 ? H5S_UNLIMITED : size);
            chunk.push_back(std::max<hsize_t>(size, 1));
        }
        const std::string action = "create dataset " + std::string(name);
        const hdf5::Handle space = hdf5::own(
            H5Screate_simple(static_cast<int>(shape.size()), shape.data(), max_shape.data()), file,
            action);
        const hdf5::Handle properties = dataset_properties(chunk, file);
        dataset_ = hdf5::own(H5Dcreate2(location, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                        properties.get(), H5P_DEFAULT),
                             file, action);
        buffer_.assign(chunk_steps_ * cells_, 0.0);
    }

    hid_t id() const { return dataset_.get(); }
    hsize_t buffered() const { return buffered_; }
    bool has_cells() const { return cells_ > 0; }
    std::size_t chunk_bytes() const { return buffer_.size() * sizeof(double); }

    void append(const double* values) {
        if (cells_ > 0) {
            std::memcpy(buffer_.data() + buffered_ * cells_, values, cells_ * sizeof(double));
        }
        ++buffered_;
    }
    void append(double value) { append(&value); }

    // Filters the buffered steps as one whole chunk: the steps not recorded (at the end of a
    // run) are zero, HDF5's default fill value. False when zlib fails.
    bool filter_chunk(hdf5::ChunkFilter& filter) {
        std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_ * cells_), buffer_.end(),
                  0.0);
        return filter({reinterpret_cast<const unsigned char*>(buffer_.data()), chunk_bytes()},
                      sizeof(double), filtered_, matching_);
    }

    // Extends the dataset by the buffered steps and writes their chunk, filtered by
    // filter_chunk; the buffer is then empty.
    void write_chunk(const std::string& file) {
        const std::string action = "write " + hdf5::object_path(dataset_.get());
        std::vector<hsize_t> extent{written_ + buffered_};
        extent.insert(extent.end(), cell_shape_.begin(), cell_shape_.end());
        hdf5::check_status(H5Dset_extent(dataset_.get(), extent.data()), file, action);
        if (cells_ > 0) {
            std::vector<hsize_t> offset(extent.size(), 0);
            offset[0] = written_;
            // Filter mask 0: every filter of the pipeline (shuffle, deflate) was applied.
            hdf5::check_status(H5Dwrite_chunk(dataset_.get(), H5P_DEFAULT, 0, offset.data(),
                                              filtered_.size(), filtered_.data()),
                               file, action);
        }
        written_ += buffered_;
        buffered_ = 0;
    }

    void close() { dataset_.reset(); }

private:
    hdf5::ChunkFilter::Matching matching_ = hdf5::ChunkFilter::Matching::runs;
    hdf5::Handle dataset_;
    std::vector<hsize_t> cell_shape_;
    hsize_t cells_ = 1;
    hsize_t chunk_steps_ = 1;
    std::vector<double> buffer_;          // chunk_steps_ steps of cells_ values
    std::vector<unsigned char> filtered_; // the buffer's chunk, shuffled and deflated
    hsize_t buffered_ = 0;                // steps in the buffer
    hsize_t written_ = 0;                 // steps in the file
};

std::vector<std::string> codes_of(const Scenario& scenario, const std::vector<int>& countries) {
    std::vector<std::string> codes;
    for (const int country : countries) {
        codes.push_back(scenario.countries.at(static_cast<std::size_t>(country)).code);
    }
    return codes;
}

// The scenario in force on `today`: the last policy snapshot dated on or before it, or the
// scenario itself before the first (as the engine's apply_policy chooses).
const Scenario& in_force(const Scenario& scenario, Date today) {
    const Scenario* now = &scenario;
    for (const PolicyChange& change : scenario.timeline) {
        if (change.date <= today) {
            now = change.parameters.get();
        }
    }
    return *now;
}

double by_profile(const std::vector<double>& values, std::size_t profile) {
    return profile < values.size() ? values[profile] : 0.0;
}

// The values of the parameter variable `name` (group `parameters`, docs/output-format.md) for
// record `step`, whose date is `today`, with the scenario `s` in force; flattened in C order.
void fill_parameter(std::string_view name, const Scenario& s, Date today, int step,
                    std::vector<double>& out) {
    out.clear();
    const std::size_t profiles = s.profiles.size();
    const auto per_country = [&](auto value) {
        for (std::size_t c = 0; c < s.countries.size(); ++c) {
            out.push_back(value(c));
        }
    };
    const auto per_country_profile = [&](auto value) {
        for (std::size_t c = 0; c < s.countries.size(); ++c) {
            for (std::size_t p = 0; p < profiles; ++p) {
                out.push_back(value(c, p));
            }
        }
    };
    const auto enforcement = [&](std::size_t c) -> const Enforcement& {
        static const Enforcement none{};
        return c < s.enforcement.size() ? s.enforcement[c] : none;
    };
    const auto inside = [&](Date start, Date end) {
        return !(today < start) && today < end ? 1.0 : 0.0;
    };
    if (name == "facility_capacity") {
        for (const auto& f : s.facilities)
            out.push_back(f.capacity);
    } else if (name == "facility_cost_per_person_day") {
        for (const auto& f : s.facilities)
            out.push_back(f.cost_per_person_day);
    } else if (name == "programme_seats_scheduled") {
        for (const auto& p : s.programmes) {
            out.push_back(step > 0 ? inside(p.start, p.end) * p.scheduled_flights(s.dt_days, step) *
                                         p.seats_per_flight
                                   : 0.0);
        }
    } else if (name == "programme_seats_per_flight") {
        for (const auto& p : s.programmes)
            out.push_back(p.seats_per_flight);
    } else if (name == "programme_flights_per_week") {
        for (const auto& p : s.programmes)
            out.push_back(p.flights_per_week);
    } else if (name == "programme_cost_per_flight") {
        for (const auto& p : s.programmes)
            out.push_back(p.cost_per_flight);
    } else if (name == "programme_budget") {
        for (const auto& p : s.programmes)
            out.push_back(p.budget);
    } else if (name == "programme_in_window") {
        for (const auto& p : s.programmes)
            out.push_back(inside(p.start, p.end));
    } else if (name == "agreement_in_force") {
        for (const auto& a : s.agreements)
            out.push_back(inside(a.start, a.end));
    } else if (name == "agreement_eligible") {
        for (const auto& a : s.agreements) {
            for (const auto& g : s.groups) {
                out.push_back(a.eligible(g) ? 1.0 : 0.0);
            }
        }
    } else if (name == "agreement_preferred") {
        for (const auto& a : s.agreements) {
            for (const auto& g : s.groups) {
                const auto& preferred = a.preferred_profiles;
                out.push_back(std::find(preferred.begin(), preferred.end(), g.profile) !=
                                      preferred.end()
                                  ? 1.0
                                  : 0.0);
            }
        }
    } else if (name == "agreement_priority") {
        for (const auto& a : s.agreements)
            out.push_back(static_cast<double>(a.priority));
    } else if (name == "agreement_monthly_quota") {
        for (const auto& a : s.agreements)
            out.push_back(a.monthly_quota);
    } else if (name == "agreement_total_quota") {
        for (const auto& a : s.agreements)
            out.push_back(a.total_quota);
    } else if (name == "agreement_fee_per_person_day") {
        for (const auto& a : s.agreements)
            out.push_back(a.fee_per_person_day);
    } else if (name == "agreement_release_per_day") {
        for (const auto& a : s.agreements)
            out.push_back(a.release_per_day);
    } else if (name == "agreement_onward_return_per_day") {
        for (const auto& a : s.agreements)
            out.push_back(a.shelter.onward_return_per_day);
    } else if (name == "agreement_asylum_per_day") {
        for (const auto& a : s.agreements)
            out.push_back(a.shelter.asylum_per_day);
    } else if (name == "agreement_permit_per_day") {
        for (const auto& a : s.agreements)
            out.push_back(a.shelter.permit_per_day);
    } else if (name == "agreement_abscond_per_day") {
        for (const auto& a : s.agreements)
            out.push_back(a.shelter.abscond_per_day);
    } else if (name == "return_policy") {
        per_country([&](std::size_t c) {
            return c < s.returns.size() ? static_cast<double>(s.returns[c].policy) : 0.0;
        });
    } else if (name == "return_monthly_cap") {
        per_country([&](std::size_t c) {
            if (c >= s.returns.size()) {
                return unlimited;
            }
            switch (s.returns[c].policy) {
            case ReturnPolicy::accept:
                return unlimited;
            case ReturnPolicy::refuse:
                return 0.0;
            case ReturnPolicy::cap:
                return s.returns[c].monthly_cap;
            }
            return unlimited;
        });
    } else if (name == "enforcement_interdiction_per_day") {
        per_country_profile([&](std::size_t c, std::size_t p) {
            return by_profile(enforcement(c).interdiction_per_day, p);
        });
    } else if (name == "enforcement_border_apprehension_probability") {
        per_country([&](std::size_t c) { return enforcement(c).border_apprehension_probability; });
    } else if (name == "enforcement_arrest_per_day") {
        per_country([&](std::size_t c) { return enforcement(c).arrest_per_day; });
    } else if (name == "enforcement_priority") {
        per_country_profile(
            [&](std::size_t c, std::size_t p) { return by_profile(enforcement(c).priority, p); });
    } else if (name == "enforcement_processing_mean_days") {
        per_country([&](std::size_t c) { return enforcement(c).processing_mean_days; });
    } else if (name == "enforcement_max_detention_days") {
        per_country([&](std::size_t c) { return enforcement(c).max_detention_days; });
    } else if (name == "enforcement_max_detention_exempt") {
        per_country_profile([&](std::size_t c, std::size_t p) {
            const auto& exempt = enforcement(c).max_detention_exempt;
            return p < exempt.size() && exempt[p] ? 1.0 : 0.0;
        });
    } else if (name == "route_mortality") {
        for (const auto& r : s.routes)
            out.push_back(r.mortality);
    } else if (name == "route_weight") {
        for (const auto& r : s.routes)
            out.push_back(r.weight);
    } else if (name == "departure_persons_per_day") {
        out.assign(s.groups.size(), 0.0);
        for (const auto& d : s.departures) {
            const double multiplier = d.multiplier ? d.multiplier->at(today) : 1.0;
            out[static_cast<std::size_t>(d.group)] += d.persons_per_day * multiplier;
        }
    } else if (name == "remigration_per_day") {
        for (std::size_t p = 0; p < profiles; ++p) {
            out.push_back(by_profile(s.remigration.per_day, p));
        }
    } else if (name == "deterrence_elasticity") {
        out.push_back(s.deterrence.elasticity);
    } else if (name == "deterrence_reference") {
        out.push_back(s.deterrence.reference);
    } else {
        throw InternalError("run file: no values for the parameter " + std::string(name));
    }
}

} // namespace

struct RunFileWriter::Impl {
    std::string path;
    std::string partial; // path + ".partial" until finish()
    bool finished = false;

    // Sizes of the dimensions, to check every StepOutputs against.
    Eigen::Index countries = 0;
    Eigen::Index groups = 0;
    Eigen::Index programmes = 0;
    Eigen::Index agreements = 0;
    Eigen::Index facilities = 0;
    double dt_days = 1;
    int last_step = -1;
    hsize_t chunk_steps = 1;

    // Declared first so that it is closed last, after every dataset in it.
    hdf5::Handle file;
    hdf5::Handle flows_group;

    Series time;
    Series stocks;
    Series removals_by_destination;
    Series deterrence_factor;
    Series programme_flights;
    Series programme_passengers;
    Series programme_cost;
    Series programme_budget_left;
    Series agreement_transfers;
    Series agreement_held;
    Series agreement_fees;
    Series agreement_quota_used;
    Series facility_occupancy;
    Series facility_cost;
    std::array<Series, flow_count> flows;

    // The group `parameters`: the parameters in force at each record, computed from the
    // scenario and its policy timeline (a copy: the writer does not rely on the caller's).
    std::shared_ptr<const Scenario> scenario_copy;
    hdf5::Handle parameters_group;
    std::vector<const RunVariable*> parameter_variables; // in registry order
    std::vector<Series> parameters;                      // one per parameter_variables entry
    std::vector<double> parameter_values;                // one record of one parameter
    // Parameters repeat from step to step and are few: their chunks hold more steps than the
    // other variables' (fewer chunks to compress: each costs a zlib stream reset), written
    // when full.
    hsize_t parameter_chunk_steps = 1;

    // Every series but the parameters', then (with_parameters) the parameters'.
    template <class F>
    void for_each_series(F&& f, bool with_parameters = true) {
        for (Series* series :
             {&time, &stocks, &removals_by_destination, &deterrence_factor, &programme_flights,
              &programme_passengers, &programme_cost, &programme_budget_left, &agreement_transfers,
              &agreement_held, &agreement_fees, &agreement_quota_used, &facility_occupancy,
              &facility_cost}) {
            f(*series);
        }
        for (Series& series : flows) {
            f(series);
        }
        if (with_parameters) {
            for (Series& series : parameters) {
                f(series);
            }
        }
    }

    void record_parameters(int step) {
        const Date today = scenario_copy->date_of_step(std::max(step - 1, 0));
        const Scenario& now = in_force(*scenario_copy, today);
        for (std::size_t k = 0; k < parameters.size(); ++k) {
            fill_parameter(parameter_variables[k]->name, now, today, step, parameter_values);
            parameters[k].append(parameter_values.data());
        }
    }

    // Chunk filters, one per thread that filters; the series with cells, largest chunk first
    // (so that the threads finish together).
    std::unique_ptr<hdf5::ChunkFilters> filters;
    std::vector<Series*> filtered_series;
    std::vector<Series*> filtered_parameters; // the parameters' series with cells, likewise

    // Filters the buffered steps of every series, on up to filters.size() threads, and writes
    // them in the order of filtered_series while the others are filtered (the file's bytes do
    // not depend on the threads); then the series without cells.
    void flush() {
        if (time.buffered() == 0) {
            return;
        }
        filter_and_write(filtered_series);
        for_each_series(
            [&](Series& series) {
                if (!series.has_cells()) {
                    series.write_chunk(partial);
                }
            },
            false);
    }
    // The same for the parameters' series, whose chunks are longer.
    void flush_parameters() {
        if (parameters.empty() || parameters.front().buffered() == 0) {
            return;
        }
        filter_and_write(filtered_parameters);
        for (Series& series : parameters) {
            if (!series.has_cells()) {
                series.write_chunk(partial);
            }
        }
    }
    void filter_and_write(const std::vector<Series*>& series) {
        const bool filtered = filters->run(
            series.size(),
            [&](hdf5::ChunkFilter& filter, std::size_t k) {
                return series[k]->filter_chunk(filter);
            },
            [&](std::size_t k) { series[k]->write_chunk(partial); });
        if (!filtered) {
            throw FileError("cannot compress a chunk for " + partial);
        }
    }

    void create(const Scenario& scenario, const RunInfo& info);
    void write_attributes(const Scenario& scenario, const RunInfo& info,
                          const std::string& created);
};

void RunFileWriter::Impl::write_attributes(const Scenario& scenario, const RunInfo& info,
                                           const std::string& created) {
    const hid_t root = file.get();
    const int version[2] = {run_format_major, run_format_minor};
    hdf5::write_string_attribute(root, "format", run_file_type, partial);
    hdf5::write_int_attribute(root, "format_version", version, partial);
    hdf5::write_string_attribute(root, "engine_version", engine_version, partial);
    hdf5::write_string_attribute(root, "git_revision", git_revision, partial);
    hdf5::write_string_attribute(root, "mode", enum_name(mode_names, info.mode), partial);
    hdf5::write_uint64_attribute(root, "seed", info.seed, partial);
    hdf5::write_string_attribute(root, "scenario_name", scenario.name, partial);
    hdf5::write_string_attribute(root, "scenario_description", scenario.description, partial);
    hdf5::write_string_attribute(root, "scenario_yaml", scenario.yaml_text, partial);
    hdf5::write_string_attribute(root, "scenario_sha256", info.scenario_sha256, partial);
    hdf5::write_string_attribute(root, "scenario_overrides", join_lines(scenario.overrides),
                                 partial);
    hdf5::write_string_attribute(root, "start_date", format_iso_date(scenario.start), partial);
    hdf5::write_double_attribute(root, "dt_days", scenario.dt_days, partial);
    hdf5::write_string_attribute(root, "created", created, partial);
    hdf5::write_string_attribute(root, "Conventions", "CF-1.8", partial);
}

void RunFileWriter::Impl::create(const Scenario& scenario_in, const RunInfo& info) {
    const Scenario& scenario = scenario_in;
    const std::string created = hdf5::creation_time(); // before the file: a bad SOURCE_DATE_EPOCH
    countries = static_cast<Eigen::Index>(scenario.countries.size());
    groups = static_cast<Eigen::Index>(scenario.groups.size());
    programmes = static_cast<Eigen::Index>(scenario.programmes.size());
    agreements = static_cast<Eigen::Index>(scenario.agreements.size());
    facilities = static_cast<Eigen::Index>(scenario.facilities.size());
    dt_days = scenario.dt_days;
    scenario_copy = std::make_shared<const Scenario>(scenario_in);
    const auto profile_count = static_cast<Eigen::Index>(scenario_in.profiles.size());
    const auto routes = static_cast<Eigen::Index>(scenario_in.routes.size());
    // The length of each dimension, by name, as the registry's variables name them.
    const std::map<std::string, Eigen::Index> lengths = {
        {"country", countries},     {"status", status_count},   {"group", groups},
        {"destination", countries}, {"programme", programmes},  {"agreement", agreements},
        {"facility", facilities},   {"profile", profile_count}, {"route", routes}};
    const auto cells_of = [&](const RunVariable& v) {
        std::vector<hsize_t> cells;
        for (std::size_t d = 1; d < v.dimensions.size(); ++d) {
            cells.push_back(static_cast<hsize_t>(lengths.at(v.dimensions[d])));
        }
        return cells;
    };
    // Values of one step in all the time-indexed variables (time and every registered one).
    std::size_t step_values = 1;
    for (const RunVariable& v : run_variables()) {
        const auto cells = cells_of(v);
        step_values +=
            std::accumulate(cells.begin(), cells.end(), std::size_t{1}, std::multiplies<>());
    }
    chunk_steps = steps_per_chunk(step_values * sizeof(double), scenario.steps() + 1);
    std::size_t parameter_step_values = 0;
    for (const RunVariable& v : run_variables()) {
        if (v.group == "parameters") {
            const auto cells = cells_of(v);
            parameter_step_values +=
                std::accumulate(cells.begin(), cells.end(), std::size_t{1}, std::multiplies<>());
        }
    }
    parameter_chunk_steps =
        steps_per_chunk(parameter_step_values * sizeof(double), scenario.steps() + 1);

    {
        const hdf5::Handle creation = group_properties(H5P_FILE_CREATE, partial);
        const hdf5::Handle access =
            hdf5::own(H5Pcreate(H5P_FILE_ACCESS), partial, "set up file access properties");
        // Closing the file fails if anything in it is still open: finish() closes everything.
        hdf5::check_status(H5Pset_fclose_degree(access.get(), H5F_CLOSE_SEMI), partial,
                           "set up file access properties");
        file =
            hdf5::Handle(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, creation.get(), access.get()));
        if (!file.valid()) {
            hdf5::fail("cannot create " + partial);
        }
    }
    write_attributes(scenario, info, created);
    const hid_t root = file.get();
    const std::lock_guard scales_lock(hdf5::dimension_scale_mutex());

    // Dimensions, each with its coordinate variable, then the auxiliary variables along it.
    time = Series(root, "time", {}, chunk_steps, partial);
    hdf5::write_string_attribute(time.id(), "long_name", "time", partial);
    hdf5::write_string_attribute(time.id(), "units",
                                 "days since " + format_iso_date(scenario.start), partial);
    hdf5::write_string_attribute(time.id(), "calendar", "proleptic_gregorian", partial);
    hdf5::write_string_attribute(time.id(), "standard_name", "time", partial);
    hdf5::write_string_attribute(time.id(), "axis", "T", partial);
    hdf5::check_status(H5DSset_scale(time.id(), "time"), partial, "make time a dimension scale");

    std::vector<std::string> codes, names, statuses, group_ids, nationalities, profiles;
    std::vector<signed char> on_map;
    for (const auto& country : scenario.countries) {
        codes.push_back(country.code);
        names.push_back(country.name);
        on_map.push_back(country.on_map ? 1 : 0);
    }
    for (const auto status : status_names) {
        statuses.emplace_back(status);
    }
    for (const auto& group : scenario.groups) {
        group_ids.push_back(group.id);
        nationalities.push_back(
            scenario.countries.at(static_cast<std::size_t>(group.nationality)).code);
        profiles.push_back(scenario.profiles.at(static_cast<std::size_t>(group.profile)));
    }

    const hdf5::Handle country =
        create_dimension(root, "country", codes, "country (ISO 3166 alpha-3 code)", partial);
    const hdf5::Handle country_name =
        create_strings(root, "country_name", names, "country name", partial);
    attach(country_name.get(), {country.get()}, partial);
    {
        const hdf5::Handle dataset =
            create_fixed(root, "country_on_map", H5T_STD_I8LE, on_map.size(), partial);
        if (!on_map.empty()) {
            hdf5::check_status(H5Dwrite(dataset.get(), H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL,
                                        H5P_DEFAULT, on_map.data()),
                               partial, "write /country_on_map");
        }
        describe_variable(dataset.get(), "1 for a country on the map, 0 for a nationality only",
                          "1", partial);
        attach(dataset.get(), {country.get()}, partial);
    }

    const hdf5::Handle status =
        create_dimension(root, "status", statuses, "where a person stands", partial);

    const hdf5::Handle group =
        create_dimension(root, "group", group_ids, "group (nationality/profile)", partial);
    for (const auto& [name, values, long_name] :
         {std::tuple{"group_nationality", &nationalities, "nationality of the group"},
          std::tuple{"group_profile", &profiles, "profile of the group"}}) {
        const hdf5::Handle dataset = create_strings(root, name, *values, long_name, partial);
        attach(dataset.get(), {group.get()}, partial);
    }

    const hdf5::Handle destination =
        create_dimension(root, "destination", codes, "destination country of a removal", partial);

    std::vector<std::string> programme_ids, programme_senders;
    for (const auto& programme : scenario.programmes) {
        programme_ids.push_back(programme.id);
        programme_senders.push_back(codes_of(scenario, {programme.sender}).front());
    }
    const hdf5::Handle programme =
        create_dimension(root, "programme", programme_ids, "flight programme", partial);
    {
        const hdf5::Handle dataset = create_strings(root, "programme_sender", programme_senders,
                                                    "country operating the programme", partial);
        attach(dataset.get(), {programme.get()}, partial);
    }

    std::vector<std::string> agreement_ids, senders, receivers, dispositions;
    for (const auto& agreement : scenario.agreements) {
        agreement_ids.push_back(agreement.id);
        senders.push_back(codes_of(scenario, {agreement.sender}).front());
        receivers.push_back(codes_of(scenario, {agreement.receiver}).front());
        dispositions.emplace_back(enum_name(disposition_names, agreement.disposition));
    }
    const hdf5::Handle agreement =
        create_dimension(root, "agreement", agreement_ids, "agreement", partial);
    for (const auto& [name, values, long_name] :
         {std::tuple{"agreement_sender", &senders, "country sending people under the agreement"},
          std::tuple{"agreement_receiver", &receivers,
                     "country receiving people under the agreement"},
          std::tuple{"agreement_disposition", &dispositions,
                     "what the receiver does: imprison, shelter or release"}}) {
        const hdf5::Handle dataset = create_strings(root, name, *values, long_name, partial);
        attach(dataset.get(), {agreement.get()}, partial);
    }

    std::vector<std::string> facility_ids, facility_countries, facility_kinds;
    std::vector<double> capacities;
    for (const auto& facility : scenario.facilities) {
        facility_ids.push_back(facility.id);
        facility_countries.push_back(codes_of(scenario, {facility.country}).front());
        facility_kinds.emplace_back(enum_name(facility_kind_names, facility.kind));
        capacities.push_back(facility.capacity);
    }
    const hdf5::Handle facility =
        create_dimension(root, "facility", facility_ids, "facility", partial);
    for (const auto& [name, values, long_name] :
         {std::tuple{"facility_country", &facility_countries, "country of the facility"},
          std::tuple{"facility_kind", &facility_kinds,
                     "kind of facility: detention, prison or shelter"}}) {
        const hdf5::Handle dataset = create_strings(root, name, *values, long_name, partial);
        attach(dataset.get(), {facility.get()}, partial);
    }
    {
        const hdf5::Handle dataset =
            create_fixed(root, "facility_capacity", H5T_IEEE_F64LE, capacities.size(), partial);
        if (!capacities.empty()) {
            hdf5::check_status(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                        H5P_DEFAULT, capacities.data()),
                               partial, "write /facility_capacity");
        }
        describe_variable(dataset.get(), "capacity of the facility", "persons", partial);
        attach(dataset.get(), {facility.get()}, partial);
    }

    // Time-indexed variables, as the registry (io/run_variables.hpp) defines them.
    // `coordinates` names the auxiliary variables along their dimensions (CF), which xarray
    // then shows as coordinates.
    std::map<std::string, hid_t> scales = {{"time", time.id()},
                                           {"country", country.get()},
                                           {"status", status.get()},
                                           {"group", group.get()},
                                           {"destination", destination.get()},
                                           {"programme", programme.get()},
                                           {"agreement", agreement.get()},
                                           {"facility", facility.get()}};
    const std::map<std::string, std::string> auxiliary = {
        {"country", "country_name country_on_map"},
        {"group", "group_nationality group_profile"},
        {"programme", "programme_sender"},
        {"agreement", "agreement_sender agreement_receiver agreement_disposition"},
        {"facility", "facility_country facility_kind facility_capacity"},
        {"route", "route_from route_to route_days"}};
    const auto variable = [&](hid_t location, const std::string& variable_path) {
        const RunVariable& v = run_variable(variable_path);
        // Parameters mostly repeat from step to step: zlib's default matcher finds the rows.
        Series series(location, v.name.c_str(), cells_of(v),
                      v.group == "parameters" ? parameter_chunk_steps : chunk_steps, partial,
                      v.group == "parameters" ? hdf5::ChunkFilter::Matching::rows
                                              : hdf5::ChunkFilter::Matching::runs);
        describe_variable(series.id(), v.long_name, v.units, partial);
        // Only auxiliary variables of the variable's own group: CF `coordinates` do not reach
        // into other groups.
        std::string coordinates;
        for (const std::string& dimension : v.dimensions) {
            const bool own_group = (dimension == "route") == (v.group == "parameters");
            if (const auto found = auxiliary.find(dimension);
                own_group && v.group != "flows" && found != auxiliary.end()) {
                coordinates += (coordinates.empty() ? "" : " ") + found->second;
            }
        }
        if (!coordinates.empty()) {
            hdf5::write_string_attribute(series.id(), "coordinates", coordinates, partial);
        }
        unsigned index = 0;
        for (const std::string& dimension : v.dimensions) {
            hdf5::check_status(H5DSattach_scale(series.id(), scales.at(dimension), index), partial,
                               "attach dimension " + std::to_string(index) + " of " +
                                   variable_path);
            ++index;
        }
        return series;
    };
    stocks = variable(root, "stocks");
    removals_by_destination = variable(root, "removals_by_destination");
    deterrence_factor = variable(root, "deterrence_factor");
    programme_flights = variable(root, "programme_flights");
    programme_passengers = variable(root, "programme_passengers");
    programme_cost = variable(root, "programme_cost");
    programme_budget_left = variable(root, "programme_budget_left");
    agreement_transfers = variable(root, "agreement_transfers");
    agreement_held = variable(root, "agreement_held");
    agreement_fees = variable(root, "agreement_fees");
    agreement_quota_used = variable(root, "agreement_quota_used");
    facility_occupancy = variable(root, "facility_occupancy");
    facility_cost = variable(root, "facility_cost");

    // One variable per process in the group `flows`, on the root group's dimensions.
    {
        const hdf5::Handle creation = group_properties(H5P_GROUP_CREATE, partial);
        flows_group = hdf5::own(H5Gcreate2(root, "flows", H5P_DEFAULT, creation.get(), H5P_DEFAULT),
                                partial, "create group /flows");
    }
    for (int f = 0; f < flow_count; ++f) {
        const auto index = static_cast<std::size_t>(f);
        flows[index] = variable(flows_group.get(), "flows/" + std::string(flow_names[index]));
    }

    // The group `parameters`: its own dimensions (profile, route), the fixed descriptions
    // along the root's dimensions, then one series per parameter in force.
    {
        const hdf5::Handle creation = group_properties(H5P_GROUP_CREATE, partial);
        parameters_group =
            hdf5::own(H5Gcreate2(root, "parameters", H5P_DEFAULT, creation.get(), H5P_DEFAULT),
                      partial, "create group /parameters");
    }
    const hid_t params = parameters_group.get();
    const hdf5::Handle profile = create_dimension(params, "profile", scenario.profiles,
                                                  "profile of a group of persons", partial);
    std::vector<std::string> route_ids, route_from, route_to;
    std::vector<double> route_days;
    for (const auto& route : scenario.routes) {
        route_ids.push_back(route.id);
        route_from.push_back(codes_of(scenario, {route.from}).front());
        route_to.push_back(codes_of(scenario, {route.to}).front());
        route_days.push_back(route.days);
    }
    const hdf5::Handle route =
        create_dimension(params, "route", route_ids, "route (FROM->TO)", partial);
    for (const auto& [name, values, long_name] :
         {std::tuple{"route_from", &route_from, "country the route leaves"},
          std::tuple{"route_to", &route_to, "country the route reaches"}}) {
        const hdf5::Handle dataset = create_strings(params, name, *values, long_name, partial);
        attach(dataset.get(), {route.get()}, partial);
    }
    {
        const hdf5::Handle dataset =
            create_fixed(params, "route_days", H5T_IEEE_F64LE, route_days.size(), partial);
        if (!route_days.empty()) {
            hdf5::check_status(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                        H5P_DEFAULT, route_days.data()),
                               partial, "write /parameters/route_days");
        }
        describe_variable(dataset.get(), "travel time along the route", "d", partial);
        attach(dataset.get(), {route.get()}, partial);
    }
    std::vector<std::string> agreement_facilities, programme_destinations;
    for (const auto& a : scenario.agreements) {
        agreement_facilities.push_back(
            a.facility < 0 ? std::string()
                           : scenario.facilities.at(static_cast<std::size_t>(a.facility)).id);
    }
    for (const auto& p : scenario.programmes) {
        std::string text = p.any_destination ? "any" : "";
        for (const std::string& code : codes_of(scenario, p.destinations)) {
            text += (text.empty() ? "" : " ") + code;
        }
        programme_destinations.push_back(text);
    }
    {
        const hdf5::Handle dataset =
            create_strings(params, "agreement_facility", agreement_facilities,
                           "facility the receiver holds people in (\"\" for release)", partial);
        attach(dataset.get(), {agreement.get()}, partial);
    }
    {
        const hdf5::Handle dataset = create_strings(
            params, "programme_destinations", programme_destinations,
            "countries the programme flies to (ISO codes separated by spaces, or any)", partial);
        attach(dataset.get(), {programme.get()}, partial);
    }
    scales.emplace("profile", profile.get());
    scales.emplace("route", route.get());
    for (const RunVariable& v : run_variables()) {
        if (v.group == "parameters") {
            parameter_variables.push_back(&v);
        }
    }
    parameters.reserve(parameter_variables.size());
    for (const RunVariable* v : parameter_variables) {
        parameters.push_back(variable(params, v->path()));
        if (v->name == "return_policy") {
            const int flags[3] = {0, 1, 2};
            hdf5::write_int_attribute(parameters.back().id(), "flag_values", flags, partial);
            hdf5::write_string_attribute(parameters.back().id(), "flag_meanings",
                                         return_policy_flag_meanings, partial);
        }
    }
}

RunFileWriter::RunFileWriter(std::string path, int threads)
    : path_(std::move(path)), threads_(threads > 0 ? threads : omp_get_max_threads()) {}

RunFileWriter::~RunFileWriter() {
    if (impl_ && !impl_->finished) {
        hdf5::silence_errors();
        const std::string partial = impl_->partial;
        impl_.reset(); // closes every dataset, then the file
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
    }
}

void RunFileWriter::start(const Scenario& scenario, const RunInfo& info) {
    hdf5::silence_errors();
    if (impl_) {
        throw InternalError("RunFileWriter::start called twice for " + path_);
    }
    impl_ = std::make_unique<Impl>();
    impl_->path = path_;
    impl_->partial = path_ + ".partial";
    impl_->create(scenario, info);
    impl_->filters = std::make_unique<hdf5::ChunkFilters>(threads_, deflate_level);
    impl_->for_each_series(
        [&](Series& series) {
            if (series.has_cells()) {
                impl_->filtered_series.push_back(&series);
            }
        },
        false);
    for (Series& series : impl_->parameters) {
        if (series.has_cells()) {
            impl_->filtered_parameters.push_back(&series);
        }
    }
    for (auto* list : {&impl_->filtered_series, &impl_->filtered_parameters}) {
        std::stable_sort(list->begin(), list->end(), [](const Series* a, const Series* b) {
            return a->chunk_bytes() > b->chunk_bytes();
        });
    }
}

void RunFileWriter::record(int step, const StepOutputs& outputs) {
    hdf5::silence_errors();
    if (!impl_ || impl_->finished) {
        throw InternalError("RunFileWriter::record called outside start() ... finish() for " +
                            path_);
    }
    Impl& run = *impl_;
    if (step <= run.last_step) {
        throw InternalError("RunFileWriter::record: step " + std::to_string(step) +
                            " follows step " + std::to_string(run.last_step));
    }
    require_shape(outputs.stocks, run.countries * status_count, run.groups, "stocks");
    for (int f = 0; f < flow_count; ++f) {
        require_shape(outputs.flows[static_cast<std::size_t>(f)], run.countries, run.groups,
                      "flow " + std::string(flow_names[static_cast<std::size_t>(f)]));
    }
    require_shape(outputs.removals_by_destination, run.countries, run.countries,
                  "removals_by_destination");
    for (const auto& [values, size, name] :
         {std::tuple{&outputs.programme_flights, run.programmes, "programme_flights"},
          std::tuple{&outputs.programme_passengers, run.programmes, "programme_passengers"},
          std::tuple{&outputs.programme_cost, run.programmes, "programme_cost"},
          std::tuple{&outputs.programme_budget_left, run.programmes, "programme_budget_left"},
          std::tuple{&outputs.agreement_transfers, run.agreements, "agreement_transfers"},
          std::tuple{&outputs.agreement_held, run.agreements, "agreement_held"},
          std::tuple{&outputs.agreement_fees, run.agreements, "agreement_fees"},
          std::tuple{&outputs.agreement_quota_used, run.agreements, "agreement_quota_used"},
          std::tuple{&outputs.facility_occupancy, run.facilities, "facility_occupancy"},
          std::tuple{&outputs.facility_cost, run.facilities, "facility_cost"}}) {
        require_size(*values, size, name);
    }

    run.last_step = step;
    run.time.append(step * run.dt_days);
    run.stocks.append(outputs.stocks.data());
    run.removals_by_destination.append(outputs.removals_by_destination.data());
    run.deterrence_factor.append(outputs.deterrence_factor);
    run.programme_flights.append(outputs.programme_flights.data());
    run.programme_passengers.append(outputs.programme_passengers.data());
    run.programme_cost.append(outputs.programme_cost.data());
    run.programme_budget_left.append(outputs.programme_budget_left.data());
    run.agreement_transfers.append(outputs.agreement_transfers.data());
    run.agreement_held.append(outputs.agreement_held.data());
    run.agreement_fees.append(outputs.agreement_fees.data());
    run.agreement_quota_used.append(outputs.agreement_quota_used.data());
    run.facility_occupancy.append(outputs.facility_occupancy.data());
    run.facility_cost.append(outputs.facility_cost.data());
    for (std::size_t f = 0; f < run.flows.size(); ++f) {
        run.flows[f].append(outputs.flows[f].data());
    }
    run.record_parameters(step);
    if (run.time.buffered() == run.chunk_steps) {
        run.flush();
    }
    if (!run.parameters.empty() && run.parameters.front().buffered() == run.parameter_chunk_steps) {
        run.flush_parameters();
    }
}

void RunFileWriter::finish() {
    hdf5::silence_errors();
    if (!impl_ || impl_->finished) {
        throw InternalError("RunFileWriter::finish called without start() or twice for " + path_);
    }
    Impl& run = *impl_;
    run.flush();
    run.flush_parameters();
    run.for_each_series([](Series& series) { series.close(); });
    run.flows_group.reset();
    run.parameters_group.reset();
    if (H5Fclose(run.file.release()) < 0) {
        hdf5::fail("cannot close " + run.partial);
    }
    std::error_code error;
    std::filesystem::rename(run.partial, run.path, error);
    if (error) {
        throw FileError("cannot rename " + run.partial + " to " + run.path + ": " +
                        error.message());
    }
    run.finished = true;
    // The buffers are not needed any more: their memory goes to what runs after (the /persons
    // group of an agents-mode run is written next).
    run.filters.reset();
    run.filtered_series.clear();
    run.filtered_parameters.clear();
    run.for_each_series([](Series& series) { series = Series(); });
}

} // namespace deportsim
