#include "sweep/journal.hpp"

#include "core/error.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace deportsim::sweep {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "journal records are written in memory order as little-endian");

namespace {

constexpr char record_magic[8] = {'D', 'S', 'W', 'E', 'E', 'P', 'R', 'N'};
constexpr std::uint32_t record_version = 1;
constexpr const char* manifest_magic = "deportsim-sweep-journal 1";

std::uint64_t fnv1a(const unsigned char* data, std::size_t size) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= data[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

template <class T>
void put(std::vector<unsigned char>& out, const T& value) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&value);
    out.insert(out.end(), bytes, bytes + sizeof(T));
}

template <class T>
T get(const std::vector<unsigned char>& in, std::size_t& offset) {
    T value{};
    std::memcpy(&value, in.data() + offset, sizeof(T));
    offset += sizeof(T);
    return value;
}

[[noreturn]] void fail_system(const std::string& action) {
    throw FileError("cannot " + action + ": " + std::strerror(errno));
}

// Writes bytes to `path` and flushes them to disk.
void write_file_synced(const std::string& path, const void* data, std::size_t size) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail_system("create " + path);
    }
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::write(fd, bytes + done, size - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int saved = errno;
            ::close(fd);
            errno = saved;
            fail_system("write " + path);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        fail_system("flush " + path + " to disk");
    }
    if (::close(fd) != 0) {
        fail_system("close " + path);
    }
}

void sync_directory(const std::string& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fail_system("open directory " + directory);
    }
    const int status = ::fsync(fd);
    ::close(fd);
    if (status != 0 && errno != EINVAL) { // some file systems cannot sync a directory
        fail_system("flush directory " + directory + " to disk");
    }
}

// Writes a file whole or not at all: temporary name, fsync, rename, fsync of the directory.
void write_atomically(const std::string& directory, const std::string& name, const void* data,
                      std::size_t size) {
    const std::string final_path = directory + "/" + name;
    const std::string temporary = final_path + ".tmp" + std::to_string(::getpid());
    write_file_synced(temporary, data, size);
    if (::rename(temporary.c_str(), final_path.c_str()) != 0) {
        fail_system("rename " + temporary + " to " + final_path);
    }
    sync_directory(directory);
}

std::string manifest_text(const JournalManifest& m) {
    std::ostringstream out;
    out << manifest_magic << "\n"
        << "sweep_sha256 " << m.sweep_sha256 << "\n"
        << "base_sha256 " << m.base_sha256 << "\n"
        << "points " << m.points << "\n"
        << "replicates " << m.replicates << "\n"
        << "metrics " << m.metrics << "\n"
        << "series " << m.series << "\n"
        << "records " << m.records << "\n"
        << "created " << m.created << "\n";
    return out.str();
}

} // namespace

Journal::Journal(std::string directory, JournalManifest expected)
    : directory_(std::move(directory)), expected_(std::move(expected)) {}

bool Journal::exists() const {
    std::error_code error;
    return fs::exists(directory_, error);
}

std::string Journal::run_file(RunId id) const {
    return directory_ + "/p" + std::to_string(id.point) + "_r" + std::to_string(id.replicate) +
           ".bin";
}

void Journal::create() {
    std::error_code error;
    if (!fs::create_directory(directory_, error)) {
        if (error) {
            throw FileError("cannot create the journal directory " + directory_ + ": " +
                            error.message());
        }
        throw InputError("the journal " + directory_ + " already exists");
    }
    const std::string text = manifest_text(expected_);
    write_atomically(directory_, "manifest", text.data(), text.size());
}

JournalManifest Journal::reopen(bool clean) {
    const std::string path = directory_ + "/manifest";
    std::ifstream in(path);
    if (!in) {
        throw InputError(directory_ + " has no manifest, so it is not the journal of a sweep; "
                                      "delete it to start the sweep afresh");
    }
    std::string line;
    std::getline(in, line);
    if (line != manifest_magic) {
        throw InputError(path + ": not a deportsim sweep journal manifest (first line '" + line +
                         "')");
    }
    std::map<std::string, std::string> fields;
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        if (space != std::string::npos) {
            fields[line.substr(0, space)] = line.substr(space + 1);
        }
    }
    JournalManifest found;
    const auto number = [&](const char* key) {
        try {
            return std::stoi(fields.at(key));
        } catch (const std::exception&) {
            throw InputError(path + ": no valid `" + std::string(key) + "`");
        }
    };
    found.sweep_sha256 = fields["sweep_sha256"];
    found.base_sha256 = fields["base_sha256"];
    found.points = number("points");
    found.replicates = number("replicates");
    found.metrics = number("metrics");
    found.series = number("series");
    found.records = number("records");
    found.created = fields["created"];
    if (found.sweep_sha256 != expected_.sweep_sha256) {
        throw InputError("the journal " + directory_ +
                         " belongs to another version of the sweep file (its SHA-256 was " +
                         found.sweep_sha256 + ", the file's is now " + expected_.sweep_sha256 +
                         "); restore that file, or delete the journal to start afresh");
    }
    if (found.base_sha256 != expected_.base_sha256) {
        throw InputError("the base scenario has changed since the journal " + directory_ +
                         " was begun (SHA-256 " + found.base_sha256 + ", now " +
                         expected_.base_sha256 +
                         "); restore it, or delete the journal to start afresh");
    }
    if (found.points != expected_.points || found.replicates != expected_.replicates ||
        found.metrics != expected_.metrics || found.series != expected_.series ||
        found.records != expected_.records) {
        throw InputError("the journal " + directory_ +
                         " was written by another version of deportsim (its runs have another "
                         "shape); delete it to start afresh");
    }
    // Temporary files of writes that were cut short.
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(directory_, error)) {
        if (!clean) {
            break;
        }
        const std::string name = entry.path().filename().string();
        if (name.find(".tmp") != std::string::npos) {
            fs::remove(entry.path(), error);
        }
    }
    expected_.created = found.created;
    return found;
}

