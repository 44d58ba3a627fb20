// A thin layer over the HDF5 C API for the files sim/io writes and reads: an owning handle for
// hid_t identifiers, failures turned into FileError (naming the file and the object), the few
// attribute and dataset operations the output files need, and the chunk filters that compress
// the run file's and /persons' chunks on several threads.
//
// Debian's libhdf5 is built thread-safe, which makes its error stack, and the automatic printing
// of it, per thread: every entry point of sim/io calls silence_errors() on its own thread.
// The high-level library (H5DS dimension scales) is not thread-safe; callers serialise it with
// dimension_scale_mutex().
#pragma once

#include <hdf5.h>
#include <hdf5_hl.h>
#include <zlib.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace deportsim::hdf5 {

// Owns one HDF5 identifier (file, group, dataset, dataspace, datatype, attribute or property
// list) and releases it when destroyed. Never wrap a library constant such as H5T_NATIVE_DOUBLE.
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) noexcept : id_(id) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& other) noexcept : id_(other.release()) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = other.release();
        }
        return *this;
    }
    ~Handle() { reset(); }

    hid_t get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }
    // Gives the identifier up without closing it.
    hid_t release() noexcept {
        const hid_t id = id_;
        id_ = H5I_INVALID_HID;
        return id;
    }
    // Closes the identifier (errors are ignored: this runs in destructors and on error paths).
    void reset() noexcept;

private:
    hid_t id_ = H5I_INVALID_HID;
};

// Turns off HDF5's automatic printing of errors to stderr for the calling thread.
void silence_errors();

// Serialises calls into HDF5's high-level library, which is not thread-safe.
std::mutex& dimension_scale_mutex();

// The path of an object inside its file ("/flows/departures"), for messages.
std::string object_path(hid_t object);

// Throws FileError "<message>: <HDF5's own explanation>" and clears HDF5's error stack.
[[noreturn]] void fail(const std::string& message);
// Throws FileError "cannot <action> in <file>: <HDF5's own explanation>". `action` names the
// object: "create dataset /stocks".
[[noreturn]] void fail(const std::string& file, const std::string& action);

inline hid_t check_id(hid_t id, const std::string& file, const std::string& action) {
    if (id < 0) {
        fail(file, action);
    }
    return id;
}

inline void check_status(herr_t status, const std::string& file, const std::string& action) {
    if (status < 0) {
        fail(file, action);
    }
}

// Opens or creates something and owns the result; throws FileError when `id` is negative.
inline Handle own(hid_t id, const std::string& file, const std::string& action) {
    return Handle(check_id(id, file, action));
}

// A variable-length UTF-8 string type: what netCDF-4 reads as NC_STRING and xarray as str.
Handle utf8_string_type(const std::string& file);

// Scalar attributes, written in creation order.
void write_string_attribute(hid_t object, const char* name, std::string_view value,
                            const std::string& file);
void write_double_attribute(hid_t object, const char* name, double value, const std::string& file);
void write_uint64_attribute(hid_t object, const char* name, std::uint64_t value,
                            const std::string& file);
// A one-dimensional int32 attribute.
void write_int_attribute(hid_t object, const char* name, std::span<const int> values,
                         const std::string& file);

bool has_attribute(hid_t object, const char* name, const std::string& file);
// The readers accept variable-length and fixed-length strings; a null dataspace reads as "".
// They throw FormatError when the attribute is missing or of another kind.
std::string read_string_attribute(hid_t object, const char* name, const std::string& file);
double read_double_attribute(hid_t object, const char* name, const std::string& file);
std::uint64_t read_uint64_attribute(hid_t object, const char* name, const std::string& file);
std::vector<int> read_int_attribute(hid_t object, const char* name, const std::string& file);

bool has_link(hid_t group, const char* name, const std::string& file);
std::vector<hsize_t> dataset_shape(hid_t dataset, const std::string& file);
// Writes every element of a one-dimensional string dataset.
void write_strings(hid_t dataset, const std::vector<std::string>& values, const std::string& file);
std::vector<std::string> read_strings(hid_t dataset, const std::string& file);

// Creation properties of a file (its root group) or of a group: link and attribute creation
// order tracked and indexed, as in netCDF-4; no modification times (reproducible files).
Handle group_properties(hid_t property_class, const std::string& file);

