#include "io/hdf5_handle.hpp"

#include "core/error.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <new>

namespace deportsim::hdf5 {

void Handle::reset() noexcept {
    if (id_ >= 0) {
        H5Idec_ref(id_);
        id_ = H5I_INVALID_HID;
    }
}

void silence_errors() {
    // In a thread-safe build the setting belongs to the calling thread's error stack.
    thread_local bool silenced = false;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        silenced = true;
    }
}

std::mutex& dimension_scale_mutex() {
    static std::mutex mutex;
    return mutex;
}

std::string object_path(hid_t object) {
    const ssize_t size = H5Iget_name(object, nullptr, 0);
    if (size <= 0) {
        return "?";
    }
    std::string name(static_cast<std::size_t>(size) + 1, '\0');
    H5Iget_name(object, name.data(), name.size());
    name.resize(static_cast<std::size_t>(size));
    return name;
}

namespace {

// The innermost entry of HDF5's error stack says most precisely what went wrong (for a file
// that cannot be created it carries the operating system's message).
herr_t keep_innermost(unsigned n, const H5E_error2_t* entry, void* data) {
    auto* text = static_cast<std::string*>(data);
    if (n == 0 && entry != nullptr && entry->desc != nullptr) {
        *text = entry->desc;
    }
    return 0;
}

std::string attribute_action(const char* verb, hid_t object, const char* name) {
    return std::string(verb) + " attribute '" + name + "' of " + object_path(object);
}

[[noreturn]] void wrong_kind(hid_t object, const char* name, const std::string& file,
                             const char* expected) {
    throw FormatError(file + ": attribute '" + name + "' of " + object_path(object) + " is not " +
                      expected);
}

// Creates a scalar (or, with `count`, one-dimensional) attribute and writes `data` to it.
void write_attribute(hid_t object, const char* name, hid_t file_type, hid_t memory_type,
                     const void* data, const hsize_t* count, const std::string& file) {
    const auto action = attribute_action("write", object, name);
    const Handle space =
        own(count == nullptr ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, count, nullptr), file,
            action);
    const Handle attribute = own(
        H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), file, action);
    check_status(H5Awrite(attribute.get(), memory_type, data), file, action);
}

struct OpenAttribute {
    Handle attribute;
    Handle type;
    hssize_t elements = 0;
    H5S_class_t space_class = H5S_NO_CLASS;
};

OpenAttribute open_attribute(hid_t object, const char* name, const std::string& file) {
    if (!has_attribute(object, name, file)) {
        throw FormatError(file + ": " + object_path(object) + " has no attribute '" + name + "'");
    }
    const auto action = attribute_action("read", object, name);
    OpenAttribute open;
    open.attribute = own(H5Aopen(object, name, H5P_DEFAULT), file, action);
    open.type = own(H5Aget_type(open.attribute.get()), file, action);
    const Handle space = own(H5Aget_space(open.attribute.get()), file, action);
    open.space_class = H5Sget_simple_extent_type(space.get());
    open.elements = H5Sget_simple_extent_npoints(space.get());
    check_id(open.elements, file, action);
    return open;
}

// Reads one number, converted by HDF5 to `memory_type`.
template <class T>
T read_number_attribute(hid_t object, const char* name, H5T_class_t type_class, hid_t memory_type,
                        const std::string& file, const char* expected) {
    const OpenAttribute open = open_attribute(object, name, file);
    if (H5Tget_class(open.type.get()) != type_class || open.elements != 1) {
        wrong_kind(object, name, file, expected);
    }
    T value{};
    check_status(H5Aread(open.attribute.get(), memory_type, &value), file,
                 attribute_action("read", object, name));
    return value;
}

} // namespace

void fail(const std::string& message) {
    std::string detail;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &detail);
    H5Eclear2(H5E_DEFAULT);
    throw FileError(detail.empty() ? message : message + ": " + detail);
}

void fail(const std::string& file, const std::string& action) {
    fail("cannot " + action + " in " + file);
}

Handle utf8_string_type(const std::string& file) {
    const std::string action = "make the UTF-8 string type";
    Handle type = own(H5Tcopy(H5T_C_S1), file, action);
    check_status(H5Tset_size(type.get(), H5T_VARIABLE), file, action);
    check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), file, action);
    return type;
}

void write_string_attribute(hid_t object, const char* name, std::string_view value,
                            const std::string& file) {
    const Handle type = utf8_string_type(file);
    const std::string text(value); // NUL-terminated
    const char* data = text.c_str();
    write_attribute(object, name, type.get(), type.get(), &data, nullptr, file);
}

void write_double_attribute(hid_t object, const char* name, double value, const std::string& file) {
    write_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, nullptr, file);
}

