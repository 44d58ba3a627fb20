// `/persons` of an agents-mode run file. See person_file.hpp and docs/output-format.md.
//
// Per-person variables are written block by block (AgentEngine::person_columns fills a block in
// parallel), so the memory they need is a block's, not the run's. The large one-dimensional
// variables are chunked with HDF5's shuffle and deflate filters; their chunks are shuffled and
// deflated here, on the engine's number of threads, and written whole with H5Dwrite_chunk
// (readers undo them with HDF5's own filters). The dimensions person, route_hop and removal
// have no coordinate variable: they are dimension scales without data, marked as netCDF marks
// a dimension that is not a variable, so that nothing is stored for them.
#include "io/person_file.hpp"

#include "core/error.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <span>

namespace deportsim {

namespace {

// Persons per block written, and elements per chunk of the large variables (a block is whole
// chunks, so the per-person variables never carry a partial chunk from block to block).
constexpr std::size_t chunk_elements = std::size_t{1} << 14;
constexpr std::size_t least_block_persons = chunk_elements;
constexpr std::size_t most_block_persons = std::size_t{1} << 18;
constexpr unsigned deflate_level = 1;
static_assert(most_block_persons % chunk_elements == 0);

// Persons per block: about a 64th of the persons, in whole chunks, within the bounds above.
// Small runs keep blocks (and the memory they need) small; large ones get enough chunks per
// block to keep every thread busy. It depends on the persons alone, so the file does not
// depend on the threads.
std::size_t block_persons_for(std::size_t persons) {
    const std::size_t share = persons / 64 / chunk_elements * chunk_elements;
    return std::clamp(share, least_block_persons, most_block_persons);
}
static_assert(std::endian::native == std::endian::little,
              "chunks are shuffled in memory order and stored little-endian");

// netCDF-C's name for a dimension scale that is only a dimension (DIM_WITHOUT_VARIABLE in its
// sources), recognised by netCDF-C and h5netcdf.
constexpr const char* dimension_only = "This is a netCDF dimension but not a netCDF variable.";

template <class T>
struct Types;
template <>
struct Types<std::int8_t> {
    static hid_t file() { return H5T_STD_I8LE; }
    static hid_t memory() { return H5T_NATIVE_INT8; }
};
template <>
struct Types<std::int16_t> {
    static hid_t file() { return H5T_STD_I16LE; }
    static hid_t memory() { return H5T_NATIVE_INT16; }
};
template <>
struct Types<std::int32_t> {
    static hid_t file() { return H5T_STD_I32LE; }
    static hid_t memory() { return H5T_NATIVE_INT32; }
};
template <>
struct Types<std::int64_t> {
    static hid_t file() { return H5T_STD_I64LE; }
    static hid_t memory() { return H5T_NATIVE_INT64; }
};
template <>
struct Types<float> {
    static hid_t file() { return H5T_IEEE_F32LE; }
    static hid_t memory() { return H5T_NATIVE_FLOAT; }
};
template <>
struct Types<double> {
    static hid_t file() { return H5T_IEEE_F64LE; }
    static hid_t memory() { return H5T_NATIVE_DOUBLE; }
};

// A dataset of the group and its attributes.
class Variable {
public:
    Variable() = default;
    explicit Variable(hdf5::Handle dataset, std::string file)
        : dataset_(std::move(dataset)), file_(std::move(file)) {}

    // A small contiguous dataset, written at once with write(). With a fill value, it is also
    // written as the CF attribute _FillValue (xarray masks it).
    template <class T>
    static Variable create(hid_t group, const char* name, std::vector<hsize_t> shape,
                           const std::string& file, std::optional<T> fill = std::nullopt) {
        const std::string action = "create dataset /persons/" + std::string(name);
        const hdf5::Handle space = hdf5::own(
            H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), file, action);
        const hdf5::Handle properties = hdf5::dataset_properties({}, deflate_level, file);
        if (fill) {
            hdf5::check_status(H5Pset_fill_value(properties.get(), Types<T>::memory(), &*fill),
                               file, action);
        }
        Variable v(hdf5::own(H5Dcreate2(group, name, Types<T>::file(), space.get(), H5P_DEFAULT,
                                        properties.get(), H5P_DEFAULT),
                             file, action),
                   file);
        if (fill) {
            v.typed_attribute<T>("_FillValue", std::span<const T>(&*fill, 1));
        }
        return v;
    }

    hid_t id() const { return dataset_.get(); }