// Creation properties of a dataset: attribute creation order, no modification times, and when
// `chunk` is not empty that chunk shape with shuffle and deflate at `deflate_level`.
Handle dataset_properties(const std::vector<hsize_t>& chunk, unsigned deflate_level,
                          const std::string& file);

// Chunks as HDF5's filter pipeline of dataset_properties (shuffle, then deflate) stores them,
// made outside HDF5 so that several threads can make them at once (HDF5's thread-safe build runs
// one call at a time) and written whole with H5Dwrite_chunk; readers undo them with HDF5's own
// filters. Deflate looks for runs only (zlib's Z_RLE strategy); `deflate_level` is what the
// dataset's filter records. The shuffled bytes are made and deflated a slice at a time, so a
// filter needs a few tens of KiB whatever the chunk. Chunks of zeros are made once per size and
// then copied. One ChunkFilter is used by one thread at a time. Throws FileError when zlib cannot
// be set up.
class ChunkFilter {
public:
    explicit ChunkFilter(unsigned deflate_level);
    ~ChunkFilter();
    ChunkFilter(const ChunkFilter&) = delete;
    ChunkFilter& operator=(const ChunkFilter&) = delete;

    // How zlib looks for repeats. `runs` (Z_RLE): only runs of one byte, which after the
    // shuffle are most of a chunk of counts, faster and smaller there than the default matcher.
    // `rows`: zlib's default matcher, which also finds a row repeated from step to step (a
    // byte plane of a series that is mostly constant in time repeats with the period of its
    // row), as in the parameter series. Either is read by any inflate.
    enum class Matching { runs, rows };

    // `filtered` becomes the chunk of `bytes`, elements of `width` bytes in memory order (so
    // little-endian on the machines deportsim builds for). False when zlib fails or memory runs
    // out; never throws, so that it may run on OpenMP threads.
    bool operator()(std::span<const unsigned char> bytes, std::size_t width,
                    std::vector<unsigned char>& filtered,
                    Matching matching = Matching::runs) noexcept;

private:
    bool deflate_shuffled(std::span<const unsigned char> bytes, std::size_t width,
                          std::vector<unsigned char>& filtered, Matching matching);

    unsigned deflate_level_ = 1;
    z_stream stream_{};
    std::vector<unsigned char> slice_;    // shuffled input, a slice at a time
    std::vector<unsigned char> deflated_; // output, a slice at a time
    std::map<std::tuple<std::size_t, std::size_t, Matching>, std::vector<unsigned char>>
        zero_chunks_;
};

// One ChunkFilter per thread, and the OpenMP loop that shares chunks among them.
class ChunkFilters {
public:
    ChunkFilters(int threads, unsigned deflate_level); // threads >= 1
    // Runs filter_task(filter, k) for k = 0 .. tasks - 1 on up to the filters' threads, each
    // with its own filter, tasks taken in order (put the largest first); filter_task must not
    // throw. And write_task(0), write_task(1), ... in order on the calling thread (the only one
    // that calls HDF5), each as soon as its task and those before it are filtered: writing
    // overlaps filtering on the other threads, and what is written, in what order, does not
    // depend on the threads. False when a task returned false: what follows it is neither
    // filtered nor written. An exception from write_task is thrown once the threads have
    // stopped.
    bool run(std::size_t tasks,
             const std::function<bool(ChunkFilter& filter, std::size_t task)>& filter_task,
             const std::function<void(std::size_t task)>& write_task);

private:
    std::vector<std::unique_ptr<ChunkFilter>> filters_;
};

// The `long_name` and `units` attributes every variable carries.
void describe_variable(hid_t dataset, std::string_view long_name, std::string_view units,
                       const std::string& file);

// The `created` attribute of output files: the current UTC time in ISO 8601, or
// SOURCE_DATE_EPOCH (seconds since 1970-01-01 UTC) when set, so that files can be reproduced
// byte for byte (https://reproducible-builds.org/specs/source-date-epoch/). Throws InputError
// for a malformed SOURCE_DATE_EPOCH.
std::string creation_time();

} // namespace deportsim::hdf5