void write_uint64_attribute(hid_t object, const char* name, std::uint64_t value,
                            const std::string& file) {
    write_attribute(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value, nullptr, file);
}

void write_int_attribute(hid_t object, const char* name, std::span<const int> values,
                         const std::string& file) {
    const hsize_t count = values.size();
    write_attribute(object, name, H5T_STD_I32LE, H5T_NATIVE_INT, values.data(), &count, file);
}

bool has_attribute(hid_t object, const char* name, const std::string& file) {
    const htri_t exists = H5Aexists(object, name);
    check_status(exists, file, attribute_action("look up", object, name));
    return exists > 0;
}

std::string read_string_attribute(hid_t object, const char* name, const std::string& file) {
    const OpenAttribute open = open_attribute(object, name, file);
    const auto action = attribute_action("read", object, name);
    if (H5Tget_class(open.type.get()) != H5T_STRING) {
        wrong_kind(object, name, file, "a string");
    }
    if (open.space_class == H5S_NULL) {
        return ""; // how netCDF-C stores an empty text attribute
    }
    if (open.elements != 1) {
        wrong_kind(object, name, file, "a single string");
    }
    const htri_t variable = H5Tis_variable_str(open.type.get());
    check_status(variable, file, action);
    if (variable > 0) {
        const Handle type = utf8_string_type(file);
        char* text = nullptr;
        check_status(H5Aread(open.attribute.get(), type.get(), &text), file, action);
        std::string value = text != nullptr ? text : "";
        H5free_memory(text);
        return value;
    }
    const std::size_t size = H5Tget_size(open.type.get());
    Handle type = own(H5Tcopy(H5T_C_S1), file, action);
    check_status(H5Tset_size(type.get(), size), file, action);
    std::string value(size, '\0');
    check_status(H5Aread(open.attribute.get(), type.get(), value.data()), file, action);
    value.resize(std::strlen(value.c_str())); // fixed-length strings may be NUL-padded
    return value;
}

double read_double_attribute(hid_t object, const char* name, const std::string& file) {
    return read_number_attribute<double>(object, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, file,
                                         "a floating-point number");
}

std::uint64_t read_uint64_attribute(hid_t object, const char* name, const std::string& file) {
    return read_number_attribute<std::uint64_t>(object, name, H5T_INTEGER, H5T_NATIVE_UINT64, file,
                                                "an integer");
}

std::vector<int> read_int_attribute(hid_t object, const char* name, const std::string& file) {
    const OpenAttribute open = open_attribute(object, name, file);
    if (H5Tget_class(open.type.get()) != H5T_INTEGER) {
        wrong_kind(object, name, file, "an integer array");
    }
    std::vector<int> values(static_cast<std::size_t>(open.elements));
    if (!values.empty()) {
        check_status(H5Aread(open.attribute.get(), H5T_NATIVE_INT, values.data()), file,
                     attribute_action("read", object, name));
    }
    return values;
}

bool has_link(hid_t group, const char* name, const std::string& file) {
    const htri_t exists = H5Lexists(group, name, H5P_DEFAULT);
    check_status(exists, file, "look up '" + std::string(name) + "' in " + object_path(group));
    return exists > 0;
}

std::vector<hsize_t> dataset_shape(hid_t dataset, const std::string& file) {
    const auto action = "read the shape of " + object_path(dataset);
    const Handle space = own(H5Dget_space(dataset), file, action);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    check_status(rank, file, action);
    std::vector<hsize_t> shape(static_cast<std::size_t>(rank));
    check_status(H5Sget_simple_extent_dims(space.get(), shape.data(), nullptr), file, action);
    return shape;
}

void write_strings(hid_t dataset, const std::vector<std::string>& values, const std::string& file) {
    if (values.empty()) {
        return;
    }
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const auto& value : values) {
        pointers.push_back(value.c_str());
    }
    const Handle type = utf8_string_type(file);
    const std::string action = "write " + object_path(dataset);
    // Strings are converted on writing, through a buffer HDF5 allocates and clears for each
    // write: 1 MiB by default, which cost more than the strings (milliseconds per file). A buffer
    // for these strings: 32 bytes each, as the file's variable-length elements need 16.
    const Handle transfer = own(H5Pcreate(H5P_DATASET_XFER), file, action);
    const std::size_t buffer =
        std::clamp<std::size_t>(values.size() * 32, 1024, std::size_t{1} << 20);
    check_status(H5Pset_buffer(transfer.get(), buffer, nullptr, nullptr), file, action);
    check_status(H5Dwrite(dataset, type.get(), H5S_ALL, H5S_ALL, transfer.get(), pointers.data()),
                 file, action);
}