    template <class T>
    void write(const std::vector<T>& data) const {
        if (data.empty()) {
            return;
        }
        hdf5::check_status(H5Dwrite(dataset_.get(), Types<T>::memory(), H5S_ALL, H5S_ALL,
                                    H5P_DEFAULT, data.data()),
                           file_, "write " + hdf5::object_path(dataset_.get()));
    }
    void describe(std::string_view long_name, std::string_view units) const {
        hdf5::write_string_attribute(dataset_.get(), "long_name", long_name, file_);
        hdf5::write_string_attribute(dataset_.get(), "units", units, file_);
    }
    void attribute(const char* name, std::string_view value) const {
        hdf5::write_string_attribute(dataset_.get(), name, value, file_);
    }
    // A numeric attribute of the dataset's own type (as CF wants for _FillValue, flag_values).
    template <class T>
    void typed_attribute(const char* name, std::span<const T> values) const {
        const std::string action =
            "write attribute '" + std::string(name) + "' of " + hdf5::object_path(dataset_.get());
        const hsize_t count = values.size();
        const hdf5::Handle space = hdf5::own(
            values.size() == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr),
            file_, action);
        const hdf5::Handle attribute = hdf5::own(H5Acreate2(dataset_.get(), name, Types<T>::file(),
                                                            space.get(), H5P_DEFAULT, H5P_DEFAULT),
                                                 file_, action);
        hdf5::check_status(H5Awrite(attribute.get(), Types<T>::memory(), values.data()), file_,
                           action);
    }
    void make_scale(const char* name) const {
        hdf5::check_status(H5DSset_scale(dataset_.get(), name), file_,
                           "make " + std::string(name) + " a dimension scale");
    }
    void attach(std::initializer_list<hid_t> scales) const {
        unsigned index = 0;
        for (const hid_t scale : scales) {
            hdf5::check_status(H5DSattach_scale(dataset_.get(), scale, index), file_,
                               "attach dimension " + std::to_string(index) + " of " +
                                   hdf5::object_path(dataset_.get()));
            ++index;
        }
    }

private:
    hdf5::Handle dataset_;
    std::string file_;
};

// A dimension without a coordinate variable: a dimension scale with no data stored.
Variable dimension(hid_t group, const char* name, hsize_t size, const std::string& file) {
    const std::string action = "create dimension /persons/" + std::string(name);
    const hdf5::Handle space = hdf5::own(H5Screate_simple(1, &size, nullptr), file, action);
    const hdf5::Handle properties = hdf5::dataset_properties({}, deflate_level, file);
    Variable v(hdf5::own(H5Dcreate2(group, name, H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                    properties.get(), H5P_DEFAULT),
                         file, action),
               file);
    char label[96];
    std::snprintf(label, sizeof label, "%s%10llu", dimension_only,
                  static_cast<unsigned long long>(size));
    v.make_scale(label);
    return v;
}

// One chunk as HDF5's shuffle and deflate filters store it: its elements (chunk_elements, or
// the whole variable) in the block's columns, which outlive the job, or in `owned`.
struct ChunkJob {
    hid_t dataset;
    hsize_t offset; // first element
    std::size_t width;
    std::span<const unsigned char> raw;
    std::vector<unsigned char> owned; // a chunk put together from more than one block
    std::vector<unsigned char> filtered;
};

// Filters the jobs on the filters' threads, largest first so that the threads finish
// together, and writes them in that order with H5Dwrite_chunk as they are ready.
void write_chunks(std::vector<ChunkJob>& jobs, hdf5::ChunkFilters& filters,
                  const std::string& file) {
    std::stable_sort(jobs.begin(), jobs.end(), [](const ChunkJob& a, const ChunkJob& b) {
        return a.raw.size() > b.raw.size();
    });
    const bool filtered = filters.run(
        jobs.size(),
        [&](hdf5::ChunkFilter& filter, std::size_t k) {
            ChunkJob& job = jobs[k];
            const bool done = filter(job.raw, job.width, job.filtered);
            job.raw = {};
            job.owned = {}; // its memory back as soon as it is filtered
            return done;
        },
        [&](std::size_t k) {
            ChunkJob& job = jobs[k];
            // Filter mask 0: every filter of the pipeline (shuffle, deflate) was applied.
            hdf5::check_status(H5Dwrite_chunk(job.dataset, H5P_DEFAULT, 0, &job.offset,
                                              job.filtered.size(), job.filtered.data()),
                               file, "write " + hdf5::object_path(job.dataset));
            job.filtered = {};
        });
    if (!filtered) {
        throw FileError("cannot compress the chunks of /persons for " + file);
    }
    jobs.clear();
}

