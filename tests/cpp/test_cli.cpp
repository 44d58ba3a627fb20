// The deportsim program end to end: exit statuses, help, reproducible run files, and that a
// run file written by the program reads back in C++ and is what the engine computed.
#include "core/engine.hpp"
#include "core/headline.hpp"
#include "io/run_file.hpp"
#include "scenario/load.hpp"

#include <deportsim/version.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace deportsim;

namespace {

const std::string binary = DEPORTSIM_BINARY;
const std::string source = DEPORTSIM_SOURCE_DIR;
const std::string tiny = source + "/tests/scenarios/tiny.yaml";

struct Result {
    int status = -1;
    std::string output; // stdout and stderr together
};

Result run_program(const std::string& arguments) {
    const fs::path log =
        fs::temp_directory_path() / ("deportsim_cli_" + std::to_string(::getpid()) + "_" +
                                     std::to_string(std::rand()) + ".log");
    const std::string command = binary + " " + arguments + " > " + log.string() + " 2>&1";
    const int raw = std::system(command.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::ifstream in(log);
    r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    fs::remove(log);
    return r;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("deportsim_cli_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

} // namespace

TEST_CASE("help and version exit 0 and say what the program does", "[cli]") {
    const Result help = run_program("--help");
    CHECK(help.status == 0);
    CHECK_THAT(help.output, Catch::Contains("deportsim run SCENARIO.yaml"));
    for (const char* command : {"run", "validate", "info"}) {
        const Result r = run_program(std::string(command) + " --help");
        INFO(command);
        CHECK(r.status == 0);
        CHECK_THAT(r.output, Catch::Contains("Options"));
    }
    const Result version = run_program("--version");
    CHECK(version.status == 0);
    CHECK_THAT(version.output, Catch::Contains(engine_version));
}

TEST_CASE("bad input exits 2 with a located message; unknown commands too", "[cli]") {
    TempDir dir;
    const fs::path bad = dir.path / "bad.yaml";
    std::ofstream(bad) << "name: bad\ntime: {start: 2025-01-01, end: 2025-02-01}\ncountries:\n"
                          "  USA: {name: United States, colour: blue}\nprofiles: [x]\n"
                          "groups: {USA: [x]}\n";
    const Result r = run_program("validate " + bad.string());
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Catch::Contains(bad.string() + ":4:"));
    CHECK_THAT(r.output, Catch::Contains("colour"));
    CHECK(run_program("run " + (dir.path / "missing.yaml").string()).status == 2);
    CHECK(run_program("info " + bad.string()).status == 2);
    CHECK(run_program("frobnicate").status == 2);
    CHECK(run_program("run " + tiny + " --mode sideways").status == 2);
    CHECK(run_program("run " + tiny + " --no-such-option").status == 2);
    CHECK(run_program("run " + tiny + " -o " + (dir.path / "no/such/dir.h5").string()).status == 2);
}

TEST_CASE("the same scenario, seed and mode give byte-identical run files", "[cli]") {
    TempDir dir;
    ::setenv("SOURCE_DATE_EPOCH", "1738627200", 1); // `created` is the only other difference
    for (const char* mode : {"expected", "stochastic"}) {
        INFO(mode);
        const fs::path a = dir.path / "a.h5", b = dir.path / "b.h5", c = dir.path / "c.h5";
        const std::string common = "run " + tiny + " -q --mode " + std::string(mode);
        REQUIRE(run_program(common + " --seed 5 -o " + a.string()).status == 0);
        REQUIRE(run_program(common + " --seed 5 -o " + b.string()).status == 0);
        REQUIRE(run_program(common + " --seed 6 -o " + c.string()).status == 0);
        CHECK(slurp(a) == slurp(b));
        if (std::string(mode) == "stochastic") {
            CHECK(slurp(a) != slurp(c));
        }
    }
    ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST_CASE("a run file holds exactly what the engine computed, and info describes it", "[cli]") {
    TempDir dir;
    const fs::path out = dir.path / "tiny.h5";
    const Result r = run_program("run " + tiny +
                                 " --mode stochastic --seed 3 -q --check-invariants "
                                 "-o " +
                                 out.string());
    REQUIRE(r.status == 0);
    REQUIRE_FALSE(fs::exists(out.string() + ".partial"));

    // The same run in process, step by step.
    struct Keep final : Observer {
        std::vector<StepOutputs> steps;
        void start(const Scenario&, const RunInfo&) override {}
        void record(int, const StepOutputs& o) override { steps.push_back(o); }
        void finish() override {}
    } keep;
    RunInfo info;
    info.mode = Mode::stochastic;
    info.seed = 3;
    const auto engine = make_engine(load_scenario_file(tiny), info);
    HeadlineRecorder headline;
    engine->add_observer(keep);
    engine->add_observer(headline);
    engine->run();

    const RunFileContents file = read_run_file(out.string());
    REQUIRE(file.records() == static_cast<Eigen::Index>(keep.steps.size()));
    for (Eigen::Index n = 0; n < file.records(); ++n) {
        const StepOutputs o = file.outputs(n);
        REQUIRE((o.stocks == keep.steps[n].stocks).all());
        for (int f = 0; f < flow_count; ++f) {
            REQUIRE((o.flows[f] == keep.steps[n].flows[f]).all());
        }
    }
    const Result described = run_program("info " + out.string());
    CHECK(described.status == 0);
    CHECK_THAT(described.output, Catch::Contains("stochastic"));
    CHECK_THAT(described.output, Catch::Contains(sha256_hex(load_scenario_file(tiny).yaml_text)));

    // The headline metrics info reads back from the file are those the engine's run gave.
    const Result csv = run_program("info " + out.string() + " --format csv");
    REQUIRE(csv.status == 0);
    std::istringstream lines(csv.output);
    std::string line;
    REQUIRE(std::getline(lines, line));
    CHECK(line == "metric,value,units");
    for (const HeadlineMetric& metric : headline_metrics) {
        REQUIRE(std::getline(lines, line));
        INFO(line);
        const auto first = line.find(','), second = line.find(',', first + 1);
        CHECK(line.substr(0, first) == metric.name);
        CHECK(line.substr(second + 1) == metric.units);
        const std::string value = line.substr(first + 1, second - first - 1);
        const double expected =
            headline.values()[static_cast<std::size_t>(&metric - headline_metrics.data())];
        if (std::isnan(expected)) {
            CHECK(value.empty());
        } else {
            CHECK(std::stod(value) == expected);
        }
    }
    CHECK(run_program("info " + out.string() + " --format yaml").status == 2);
}