std::vector<std::string> read_strings(hid_t dataset, const std::string& file) {
    const auto action = "read " + object_path(dataset);
    const auto shape = dataset_shape(dataset, file);
    if (shape.size() != 1) {
        throw FormatError(file + ": " + object_path(dataset) + " is not one-dimensional");
    }
    const std::size_t count = shape[0];
    std::vector<std::string> values;
    values.reserve(count);
    if (count == 0) {
        return values;
    }
    const Handle file_type = own(H5Dget_type(dataset), file, action);
    if (H5Tget_class(file_type.get()) != H5T_STRING) {
        throw FormatError(file + ": " + object_path(dataset) + " does not hold strings");
    }
    const htri_t variable = H5Tis_variable_str(file_type.get());
    check_status(variable, file, action);
    if (variable > 0) {
        const Handle type = utf8_string_type(file);
        std::vector<char*> pointers(count, nullptr);
        check_status(H5Dread(dataset, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
                     file, action);
        for (char* text : pointers) {
            values.emplace_back(text != nullptr ? text : "");
            H5free_memory(text);
        }
        return values;
    }
    const std::size_t size = H5Tget_size(file_type.get());
    Handle type = own(H5Tcopy(H5T_C_S1), file, action);
    check_status(H5Tset_size(type.get(), size), file, action);
    std::vector<char> buffer(count * size);
    check_status(H5Dread(dataset, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), file,
                 action);
    for (std::size_t i = 0; i < count; ++i) {
        const char* text = buffer.data() + i * size;
        values.emplace_back(text, strnlen(text, size));
    }
    return values;
}

Handle group_properties(hid_t property_class, const std::string& file) {
    const std::string action = "set up group creation properties";
    Handle properties = own(H5Pcreate(property_class), file, action);
    const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    check_status(H5Pset_link_creation_order(properties.get(), order), file, action);
    check_status(H5Pset_attr_creation_order(properties.get(), order), file, action);
    check_status(H5Pset_obj_track_times(properties.get(), false), file, action);
    return properties;
}

Handle dataset_properties(const std::vector<hsize_t>& chunk, unsigned deflate_level,
                          const std::string& file) {
    const std::string action = "set up dataset creation properties";
    Handle properties = own(H5Pcreate(H5P_DATASET_CREATE), file, action);
    const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    check_status(H5Pset_attr_creation_order(properties.get(), order), file, action);
    check_status(H5Pset_obj_track_times(properties.get(), false), file, action);
    if (!chunk.empty()) {
        check_status(H5Pset_chunk(properties.get(), static_cast<int>(chunk.size()), chunk.data()),
                     file, action);
        check_status(H5Pset_shuffle(properties.get()), file, action);
        check_status(H5Pset_deflate(properties.get(), deflate_level), file, action);
    }
    return properties;
}

void describe_variable(hid_t dataset, std::string_view long_name, std::string_view units,
                       const std::string& file) {
    write_string_attribute(dataset, "long_name", long_name, file);
    write_string_attribute(dataset, "units", units, file);
}

std::string creation_time() {
    std::time_t seconds = 0;
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr) {
        long long value = -1;
        const char* end = epoch + std::strlen(epoch);
        const auto [stop, error] = std::from_chars(epoch, end, value);
        if (error != std::errc{} || stop != end || value < 0) {
            throw InputError("SOURCE_DATE_EPOCH must be a whole number of seconds since "
                             "1970-01-01T00:00:00Z, not '" +
                             std::string(epoch) + "'");
        }
        seconds = static_cast<std::time_t>(value);
    } else {
        seconds = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    }
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

static_assert(std::endian::native == std::endian::little,
              "chunks are shuffled in memory order and stored as little-endian");

namespace {
constexpr std::size_t filter_slice_bytes = std::size_t{1} << 15;
}

ChunkFilter::ChunkFilter(unsigned deflate_level)
    : deflate_level_(deflate_level), slice_(filter_slice_bytes), deflated_(filter_slice_bytes) {
    // A zlib stream (32 KiB window, default memory) that looks for runs only (Z_RLE): after the
    // shuffle, the byte planes of counts are mostly long runs. On run files that is both faster
    // and smaller than the default matcher at level 1 (the default scenario's agents-mode file:
    // 15.5 MB rather than 18.0 MB); any inflate reads it.
    constexpr int window_bits = 15, memory_level = 8;
    if (deflateInit2(&stream_, static_cast<int>(deflate_level), Z_DEFLATED, window_bits,
                     memory_level, Z_RLE) != Z_OK) {
        throw FileError("cannot set up compression (zlib): out of memory");
    }
}

ChunkFilter::~ChunkFilter() {
    deflateEnd(&stream_);
}

bool ChunkFilter::operator()(std::span<const unsigned char> bytes, std::size_t width,
                             std::vector<unsigned char>& filtered, Matching matching) noexcept {
    try {
        if (std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; })) {
            // Common for flows a scenario does not use.
            auto& cached = zero_chunks_[{bytes.size(), width, matching}];
            if (cached.empty() && !deflate_shuffled(bytes, width, cached, matching)) {
                return false;
            }
            filtered = cached;
            return true;
        }
        return deflate_shuffled(bytes, width, filtered, matching);
    } catch (const std::bad_alloc&) { // filters run on OpenMP threads: nothing may escape
        return false;
    }
}