// A large one-dimensional variable filled in order: values are appended, and each whole chunk
// (and, at the end, the last one, padded) becomes a job. A whole chunk of the values appended
// is used where it is (they must outlive the job); the rest is copied until its chunk is whole.
class Column {
public:
    template <class T>
    static Column create(hid_t group, const char* name, std::size_t size, const std::string& file) {
        Column c;
        c.width_ = sizeof(T);
        c.size_ = size;
        c.chunk_ = std::max<std::size_t>(1, std::min(chunk_elements, size));
        const std::string action = "create dataset /persons/" + std::string(name);
        const hsize_t extent = size;
        const hdf5::Handle space = hdf5::own(H5Screate_simple(1, &extent, nullptr), file, action);
        // Chunked, with shuffle and deflate, unless empty (a chunk spans at least one element).
        const hdf5::Handle properties = hdf5::dataset_properties(
            size > 0 ? std::vector<hsize_t>{c.chunk_} : std::vector<hsize_t>{}, deflate_level,
            file);
        c.variable_ = Variable(hdf5::own(H5Dcreate2(group, name, Types<T>::file(), space.get(),
                                                    H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                                         file, action),
                               file);
        return c;
    }
    const Variable& variable() const { return variable_; }

    template <class T>
    void append(const std::vector<T>& values, std::vector<ChunkJob>& jobs) {
        const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
        std::size_t done = 0;
        while (done < values.size()) {
            if (pending_.empty() && values.size() - done >= chunk_) {
                jobs.push_back(
                    {variable_.id(),
                     written_,
                     width_,
                     std::span<const unsigned char>(bytes + done * width_, chunk_ * width_),
                     {},
                     {}});
                written_ += chunk_;
                done += chunk_;
                continue;
            }
            const std::size_t take = std::min(values.size() - done, chunk_ - pending_elements());
            pending_.insert(pending_.end(), bytes + done * width_, bytes + (done + take) * width_);
            done += take;
            if (pending_elements() == chunk_) {
                flush(jobs);
            }
        }
    }
    // The last, partial chunk, padded with zeros (HDF5 stores edge chunks whole).
    void finish(std::vector<ChunkJob>& jobs) {
        if (!pending_.empty()) {
            pending_.resize(chunk_ * width_, 0);
            flush(jobs);
        }
        if (written_ < size_) {
            throw InternalError("person file: " + hdf5::object_path(variable_.id()) + " got " +
                                std::to_string(written_) + " of " + std::to_string(size_) +
                                " values");
        }
    }

private:
    std::size_t pending_elements() const { return pending_.size() / width_; }
    void flush(std::vector<ChunkJob>& jobs) {
        jobs.push_back({variable_.id(), written_, width_, {}, std::move(pending_), {}});
        jobs.back().raw = jobs.back().owned;
        written_ += chunk_;
        pending_ = {};
        pending_.reserve(chunk_ * width_);
    }

    Variable variable_;
    std::size_t width_ = 1;
    std::size_t size_ = 0;
    std::size_t chunk_ = 1;
    std::size_t written_ = 0;
    std::vector<unsigned char> pending_;
};

std::string flag_meanings(const auto& names) {
    std::string text;
    for (const auto& name : names) {
        if (!text.empty()) {
            text += ' ';
        }
        text.append(name.begin(), name.end());
    }
    return text;
}

} // namespace

