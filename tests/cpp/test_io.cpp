// sim/io: the HDF5 run file. Round trip of every variable, attributes, format checks, the
// partial-file protocol, netCDF interoperability (ncdump) and reproducible bytes.

#include "core/error.hpp"
#include "core/headline.hpp"
#include "core/record.hpp"
#include "core/scenario.hpp"
#include "deportsim/version.hpp"
#include "files.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file.hpp"
#include "io/run_variables.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

using namespace deportsim;
using deportsim::testing::EnvironmentVariable;
using deportsim::testing::read_bytes;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case (CTest may run test cases in parallel processes).
class ScratchDirectory {
public:
    explicit ScratchDirectory(const std::string& name)
        : path_(fs::temp_directory_path() /
                ("deportsim_test_io_" + name + "_" + std::to_string(::getpid()))) {
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~ScratchDirectory() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

// Three countries (one only a nationality), two groups, one programme, one agreement
// imprisoning in one facility.
Scenario small_scenario(int days = 10) {
    Scenario s;
    s.name = "cecot_test";
    s.yaml_text = "name: cecot_test\n# República de El Salvador\n";
    s.overrides = {"agreements.USA_SLV.total_quota=1000", "seed=7"};
    s.start = date_from_ymd(2025, 2, 1);
    s.end = Date{s.start.days + days};
    s.dt_days = 1.0;
    s.countries = {{"USA", "United States", true},
                   {"SLV", "El Salvador", true},
                   {"VEN", "Venezuela (República Bolivariana de)", false}};
    s.profiles = {"no_record", "gang_tda"};
    s.groups = {{"VEN/gang_tda", 2, 1}, {"SLV/no_record", 1, 0}};
    s.facilities = {{"CECOT", 1, FacilityKind::prison, 40000, 0.5}};
    FlightProgramme flights;
    flights.id = "ICE_AIR";
    flights.sender = 0;
    flights.any_destination = true;
    flights.budget = 2.7e6;
    s.programmes = {flights};
    Agreement agreement;
    agreement.id = "USA_SLV";
    agreement.sender = 0;
    agreement.receiver = 1;
    agreement.any_nationality = true;
    agreement.profiles = {1};
    agreement.disposition = Disposition::imprison;
    agreement.facility = 0;
    s.agreements = {agreement};
    return s;
}

RunInfo small_info() {
    RunInfo info;
    info.mode = Mode::stochastic;
    info.seed = 18446744073709551557ULL; // above 2^63: the attribute is unsigned 64-bit
    info.scenario_sha256 = std::string(64, 'a');
    return info;
}

// Distinct, inexact values for every cell of every array at every step (0.1 has no exact
// binary representation, so a lossy round trip would show).
StepOutputs synthetic_outputs(const Scenario& scenario, int step) {
    StepOutputs out;
    out.resize(scenario);
    double next = step * 1000.0;
    const auto fill = [&](auto& array) {
        for (Eigen::Index i = 0; i < array.size(); ++i) {
            array.data()[i] = (next += 1.0) + 0.1;
        }
    };
    fill(out.stocks);
    for (auto& flow : out.flows) {
        fill(flow);
    }
    fill(out.removals_by_destination);
    fill(out.programme_flights);
    fill(out.programme_passengers);
    fill(out.programme_cost);
    fill(out.programme_budget_left);
    fill(out.agreement_transfers);
    fill(out.agreement_held);
    fill(out.agreement_fees);
    fill(out.agreement_quota_used);
    fill(out.facility_occupancy);
    fill(out.facility_cost);
    out.deterrence_factor = 1.0 / (1.0 + step);
    if (step % 2 == 1 && out.programme_budget_left.size() > 0) {
        out.programme_budget_left(0) = std::numeric_limits<double>::infinity();
    }
    return out;
}

void write_run(const std::string& path, const Scenario& scenario, const RunInfo& info,
               int threads = 1) {
    RunFileWriter writer(path, threads);
    writer.start(scenario, info);
    for (int step = 0; step <= scenario.steps(); ++step) {
        writer.record(step, synthetic_outputs(scenario, step));
    }
    writer.finish();
}

void require_equal(const StepOutputs& a, const StepOutputs& b) {
    REQUIRE((a.stocks.rows() == b.stocks.rows() && a.stocks.cols() == b.stocks.cols()));
    CHECK((a.stocks == b.stocks).all());
    for (std::size_t f = 0; f < a.flows.size(); ++f) {
        INFO("flow " << flow_names[f]);
        REQUIRE(a.flows[f].rows() == b.flows[f].rows());
        REQUIRE(a.flows[f].cols() == b.flows[f].cols());
        CHECK((a.flows[f] == b.flows[f]).all());
    }
    REQUIRE(a.removals_by_destination.size() == b.removals_by_destination.size());
    CHECK((a.removals_by_destination == b.removals_by_destination).all());
    const auto same = [](const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) {
        return x.size() == y.size() && (x == y).all();
    };
    CHECK(same(a.programme_flights, b.programme_flights));
    CHECK(same(a.programme_passengers, b.programme_passengers));
    CHECK(same(a.programme_cost, b.programme_cost));
    CHECK(same(a.programme_budget_left, b.programme_budget_left));
    CHECK(same(a.agreement_transfers, b.agreement_transfers));
    CHECK(same(a.agreement_held, b.agreement_held));
    CHECK(same(a.agreement_fees, b.agreement_fees));
    CHECK(same(a.agreement_quota_used, b.agreement_quota_used));
    CHECK(same(a.facility_occupancy, b.facility_occupancy));
    CHECK(same(a.facility_cost, b.facility_cost));
    CHECK(a.deterrence_factor == b.deterrence_factor);
}

// Runs a shell command, returning its exit status and its output.
std::pair<int, std::string> run_command(const std::string& command, const std::string& log) {
    const int status = std::system((command + " > '" + log + "' 2>&1").c_str());
    return {status, read_bytes(log)};
}

// Rewrites the format_version attribute of an existing file.
void set_format_version(const std::string& path, int major, int minor) {
    hdf5::silence_errors();
    const hdf5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    REQUIRE(file.valid());
    REQUIRE(H5Adelete(file.get(), "format_version") >= 0);
    const int version[2] = {major, minor};
    hdf5::write_int_attribute(file.get(), "format_version", version, path);
}

} // namespace

TEST_CASE("A run file reads back exactly what was recorded, over several chunks", "[io]") {
    const ScratchDirectory scratch("round_trip");
    const std::string path = scratch.file("run.h5");
    // 300 steps: two full chunks of 128 steps and a partial one.
    const Scenario scenario = small_scenario(300);
    write_run(path, scenario, small_info());

    const RunFileContents run = read_run_file(path);
    REQUIRE(run.records() == scenario.steps() + 1);
    for (Eigen::Index record = 0; record < run.records(); ++record) {
        INFO("record " << record);
        CHECK(run.time(record) == static_cast<double>(record));
        CHECK(run.step(record) == record);
        require_equal(run.outputs(record), synthetic_outputs(scenario, static_cast<int>(record)));
    }
    const StepOutputs last = synthetic_outputs(scenario, scenario.steps());
    CHECK(run.stock(run.records() - 1, 1, Status::imprisoned, 0) ==
          last.stocks(stock_row(1, Status::imprisoned), 0));

    CHECK(run.countries == std::vector<std::string>{"USA", "SLV", "VEN"});
    CHECK(run.country_names[2] == "Venezuela (República Bolivariana de)");
    CHECK(run.country_on_map == std::vector<bool>{true, true, false});
    CHECK(run.statuses.size() == status_names.size());
    CHECK(run.statuses[3] == "imprisoned");
    CHECK(run.groups == std::vector<std::string>{"VEN/gang_tda", "SLV/no_record"});
    CHECK(run.group_nationalities == std::vector<std::string>{"VEN", "SLV"});
    CHECK(run.group_profiles == std::vector<std::string>{"gang_tda", "no_record"});
    CHECK(run.programmes == std::vector<std::string>{"ICE_AIR"});
    CHECK(run.programme_senders == std::vector<std::string>{"USA"});
    CHECK(run.agreements == std::vector<std::string>{"USA_SLV"});
    CHECK(run.agreement_senders == std::vector<std::string>{"USA"});
    CHECK(run.agreement_receivers == std::vector<std::string>{"SLV"});
    CHECK(run.agreement_dispositions == std::vector<std::string>{"imprison"});
    CHECK(run.facilities == std::vector<std::string>{"CECOT"});
    CHECK(run.facility_countries == std::vector<std::string>{"SLV"});
    CHECK(run.facility_kinds == std::vector<std::string>{"prison"});
    REQUIRE(run.facility_capacity.size() == 1);
    CHECK(run.facility_capacity(0) == 40000);
}

TEST_CASE("A run file carries its root attributes", "[io]") {
    const ScratchDirectory scratch("attributes");
    const std::string path = scratch.file("run.h5");
    const EnvironmentVariable epoch("SOURCE_DATE_EPOCH", "1738368000");
    const Scenario scenario = small_scenario();
    const RunInfo info = small_info();
    write_run(path, scenario, info);

    const RunFileContents run = read_run_file(path);
    CHECK(run.format == "deportsim-run");
    CHECK(run.format_major == run_format_major);
    CHECK(run.format_minor == run_format_minor);
    CHECK(run.engine_version == engine_version);
    CHECK(run.git_revision == git_revision);
    CHECK(run.created == "2025-02-01T00:00:00Z");
    CHECK(run.mode == Mode::stochastic);
    CHECK(run.seed == info.seed);
    CHECK(run.scenario_name == scenario.name);
    CHECK(run.scenario_yaml == scenario.yaml_text);
    CHECK(run.scenario_sha256 == info.scenario_sha256);
    CHECK(run.scenario_overrides == scenario.overrides);
    CHECK(run.start_date == scenario.start);
    CHECK(run.dt_days == scenario.dt_days);

    // What netCDF and xarray see: units and calendar on time, CF conventions.
    hdf5::silence_errors();
    const hdf5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    REQUIRE(file.valid());
    CHECK(hdf5::read_string_attribute(file.get(), "Conventions", path) == "CF-1.8");
    const hdf5::Handle time(H5Dopen2(file.get(), "time", H5P_DEFAULT));
    REQUIRE(time.valid());
    CHECK(hdf5::read_string_attribute(time.get(), "units", path) == "days since 2025-02-01");
    CHECK(hdf5::read_string_attribute(time.get(), "calendar", path) == "proleptic_gregorian");
    for (const char* name : {"stocks", "flows/departures", "programme_budget_left", "country",
                             "group_profile", "facility_capacity"}) {
        INFO(name);
        const hdf5::Handle dataset(H5Dopen2(file.get(), name, H5P_DEFAULT));
        REQUIRE(dataset.valid());
        CHECK(hdf5::has_attribute(dataset.get(), "units", path));
        CHECK(hdf5::has_attribute(dataset.get(), "long_name", path));
    }
}

TEST_CASE("Without SOURCE_DATE_EPOCH, created is the current UTC time", "[io]") {
    const ScratchDirectory scratch("created_now");
    const std::string path = scratch.file("run.h5");
    const EnvironmentVariable epoch("SOURCE_DATE_EPOCH", nullptr);
    const auto before = std::chrono::system_clock::now();
    write_run(path, small_scenario(), small_info());
    const std::string created = read_run_file(path).created;
    REQUIRE(created.size() == 20);
    std::tm utc{};
    std::istringstream(created) >> std::get_time(&utc, "%Y-%m-%dT%H:%M:%SZ");
    const auto written = std::chrono::system_clock::from_time_t(timegm(&utc));
    CHECK(written >= std::chrono::floor<std::chrono::seconds>(before));
    CHECK(written <= std::chrono::system_clock::now());
}

TEST_CASE("A malformed SOURCE_DATE_EPOCH is refused", "[io]") {
    const ScratchDirectory scratch("bad_epoch");
    const std::string path = scratch.file("run.h5");
    const EnvironmentVariable epoch("SOURCE_DATE_EPOCH", "yesterday");
    RunFileWriter writer(path);
    CHECK_THROWS_AS(writer.start(small_scenario(), small_info()), InputError);
    CHECK_FALSE(fs::exists(path + ".partial"));
}

TEST_CASE("Two runs with SOURCE_DATE_EPOCH set give byte-identical files", "[io]") {
    const ScratchDirectory scratch("reproducible");
    const EnvironmentVariable epoch("SOURCE_DATE_EPOCH", "1738368000");
    const Scenario scenario = small_scenario(200);
    write_run(scratch.file("a.h5"), scenario, small_info());
    write_run(scratch.file("b.h5"), scenario, small_info());
    const std::string a = read_bytes(scratch.file("a.h5"));
    REQUIRE(!a.empty());
    CHECK(a == read_bytes(scratch.file("b.h5")));
}

TEST_CASE("The run file's bytes do not depend on the threads that compress it", "[io]") {
    const ScratchDirectory scratch("threads");
    const EnvironmentVariable epoch("SOURCE_DATE_EPOCH", "1738368000");
    const Scenario scenario = small_scenario(300);
    write_run(scratch.file("one.h5"), scenario, small_info(), 1);
    write_run(scratch.file("three.h5"), scenario, small_info(), 3);
    const std::string one = read_bytes(scratch.file("one.h5"));
    REQUIRE(!one.empty());
    CHECK(one == read_bytes(scratch.file("three.h5")));
    const RunFileContents run = read_run_file(scratch.file("three.h5"));
    REQUIRE(run.records() == scenario.steps() + 1);
    require_equal(run.outputs(257), synthetic_outputs(scenario, 257));
}

TEST_CASE("Chunk filters write every chunk once and in order on the calling thread", "[io]") {
    hdf5::ChunkFilters filters(3, 1);
    // Chunks of different sizes, so that the threads finish them out of order.
    std::vector<std::vector<unsigned char>> raw(40);
    for (std::size_t k = 0; k < raw.size(); ++k) {
        raw[k].assign(1000 + 5000 * ((k * 7) % 11), static_cast<unsigned char>(k));
    }
    std::vector<std::vector<unsigned char>> filtered(raw.size());
    const auto filter_task = [&](hdf5::ChunkFilter& filter, std::size_t k) {
        return filter(raw[k], 8, filtered[k]);
    };
    const auto caller = std::this_thread::get_id();

    SECTION("all of them") {
        std::vector<std::size_t> written;
        bool on_caller = true;
        const bool done = filters.run(raw.size(), filter_task, [&](std::size_t k) {
            REQUIRE(!filtered[k].empty()); // filtered before it is written
            on_caller = on_caller && std::this_thread::get_id() == caller;
            written.push_back(k);
        });
        CHECK(done);
        CHECK(on_caller);
        std::vector<std::size_t> expected(raw.size());
        std::iota(expected.begin(), expected.end(), std::size_t{0});
        CHECK(written == expected);
    }
    SECTION("a failed task stops the writing before it") {
        std::size_t written = 0;
        const bool done = filters.run(
            raw.size(),
            [&](hdf5::ChunkFilter& filter, std::size_t k) {
                return k != 17 && filter_task(filter, k);
            },
            [&](std::size_t k) {
                CHECK(k < 17);
                ++written;
            });
        CHECK_FALSE(done);
        CHECK(written <= 17);
    }
    SECTION("an exception from a write reaches the caller") {
        std::size_t written = 0;
        CHECK_THROWS_AS(filters.run(raw.size(), filter_task,
                                    [&](std::size_t k) {
                                        if (k == 5) {
                                            throw FileError("no room");
                                        }
                                        ++written;
                                    }),
                        FileError);
        CHECK(written == 5);
    }
}

TEST_CASE("A chunk filter's output is HDF5's shuffle then deflate of the chunk", "[io]") {
    // Elements of 8 and of 2 bytes, planes longer than the filter's slice (32 KiB), chunks of
    // zeros (cached) between others, and a length that is not a whole number of elements.
    hdf5::ChunkFilter filter(4);
    const auto check = [&](const std::vector<unsigned char>& bytes, std::size_t width) {
        std::vector<unsigned char> filtered;
        REQUIRE(filter(bytes, width, filtered));
        std::vector<unsigned char> shuffled(bytes.size());
        uLongf size = static_cast<uLongf>(shuffled.size());
        REQUIRE(uncompress(shuffled.data(), &size, filtered.data(),
                           static_cast<uLong>(filtered.size())) == Z_OK);
        REQUIRE(size == shuffled.size());
        const std::size_t elements = bytes.size() / width;
        for (std::size_t i = 0; i < elements; ++i) {
            for (std::size_t b = 0; b < width; ++b) {
                REQUIRE(shuffled[b * elements + i] == bytes[i * width + b]);
            }
        }
        for (std::size_t k = elements * width; k < bytes.size(); ++k) {
            REQUIRE(shuffled[k] == bytes[k]);
        }
    };
    std::vector<double> counts(100'000);
    for (std::size_t i = 0; i < counts.size(); ++i) {
        counts[i] = static_cast<double>((i * 2654435761u) % 1000);
    }
    const auto* first = reinterpret_cast<const unsigned char*>(counts.data());
    const std::vector<unsigned char> doubles(first, first + counts.size() * sizeof(double));
    check(doubles, 8);
    check(std::vector<unsigned char>(80'000, 0), 8);
    check(doubles, 2);
    check(std::vector<unsigned char>(80'000, 0), 8);
    check(std::vector<unsigned char>(doubles.begin(), doubles.begin() + 70'001), 2);
    check(std::vector<unsigned char>(7, 3), 8);
}

TEST_CASE("ncdump reads a run file as netCDF-4", "[io]") {
    const ScratchDirectory scratch("ncdump");
    const std::string path = scratch.file("run.h5");
    write_run(path, small_scenario(), small_info());
    const auto [status, header] =
        run_command("ncdump -h '" + path + "'", scratch.file("ncdump.log"));
    INFO(header);
    REQUIRE(status == 0);
    CHECK(header.find("time = UNLIMITED ; // (11 currently)") != std::string::npos);
    CHECK(header.find("country = 3 ;") != std::string::npos);
    CHECK(header.find("status = 8 ;") != std::string::npos);
    CHECK(header.find("string country(country) ;") != std::string::npos);
    CHECK(header.find("double stocks(time, country, status, group) ;") != std::string::npos);
    CHECK(header.find("double removals_by_destination(time, country, destination) ;") !=
          std::string::npos);
    CHECK(header.find("group: flows {") != std::string::npos);
    CHECK(header.find("double departures(time, country, group) ;") != std::string::npos);
    CHECK(header.find("time:units = \"days since 2025-02-01\"") != std::string::npos);
}

TEST_CASE("A scenario without programmes, agreements or facilities still gives a readable file",
          "[io]") {
    const ScratchDirectory scratch("empty_dimensions");
    const std::string path = scratch.file("run.h5");
    Scenario scenario = small_scenario();
    scenario.programmes.clear();
    scenario.agreements.clear();
    scenario.facilities.clear();
    write_run(path, scenario, small_info());

    const RunFileContents run = read_run_file(path);
    CHECK(run.programmes.empty());
    CHECK(run.agreements.empty());
    CHECK(run.facilities.empty());
    CHECK(run.facility_capacity.size() == 0);
    CHECK(run.programme_flights.rows() == run.records());
    CHECK(run.programme_flights.cols() == 0);
    require_equal(run.outputs(3), synthetic_outputs(scenario, 3));

    const auto [status, header] =
        run_command("ncdump -h '" + path + "'", scratch.file("ncdump.log"));
    INFO(header);
    CHECK(status == 0);
    CHECK(header.find("double programme_flights(time, programme) ;") != std::string::npos);
}

TEST_CASE("A writer destroyed before finish leaves no file and keeps an earlier one", "[io]") {
    const ScratchDirectory scratch("partial");
    const std::string path = scratch.file("run.h5");
    const Scenario scenario = small_scenario();

    SECTION("no earlier file") {
        {
            RunFileWriter writer(path);
            writer.start(scenario, small_info());
            writer.record(0, synthetic_outputs(scenario, 0));
            CHECK(fs::exists(path + ".partial"));
        }
        CHECK_FALSE(fs::exists(path));
        CHECK_FALSE(fs::exists(path + ".partial"));
    }
    SECTION("an earlier file") {
        write_run(path, scenario, small_info());
        const std::string earlier = read_bytes(path);
        {
            RunFileWriter writer(path);
            writer.start(scenario, small_info());
            for (int step = 0; step < 5; ++step) {
                writer.record(step, synthetic_outputs(scenario, step + 100));
            }
        }
        CHECK(read_bytes(path) == earlier);
        CHECK_FALSE(fs::exists(path + ".partial"));
        CHECK(read_run_file(path).records() == scenario.steps() + 1);
    }
}

TEST_CASE("The writer refuses outputs that do not fit the scenario", "[io]") {
    const ScratchDirectory scratch("refuse");
    const std::string path = scratch.file("run.h5");
    const Scenario scenario = small_scenario();
    RunFileWriter writer(path);
    writer.start(scenario, small_info());
    writer.record(0, synthetic_outputs(scenario, 0));

    StepOutputs wrong = synthetic_outputs(scenario, 1);
    SECTION("stocks of another shape") {
        wrong.stocks = CellArray::Zero(3, 2);
        CHECK_THROWS_AS(writer.record(1, wrong), InternalError);
    }
    SECTION("a flow of another shape") {
        wrong.flows[static_cast<int>(Flow::removals)] = CellArray::Zero(2, 2);
        CHECK_THROWS_AS(writer.record(1, wrong), InternalError);
    }
    SECTION("an agreement series of another size") {
        wrong.agreement_held = Eigen::ArrayXd::Zero(2);
        CHECK_THROWS_AS(writer.record(1, wrong), InternalError);
    }
    SECTION("a step that does not increase") {
        CHECK_THROWS_AS(writer.record(0, wrong), InternalError);
    }
}

TEST_CASE("A run file that cannot be created is a FileError naming it", "[io]") {
    const ScratchDirectory scratch("unwritable");
    const std::string path = scratch.file("no/such/directory/run.h5");
    RunFileWriter writer(path);
    try {
        writer.start(small_scenario(), small_info());
        FAIL("start() did not throw");
    } catch (const FileError& error) {
        CHECK(std::string(error.what()).find(path + ".partial") != std::string::npos);
    }
}

TEST_CASE("Reading refuses files that are not deportsim-run files of major version 1", "[io]") {
    const ScratchDirectory scratch("format_errors");

    SECTION("a missing file is a FileError") {
        CHECK_THROWS_AS(read_run_file(scratch.file("absent.h5")), FileError);
    }
    SECTION("a text file is a FormatError") {
        std::ofstream(scratch.file("scenario.yaml")) << "name: not a run file\n";
        CHECK_THROWS_AS(read_run_file(scratch.file("scenario.yaml")), FormatError);
    }
    SECTION("an HDF5 file without the format attribute is a FormatError") {
        const std::string path = scratch.file("plain.h5");
        {
            hdf5::silence_errors();
            const hdf5::Handle file(
                H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
            REQUIRE(file.valid());
        }
        CHECK_THROWS_AS(read_run_file(path), FormatError);
        CHECK_THROWS_AS(describe_run_file(path), FormatError);
    }
    SECTION("an HDF5 file of another type is a FormatError") {
        const std::string path = scratch.file("sweep.h5");
        {
            hdf5::silence_errors();
            const hdf5::Handle file(
                H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
            REQUIRE(file.valid());
            hdf5::write_string_attribute(file.get(), "format", "deportsim-sweep", path);
        }
        CHECK_THROWS_WITH(read_run_file(path), Catch::Contains("deportsim-sweep"));
        CHECK_THROWS_AS(read_run_file(path), FormatError);
    }
    SECTION("another major version is a FormatError; another minor version reads") {
        const std::string path = scratch.file("run.h5");
        write_run(path, small_scenario(), small_info());
        set_format_version(path, run_format_major + 1, 0);
        CHECK_THROWS_AS(read_run_file(path), FormatError);
        CHECK_THROWS_WITH(read_run_file(path), Catch::Contains("version 2.0"));
        set_format_version(path, run_format_major, run_format_minor + 3);
        CHECK(read_run_file(path).format_minor == run_format_minor + 3);
    }
}

TEST_CASE("describe_run_file summarises a run", "[io]") {
    const ScratchDirectory scratch("describe");
    const std::string path = scratch.file("run.h5");
    const EnvironmentVariable epoch("SOURCE_DATE_EPOCH", "1738368000");
    const Scenario scenario = small_scenario();
    const RunInfo info = small_info();
    RunFileWriter writer(path);
    writer.start(scenario, info);
    StepOutputs outputs;
    outputs.resize(scenario);
    writer.record(0, outputs);
    // At the end: 7 VEN/gang_tda imprisoned in SLV (abroad), 2 SLV/no_record imprisoned in
    // SLV (at home), 5 at large in the USA. The USA removes 3 people in step 1 and 4 in step 2
    // (flow `removals`), and 1 person more is repatriated onward by SLV in each step: the
    // removals by destination, which the headline counts, are 4 and 5.
    outputs.stocks(stock_row(1, Status::imprisoned), 0) = 7;
    outputs.stocks(stock_row(1, Status::imprisoned), 1) = 2;
    outputs.stocks(stock_row(0, Status::at_large), 0) = 5;
    outputs.flows[static_cast<int>(Flow::removals)](0, 0) = 3;
    outputs.removals_by_destination(0, 1) = 3;
    outputs.removals_by_destination(1, 2) = 1;
    writer.record(1, outputs);
    outputs.flows[static_cast<int>(Flow::removals)](0, 0) = 4;
    outputs.removals_by_destination(0, 1) = 4;
    writer.record(2, outputs);
    writer.finish();

    const std::string text = describe_run_file(path);
    INFO(text);
    CHECK_THAT(text, Catch::Contains("deportsim-run 1.1"));
    CHECK_THAT(text, Catch::Contains("cecot_test (sha256 " + info.scenario_sha256 + ")"));
    CHECK_THAT(text, Catch::Contains("stochastic, seed 18446744073709551557"));
    CHECK_THAT(text, Catch::Contains("2025-02-01 to 2025-02-03"));
    CHECK_THAT(text, Catch::Contains("2025-02-01T00:00:00Z"));
    CHECK_THAT(text, Catch::Contains("3 countries, 8 statuses, 2 groups, 1 programme, "
                                     "1 agreement, 1 facility"));
    CHECK_THAT(text, Catch::Contains("series in /parameters"));
    CHECK_THAT(text, Catch::Matches(R"((.|\n)*imprisoned +9\n(.|\n)*)"));
    CHECK_THAT(text, Catch::Matches(R"((.|\n)*at_large +5\n(.|\n)*)"));
    CHECK_THAT(text, Catch::Matches(R"((.|\n)*total +14\n(.|\n)*)"));
    // Every headline metric, by its name in core/headline.hpp.
    for (const HeadlineMetric& metric : headline_metrics) {
        CHECK_THAT(text, Catch::Contains("  " + std::string(metric.name) + " "));
    }
    CHECK_THAT(text, Catch::Matches(R"((.|\n)*  removals_total +9 persons\n(.|\n)*)"));
    CHECK_THAT(text, Catch::Matches(R"((.|\n)*  imprisoned_abroad_end +9 persons\n(.|\n)*)"));
    CHECK_THAT(text, Catch::Matches(R"((.|\n)*  at_large_end +5 persons\n(.|\n)*)"));

    const std::string csv = headline_csv(path);
    CHECK_THAT(csv, Catch::StartsWith("metric,value,units\nimprisoned_abroad_end,9,persons\n"));
    CHECK_THAT(csv, Catch::Contains("\nremovals_total,9,persons\n"));
    CHECK_THAT(csv, Catch::Contains("\ncost_per_removal,0,USD per person\n")); // nothing spent
}

TEST_CASE("headline_of_run_file gives what the recorder gives on the same outputs", "[io]") {
    const ScratchDirectory scratch("headline");
    const std::string path = scratch.file("run.h5");
    const Scenario scenario = small_scenario();
    HeadlineRecorder recorder;
    recorder.start(scenario, small_info());
    RunFileWriter writer(path);
    writer.start(scenario, small_info());
    for (int step = 0; step <= scenario.steps(); ++step) {
        const StepOutputs outputs = synthetic_outputs(scenario, step);
        recorder.record(step, outputs);
        writer.record(step, outputs);
    }
    recorder.finish();
    writer.finish();
    const HeadlineValues read = headline_of_run_file(read_run_file(path));
    for (std::size_t h = 0; h < headline_metrics.size(); ++h) {
        INFO(headline_metrics[h].name);
        CHECK(read[h] == recorder.values()[h]);
    }
}

TEST_CASE("The group parameters holds the parameters in force at each record", "[io]") {
    const ScratchDirectory scratch("parameters");
    const std::string path = scratch.file("run.h5");
    Scenario scenario = small_scenario(12);
    scenario.programmes[0].seats_per_flight = 100;
    scenario.programmes[0].flights_per_week = 7; // one flight a day
    scenario.programmes[0].cost_per_flight = 1000;
    scenario.programmes[0].start = Date{scenario.start.days + 2}; // window [day 2, day 8)
    scenario.programmes[0].end = Date{scenario.start.days + 8};
    scenario.agreements[0].monthly_quota = 30;
    scenario.agreements[0].fee_per_person_day = 1.5;
    scenario.agreements[0].priority = 2;
    scenario.deterrence.kind = DeterrenceKind::signal;
    scenario.deterrence.elasticity = 0.5;
    scenario.routes = {{"SLV->USA", 1, 0, 4.0, 0.01, 2.0}};
    scenario.returns = {{ReturnPolicy::accept, unlimited},
                        {ReturnPolicy::cap, 50},
                        {ReturnPolicy::refuse, unlimited}};
    DepartureStream stream;
    stream.group = 1;
    stream.origin = 1;
    stream.destination = 0;
    stream.persons_per_day = 10;
    stream.multiplier = DatedSeries{{Date{scenario.start.days + 6}}, {0.5}, 1.0};
    scenario.departures = {stream};
    // From day 5 (the date of step 6): CECOT doubles and the monthly quota goes; from day 9
    // the route becomes deadlier.
    auto expansion = std::make_shared<Scenario>(scenario);
    expansion->facilities[0].capacity = 80000;
    expansion->agreements[0].monthly_quota = unlimited;
    auto deadlier = std::make_shared<Scenario>(*expansion);
    deadlier->routes[0].mortality = 0.05;
    deadlier->deterrence.elasticity = 0.8;
    scenario.timeline = {{Date{scenario.start.days + 5}, "expansion", expansion},
                         {Date{scenario.start.days + 9}, "deadlier", deadlier}};
    write_run(path, scenario, small_info());

    const RunFileContents run = read_run_file(path);
    CHECK(run.profiles == std::vector<std::string>{"no_record", "gang_tda"});
    CHECK(run.routes == std::vector<std::string>{"SLV->USA"});
    for (const RunVariable& variable : run_variables()) {
        if (variable.group == "parameters") {
            INFO(variable.name);
            REQUIRE(run.parameters.count(variable.name) == 1);
            CHECK(run.parameters.at(variable.name).rows() == run.records());
        }
    }
    const auto& p = run.parameters;
    for (Eigen::Index record = 0; record < run.records(); ++record) {
        INFO("record " << record);
        // Record k > 0 holds step k, whose date is day k - 1; record 0 the start.
        const int day = std::max(static_cast<int>(record) - 1, 0);
        CHECK(p.at("facility_capacity")(record, 0) == (day >= 5 ? 80000 : 40000));
        CHECK(p.at("facility_cost_per_person_day")(record, 0) == 0.5);
        CHECK(p.at("agreement_monthly_quota")(record, 0) == (day >= 5 ? unlimited : 30));
        CHECK(p.at("agreement_total_quota")(record, 0) == unlimited);
        CHECK(p.at("agreement_fee_per_person_day")(record, 0) == 1.5);
        CHECK(p.at("route_mortality")(record, 0) == (day >= 9 ? 0.05 : 0.01));
        CHECK(p.at("route_weight")(record, 0) == 2.0);
        CHECK(p.at("agreement_priority")(record, 0) == 2);
        // Profiles {gang_tda}: VEN/gang_tda eligible, SLV/no_record not; none preferred.
        CHECK(p.at("agreement_eligible")(record, 0) == 1);
        CHECK(p.at("agreement_eligible")(record, 1) == 0);
        CHECK(p.at("agreement_preferred").row(record).sum() == 0);
        CHECK(p.at("deterrence_elasticity")(record, 0) == (day >= 9 ? 0.8 : 0.5));
        CHECK(p.at("deterrence_reference")(record, 0) == 1);
        const bool in_window = day >= 2 && day < 8;
        CHECK(p.at("programme_in_window")(record, 0) == (in_window ? 1 : 0));
        CHECK(p.at("programme_seats_scheduled")(record, 0) == (record > 0 && in_window ? 100 : 0));
        CHECK(p.at("programme_seats_per_flight")(record, 0) == 100);
        CHECK(p.at("programme_budget")(record, 0) == 2.7e6);
        CHECK(p.at("return_policy")(record, 0) == 0);
        CHECK(p.at("return_policy")(record, 1) == 2);
        CHECK(p.at("return_policy")(record, 2) == 1);
        CHECK(p.at("return_monthly_cap")(record, 0) == unlimited);
        CHECK(p.at("return_monthly_cap")(record, 1) == 50);
        CHECK(p.at("return_monthly_cap")(record, 2) == 0);
        // (time, group): the SLV/no_record stream, halved from day 6.
        CHECK(p.at("departure_persons_per_day")(record, 0) == 0);
        CHECK(p.at("departure_persons_per_day")(record, 1) == (day >= 6 ? 5 : 10));
    }
    // (time, country, profile), flattened: 3 countries x 2 profiles, none given here.
    CHECK(p.at("enforcement_interdiction_per_day").cols() == 6);
    CHECK(p.at("remigration_per_day").cols() == 2);
}

namespace {

// The rows `| \`name\` | ... |` of the markdown tables of a document, by name: the cells after
// the name, trimmed.
std::map<std::string, std::vector<std::string>> documented_rows(const std::string& path) {
    std::ifstream file(path);
    std::map<std::string, std::vector<std::string>> rows;
    for (std::string line; std::getline(file, line);) {
        if (line.rfind("| `", 0) != 0) {
            continue;
        }
        std::vector<std::string> cells;
        std::stringstream stream(line.substr(1));
        for (std::string cell; std::getline(stream, cell, '|');) {
            const auto first = cell.find_first_not_of(' ');
            const auto last = cell.find_last_not_of(' ');
            cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
        }
        const std::string name = cells.front().substr(1, cells.front().find('`', 1) - 1);
        cells.erase(cells.begin());
        rows.emplace(name, cells); // the first table that names it
    }
    return rows;
}

} // namespace

TEST_CASE("docs/output-format.md documents every variable of the registry as it is", "[io]") {
    const auto rows = documented_rows(std::string(DEPORTSIM_SOURCE_DIR) + "/docs/output-format.md");
    for (const RunVariable& variable : run_variables()) {
        INFO(variable.path());
        REQUIRE(rows.count(variable.name) == 1);
        const auto& cells = rows.at(variable.name);
        if (variable.group == "flows") {
            continue; // the flows table: `country is` and meaning (units: persons, said above)
        }
        std::string dimensions = "(";
        for (std::size_t d = 0; d < variable.dimensions.size(); ++d) {
            dimensions += (d == 0 ? "" : ", ") + variable.dimensions[d];
        }
        dimensions += ")";
        REQUIRE(cells.size() >= 2);
        CHECK(cells[0] == dimensions);
        CHECK(cells[1] == variable.units);
    }
}

namespace {

// How many HDF5 files, groups, datasets, named datatypes and attributes are open in the process.
ssize_t open_objects() {
    return H5Fget_obj_count(static_cast<hid_t>(H5F_OBJ_ALL), H5F_OBJ_ALL);
}

} // namespace

TEST_CASE("No HDF5 identifier stays open after writing, reading or failing", "[io]") {
    const ScratchDirectory scratch("identifiers");
    const std::string path = scratch.file("run.h5");
    const Scenario scenario = small_scenario();
    REQUIRE(open_objects() == 0);

    write_run(path, scenario, small_info());
    CHECK(read_run_file(path).records() == scenario.steps() + 1);
    CHECK_FALSE(describe_run_file(path).empty());
    CHECK(open_objects() == 0);

    {
        RunFileWriter writer(scratch.file("failed.h5"));
        writer.start(scenario, small_info());
        writer.record(0, synthetic_outputs(scenario, 0));
        StepOutputs wrong = synthetic_outputs(scenario, 1);
        wrong.stocks = CellArray::Zero(1, 1);
        CHECK_THROWS_AS(writer.record(1, wrong), InternalError);
    }
    set_format_version(path, run_format_major + 1, 0);
    CHECK_THROWS_AS(read_run_file(path), FormatError);
    CHECK_THROWS_AS(read_run_file(scratch.file("absent.h5")), FileError);
    CHECK(open_objects() == 0);
}