bool ChunkFilter::deflate_shuffled(std::span<const unsigned char> bytes, std::size_t width,
                                   std::vector<unsigned char>& filtered, Matching matching) {
    filtered.clear();
    // The stream is reset after every chunk, so a new strategy applies from its first byte.
    if (deflateParams(&stream_, static_cast<int>(deflate_level_),
                      matching == Matching::runs ? Z_RLE : Z_DEFAULT_STRATEGY) != Z_OK) {
        return false;
    }
    const auto drain = [&] {
        filtered.insert(filtered.end(), deflated_.data(),
                        deflated_.data() + (deflated_.size() - stream_.avail_out));
        stream_.next_out = deflated_.data();
        stream_.avail_out = static_cast<uInt>(deflated_.size());
    };
    stream_.next_out = deflated_.data();
    stream_.avail_out = static_cast<uInt>(deflated_.size());
    // Shuffle (H5Z_FILTER_SHUFFLE): byte b of element i goes to b * elements + i; a trailing
    // partial element (none in the files written here) stays as it is, at the end.
    const std::size_t elements = width == 0 ? 0 : bytes.size() / width;
    const auto feed = [&](std::size_t size, int flush) {
        stream_.next_in = slice_.data();
        stream_.avail_in = static_cast<uInt>(size);
        do {
            const int status = deflate(&stream_, flush);
            if (status == Z_STREAM_ERROR || (status == Z_BUF_ERROR && stream_.avail_out > 0)) {
                return false;
            }
            if (stream_.avail_out == 0 || status == Z_STREAM_END) {
                drain();
            }
            if (status == Z_STREAM_END) {
                return true;
            }
        } while (stream_.avail_in > 0 || (flush == Z_FINISH));
        return true;
    };
    for (std::size_t b = 0; b < width; ++b) {
        for (std::size_t first = 0; first < elements; first += slice_.size()) {
            const std::size_t count = std::min(slice_.size(), elements - first);
            const unsigned char* source = bytes.data() + first * width + b;
            for (std::size_t i = 0; i < count; ++i) {
                slice_[i] = source[i * width];
            }
            if (!feed(count, Z_NO_FLUSH)) {
                return false;
            }
        }
    }
    const std::size_t tail = bytes.size() - elements * width;
    std::copy_n(bytes.data() + elements * width, tail, slice_.data());
    const bool finished = feed(tail, Z_FINISH);
    return finished && deflateReset(&stream_) == Z_OK;
}

ChunkFilters::ChunkFilters(int threads, unsigned deflate_level) {
    for (int thread = 0; thread < std::max(threads, 1); ++thread) {
        filters_.push_back(std::make_unique<ChunkFilter>(deflate_level));
    }
}

bool ChunkFilters::run(
    std::size_t tasks,
    const std::function<bool(ChunkFilter& filter, std::size_t task)>& filter_task,
    const std::function<void(std::size_t task)>& write_task) {
    const auto count = static_cast<std::ptrdiff_t>(tasks);
    const int threads =
        static_cast<int>(std::min<std::size_t>(filters_.size(), std::max<std::size_t>(tasks, 1)));
    const auto filtered = std::make_unique<std::atomic<bool>[]>(tasks);
    std::atomic<bool> failed{false};
    std::size_t written = 0;  // by the calling thread only
    std::exception_ptr error; // from write_task
    // Writes the tasks that are next in order and filtered.
    const auto write_ready = [&] {
        while (written < tasks && !failed.load(std::memory_order_relaxed) &&
               filtered[written].load(std::memory_order_acquire)) {
            try {
                write_task(written);
            } catch (...) {
                error = std::current_exception();
                failed = true;
                return;
            }
            ++written;
        }
    };
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::ptrdiff_t task = 0; task < count; ++task) {
        if (failed.load(std::memory_order_relaxed)) {
            continue;
        }
        const int thread = omp_get_thread_num();
        if (filter_task(*filters_[static_cast<std::size_t>(thread)],
                        static_cast<std::size_t>(task))) {
            filtered[static_cast<std::size_t>(task)].store(true, std::memory_order_release);
        } else {
            failed = true;
        }
        if (thread == 0) {
            write_ready();
        }
    }
    write_ready();
    if (error) {
        std::rethrow_exception(error);
    }
    return !failed;
}

} // namespace deportsim::hdf5