void write_person_group(const std::string& path, const AgentEngine& engine) {
    hdf5::silence_errors();
    const Scenario& s = engine.scenario();
    const double dt = s.dt_days;
    const std::string time_units = "days since " + format_iso_date(s.start);
    const std::size_t persons = engine.persons();
    const std::size_t hops = engine.route_entries();
    const std::size_t removals = engine.removals().size();
    const auto& distributions = engine.distributions();
    const auto& trace = engine.trace();
    const int threads = engine.threads();

    hdf5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    if (!file.valid()) {
        hdf5::fail("cannot open " + path + " to add /persons");
    }
    {
        const hdf5::Handle properties = hdf5::group_properties(H5P_GROUP_CREATE, path);
        const hdf5::Handle group =
            hdf5::own(H5Gcreate2(file.get(), "persons", H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                      path, "create group /persons");
        const hid_t g = group.get();
        const int version[2] = {person_group_major, person_group_minor};
        hdf5::write_int_attribute(g, "format_version", version, path);
        hdf5::write_string_attribute(
            g, "description",
            "Agents mode: one record per person, in order of creation (the initial state, then "
            "departures). Country, group and status are indices into the root variables "
            "country, group and status. Routes and removal times are contiguous ragged arrays "
            "(CF): route_length and times_removed count each person's entries in route_country "
            "and removal_time, in person order.",
            path);
        const hdf5::Handle time_scale =
            hdf5::own(H5Dopen2(file.get(), "/time", H5P_DEFAULT), path, "open /time");
        const std::lock_guard scales_lock(hdf5::dimension_scale_mutex());

        const Variable person = dimension(g, "person", persons, path);
        const Variable route_hop = dimension(g, "route_hop", hops, path);
        const Variable removal = dimension(g, "removal", removals, path);

        // Per person.
        auto group_v = Column::create<std::int16_t>(g, "group", persons, path);
        group_v.variable().describe("group (index into /group)", "1");
        auto status = Column::create<std::int8_t>(g, "status", persons, path);
        status.variable().describe("status at the end of the run (index into /status)", "1");
        std::vector<std::int8_t> status_codes(status_count);
        std::iota(status_codes.begin(), status_codes.end(), std::int8_t{0});
        status.variable().typed_attribute<std::int8_t>("flag_values", status_codes);
        status.variable().attribute("flag_meanings", flag_meanings(status_names));
        auto country = Column::create<std::int16_t>(g, "country", persons, path);
        country.variable().describe("country at the end of the run (index into /country)", "1");
        auto times_removed = Column::create<std::int32_t>(g, "times_removed", persons, path);
        times_removed.variable().describe("removals of the person by a sender during the run", "1");
        times_removed.variable().attribute("sample_dimension", "removal");
        auto days_detained = Column::create<float>(g, "days_detained", persons, path);
        days_detained.variable().describe("days in detention (held for removal) during the run",
                                          "days");
        auto days_in_transit = Column::create<float>(g, "days_in_transit", persons, path);
        days_in_transit.variable().describe("days travelling on routes during the run", "days");
        auto first_departure = Column::create<float>(g, "first_departure", persons, path);
        first_departure.variable().describe(
            "first departure or re-migration during the run (NaN: none)", time_units);
        first_departure.variable().attribute("calendar", "proleptic_gregorian");
        auto first_removal = Column::create<float>(g, "first_removal", persons, path);
        first_removal.variable().describe("first removal during the run (NaN: none)", time_units);
        first_removal.variable().attribute("calendar", "proleptic_gregorian");
        auto route_length = Column::create<std::int32_t>(g, "route_length", persons, path);
        route_length.variable().describe("countries in the person's route", "1");
        route_length.variable().attribute("sample_dimension", "route_hop");
        for (const Column* c :
             {&group_v, &status, &country, &times_removed, &days_detained, &days_in_transit,
              &first_departure, &first_removal, &route_length}) {
            c->variable().attach({person.id()});
        }
        // Ragged.
        auto route_country = Column::create<std::int16_t>(g, "route_country", hops, path);
        route_country.variable().describe(
            "countries the person was in, in order, a new entry at each change (index into "
            "/country); route_length entries per person",
            "1");
        route_country.variable().attach({route_hop.id()});
        auto removal_time = Column::create<double>(g, "removal_time", removals, path);
        removal_time.variable().describe("time of each removal; times_removed entries per person",
                                         time_units);
        removal_time.variable().attribute("calendar", "proleptic_gregorian");
        removal_time.variable().attach({removal.id()});
        auto removal_destination =
            Column::create<std::int16_t>(g, "removal_destination", removals, path);
        removal_destination.variable().describe(
            "country each removal went to: the person's own or an agreement's receiver (index "
            "into /country); times_removed entries per person",
            "1");
        removal_destination.variable().attach({removal.id()});

        // The blocks: filled in parallel by the engine; a block's chunks (one or two per variable)
        // then filtered in parallel and written.
        PersonColumns columns;
        std::vector<ChunkJob> jobs;
        const std::size_t block_persons = block_persons_for(persons);
        hdf5::ChunkFilters filters(threads, deflate_level);
        for (std::size_t first = 0; first < persons; first += block_persons) {
            engine.person_columns(first, block_persons, columns);
            const bool last = first + block_persons >= persons;
            const auto put = [&](Column& column, const auto& values) {
                column.append(values, jobs);
                if (last) {
                    column.finish(jobs);
                }
            };
            put(group_v, columns.group);
            put(status, columns.status);
            put(country, columns.country);
            put(times_removed, columns.times_removed);
            put(days_detained, columns.days_detained);
            put(days_in_transit, columns.days_in_transit);
            put(first_departure, columns.first_departure);
            put(first_removal, columns.first_removal);
            put(route_length, columns.route_length);
            put(route_country, columns.route_country);
            put(removal_time, columns.removal_time);
            put(removal_destination, columns.removal_destination);
            write_chunks(jobs, filters, path);
        }
        if (persons == 0) {
            for (Column* c : {&route_country, &removal_time, &removal_destination}) {
                c->finish(jobs);
            }
            write_chunks(jobs, filters, path);
        }

        // Distributions.
        const auto& by_removals = distributions.removals_per_person;
        const auto removal_count =
            Variable::create<std::int32_t>(g, "removal_count", {by_removals.size()}, path);
        removal_count.describe("times removed", "1");
        removal_count.make_scale("removal_count");
        std::vector<std::int32_t> counts(by_removals.size());
        std::iota(counts.begin(), counts.end(), 0);
        removal_count.write(counts);
        const auto persons_by_times_removed = Variable::create<std::int64_t>(
            g, "persons_by_times_removed", {by_removals.size()}, path);
        persons_by_times_removed.describe("persons removed that many times during the run",
                                          "persons");
        persons_by_times_removed.attach({removal_count.id()});
        persons_by_times_removed.write(by_removals);

        auto days_axis = [&](const char* name, std::size_t size, const char* long_name) {
            auto axis = Variable::create<double>(g, name, {size}, path);
            axis.describe(long_name, "days");
            axis.make_scale(name);
            std::vector<double> days(size);
            for (std::size_t k = 0; k < size; ++k) {
                days[k] = static_cast<double>(k) * dt;
            }
            axis.write(days);
            return axis;
        };
        const auto& delays = distributions.departure_to_first_removal;
        const Variable delay = days_axis("delay", delays.size(), "time after departure");
        const auto departure_to_first_removal =
            Variable::create<std::int64_t>(g, "departure_to_first_removal", {delays.size()}, path);
        departure_to_first_removal.describe(
            "persons whose first removal after their first departure in the run came this long "
            "after it",
            "persons");
        departure_to_first_removal.attach({delay.id()});
        departure_to_first_removal.write(delays);
        const auto& stays = distributions.detention_stay;
        const Variable stay = days_axis("stay", stays.size(), "length of a detention stay");
        const auto detention_stays =
            Variable::create<std::int64_t>(g, "detention_stays", {stays.size()}, path);
        detention_stays.describe(
            "detention stays that ended during the run (removal or release), by length", "stays");
        detention_stays.attach({stay.id()});
        detention_stays.write(stays);

        // The trace.
        const std::size_t traced = trace.persons.size();
        const auto trace_person = Variable::create<std::int64_t>(g, "trace_person", {traced}, path);
        trace_person.describe(
            "person index (along `person`) of each traced person: a uniform random sample", "1");
        trace_person.make_scale("trace_person");
        trace_person.write(std::vector<std::int64_t>(trace.persons.begin(), trace.persons.end()));
        const auto time_shape = hdf5::dataset_shape(time_scale.get(), path);
        const hsize_t records = time_shape.empty() ? 0 : time_shape[0];
        if (traced > 0 && static_cast<hsize_t>(trace.records) != records) {
            throw InternalError("person file: the trace has " + std::to_string(trace.records) +
                                " records, /time " + std::to_string(records));
        }
        const auto trace_status = Variable::create<std::int8_t>(
            g, "trace_status", {traced, records}, path, std::int8_t{-1});
        trace_status.describe("status of each traced person at each time (index into /status)",
                              "1");
        trace_status.typed_attribute<std::int8_t>("flag_values", status_codes);
        trace_status.attribute("flag_meanings", flag_meanings(status_names));
        trace_status.attach({trace_person.id(), time_scale.get()});
        trace_status.write(trace.status);
        const auto trace_country = Variable::create<std::int16_t>(
            g, "trace_country", {traced, records}, path, std::int16_t{-1});
        trace_country.describe("country of each traced person at each time (index into /country)",
                               "1");
        trace_country.attach({trace_person.id(), time_scale.get()});
        trace_country.write(trace.country);
    }
    if (H5Fclose(file.release()) < 0) {
        hdf5::fail("cannot close " + path);
    }
}

PersonFileWriter::PersonFileWriter(std::string run_file_path, const AgentEngine& engine)
    : path_(std::move(run_file_path)), engine_(engine) {}

void PersonFileWriter::finish() {
    const std::string partial = path_ + ".partial";
    std::error_code error;
    std::filesystem::rename(path_, partial, error);
    if (error) {
        throw FileError("cannot rename " + path_ + " to " + partial + ": " + error.message());
    }
    try {
        write_person_group(partial, engine_);
    } catch (...) {
        std::filesystem::remove(partial, error);
        throw;
    }
    std::filesystem::rename(partial, path_, error);
    if (error) {
        throw FileError("cannot rename " + partial + " to " + path_ + ": " + error.message());
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace {

template <class T>
std::vector<T> read_all(hid_t group, const char* name, const std::string& file) {
    if (!hdf5::has_link(group, name, file)) {
        throw FormatError(file + ": /persons has no variable '" + std::string(name) + "'");
    }
    const std::string action = "read /persons/" + std::string(name);
    const hdf5::Handle dataset = hdf5::own(H5Dopen2(group, name, H5P_DEFAULT), file, action);
    const auto shape = hdf5::dataset_shape(dataset.get(), file);
    const hsize_t elements =
        std::accumulate(shape.begin(), shape.end(), hsize_t{1}, std::multiplies<>());
    std::vector<T> values(elements);
    if (elements > 0) {
        hdf5::check_status(H5Dread(dataset.get(), Types<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                   values.data()),
                           file, action);
    }
    return values;
}

} // namespace

PersonGroupContents read_person_group(const std::string& path) {
    hdf5::silence_errors();
    const hdf5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) {
        hdf5::fail("cannot open " + path);
    }
    if (!hdf5::has_link(file.get(), "persons", path)) {
        throw FormatError(path + ": no /persons group (not an agents-mode run file)");
    }
    const hdf5::Handle group =
        hdf5::own(H5Gopen2(file.get(), "persons", H5P_DEFAULT), path, "open /persons");
    const hid_t g = group.get();
    PersonGroupContents c;
    const auto version = hdf5::read_int_attribute(g, "format_version", path);
    if (version.size() != 2 || version[0] != person_group_major) {
        throw FormatError(path + ": /persons has format version " +
                          (version.empty() ? std::string("?") : std::to_string(version[0])) +
                          ", this program reads " + std::to_string(person_group_major) + ".x");
    }
    c.format_major = version[0];
    c.format_minor = version[1];
    c.group = read_all<std::int16_t>(g, "group", path);
    c.status = read_all<std::int8_t>(g, "status", path);
    c.country = read_all<std::int16_t>(g, "country", path);
    c.times_removed = read_all<std::int32_t>(g, "times_removed", path);
    c.days_detained = read_all<float>(g, "days_detained", path);
    c.days_in_transit = read_all<float>(g, "days_in_transit", path);
    c.first_departure = read_all<float>(g, "first_departure", path);
    c.first_removal = read_all<float>(g, "first_removal", path);
    c.route_length = read_all<std::int32_t>(g, "route_length", path);
    c.route_country = read_all<std::int16_t>(g, "route_country", path);
    c.removal_time = read_all<double>(g, "removal_time", path);
    c.removal_destination = read_all<std::int16_t>(g, "removal_destination", path);
    c.persons_by_times_removed = read_all<std::int64_t>(g, "persons_by_times_removed", path);
    c.delay_days = read_all<double>(g, "delay", path);
    c.departure_to_first_removal = read_all<std::int64_t>(g, "departure_to_first_removal", path);
    c.stay_days = read_all<double>(g, "stay", path);
    c.detention_stays = read_all<std::int64_t>(g, "detention_stays", path);
    c.trace_person = read_all<std::int64_t>(g, "trace_person", path);
    c.trace_status = read_all<std::int8_t>(g, "trace_status", path);
    c.trace_country = read_all<std::int16_t>(g, "trace_country", path);
    const std::size_t n = c.group.size();
    for (const std::size_t size :
         {c.group.size(), c.status.size(), c.country.size(), c.times_removed.size(),
          c.days_detained.size(), c.days_in_transit.size(), c.first_departure.size(),
          c.first_removal.size(), c.route_length.size()}) {
        if (size != n) {
            throw FormatError(path + ": /persons variables differ in length along `person`");
        }
    }
    return c;
}

} // namespace deportsim