void Journal::write(const RunRecord& record) const {
    std::vector<unsigned char> bytes;
    const std::size_t records = static_cast<std::size_t>(expected_.records);
    bytes.reserve(64 + 8 * (record.summary.size() + record.series.size() * records));
    bytes.insert(bytes.end(), record_magic, record_magic + sizeof record_magic);
    put(bytes, record_version);
    put(bytes, static_cast<std::uint32_t>(record.summary.size()));
    put(bytes, static_cast<std::uint32_t>(record.series.size()));
    put(bytes, static_cast<std::uint32_t>(records));
    put(bytes, static_cast<std::uint64_t>(record.id.point));
    put(bytes, static_cast<std::uint64_t>(record.id.replicate));
    put(bytes, record.seed);
    for (const double x : record.summary) {
        put(bytes, x);
    }
    for (const auto& series : record.series) {
        if (series.size() != records) {
            throw InternalError("journal: a series of run p" + std::to_string(record.id.point) +
                                "_r" + std::to_string(record.id.replicate) + " has " +
                                std::to_string(series.size()) + " records, not " +
                                std::to_string(records));
        }
        for (const double x : series) {
            put(bytes, x);
        }
    }
    put(bytes, fnv1a(bytes.data(), bytes.size()));
    const std::string path = run_file(record.id);
    write_atomically(directory_, fs::path(path).filename().string(), bytes.data(), bytes.size());
}

std::optional<RunRecord> Journal::read(RunId id, std::uint64_t seed) const {
    const std::string path = run_file(id);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                           std::istreambuf_iterator<char>());
    const auto metrics = static_cast<std::size_t>(expected_.metrics);
    const auto series = static_cast<std::size_t>(expected_.series);
    const auto records = static_cast<std::size_t>(expected_.records);
    const std::size_t size = 8 + 4 * 4 + 3 * 8 + 8 * (metrics + series * records) + 8;
    const auto damaged = [&]() -> std::optional<RunRecord> {
        std::error_code error;
        fs::remove(path, error);
        return std::nullopt;
    };
    if (bytes.size() != size || std::memcmp(bytes.data(), record_magic, 8) != 0) {
        return damaged();
    }
    std::size_t offset = bytes.size() - 8;
    if (get<std::uint64_t>(bytes, offset) != fnv1a(bytes.data(), bytes.size() - 8)) {
        return damaged();
    }
    offset = 8;
    const auto version = get<std::uint32_t>(bytes, offset);
    const auto m = get<std::uint32_t>(bytes, offset);
    const auto s = get<std::uint32_t>(bytes, offset);
    const auto t = get<std::uint32_t>(bytes, offset);
    RunRecord record;
    record.id.point = static_cast<int>(get<std::uint64_t>(bytes, offset));
    record.id.replicate = static_cast<int>(get<std::uint64_t>(bytes, offset));
    record.seed = get<std::uint64_t>(bytes, offset);
    if (version != record_version || m != metrics || m != record.summary.size() || s != series ||
        t != records || record.id.point != id.point || record.id.replicate != id.replicate ||
        record.seed != seed) {
        return damaged();
    }
    for (double& x : record.summary) {
        x = get<double>(bytes, offset);
    }
    record.series.assign(series, std::vector<double>(records));
    for (auto& values : record.series) {
        for (double& x : values) {
            x = get<double>(bytes, offset);
        }
    }
    return record;
}

std::vector<char> Journal::completed(const SweepPlan& plan) const {
    std::vector<char> done(static_cast<std::size_t>(plan.runs()), 0);
    for (int r = 0; r < plan.runs(); ++r) {
        const RunId id = plan.run(r);
        std::error_code error;
        if (fs::exists(run_file(id), error) && read(id, plan.seed(id))) {
            done[static_cast<std::size_t>(r)] = 1;
        }
    }
    return done;
}

void Journal::remove() const {
    std::error_code error;
    fs::remove_all(directory_, error);
    if (error) {
        throw FileError("cannot remove the journal " + directory_ + ": " + error.message());
    }
}

JournalLock::JournalLock(const std::string& directory) {
    const std::string path = directory + "/lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        fail_system("open " + path);
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int saved = errno;
        ::close(fd_);
        fd_ = -1;
        if (saved == EWOULDBLOCK) {
            throw InputError("another deportsim sweep is running on the journal " + directory +
                             " (" + path + " is locked); wait for it to end");
        }
        errno = saved;
        fail_system("lock " + path);
    }
}

JournalLock::~JournalLock() {
    if (fd_ >= 0) {
        ::flock(fd_, LOCK_UN);
        ::close(fd_);
    }
}

} // namespace deportsim::sweep
