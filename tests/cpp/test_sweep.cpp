// Parameter sweeps (sim/sweep, sim/io/sweep_file, the `deportsim sweep` command): run seeds;
// grid, Latin hypercube and Sobol' designs; sweep-file errors located in the file; the journal;
// and the program itself: --jobs 1 and --jobs 2 (and mpirun -np 2, when built with MPI) write
// the same file, and a sweep killed in the middle and resumed writes it too.
#include "core/error.hpp"
#include "core/headline.hpp"
#include "io/sweep_file.hpp"
#include "sweep/design.hpp"
#include "sweep/journal.hpp"
#include "sweep/plan.hpp"
#include "sweep/runner.hpp"
#include "sweep/seed.hpp"
#include "sweep/sobol_sequence.hpp"
#include "sweep/spec.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using namespace deportsim;
using namespace deportsim::sweep;
namespace fs = std::filesystem;

namespace {

const std::string source_dir = DEPORTSIM_SOURCE_DIR;
const std::string binary = DEPORTSIM_BINARY;

std::string sweep_file(const std::string& name) {
    return source_dir + "/tests/sweeps/" + name;
}

// A fresh directory for one test, removed when the test ends.
struct TemporaryDirectory {
    fs::path path;
    explicit TemporaryDirectory(const std::string& name) {
        path = fs::temp_directory_path() /
               ("deportsim_test_sweep_" + std::to_string(::getpid()) + "_" + name);
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// Starts a program with extra environment variables; its output goes to `log`.
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
            const std::string& log) {
    // The extra variables replace any of the same name.
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        const std::string name = entry.substr(0, entry.find('=') + 1);
        const bool replaced =
            std::any_of(extra_env.begin(), extra_env.end(),
                        [&](const std::string& x) { return x.starts_with(name); });
        if (!replaced) {
            environment.push_back(entry);
        }
    }
    environment.insert(environment.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> argv, envp;
    for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    for (const auto& e : environment) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    const int status =
        posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(status == 0);
    return pid;
}

// The exit status, or 128 + the signal that ended it.
int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        REQUIRE(errno == EINTR);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs the program to its end; shows its output when it fails.
int run_program(const std::vector<std::string>& args, const std::vector<std::string>& env,
                const std::string& log) {
    const int status = wait_for(spawn(args, env, log));
    INFO("output of " << args[0] << ":\n" << read_text(log));
    CHECK(status == 0);
    return status;
}

// SOURCE_DATE_EPOCH fixes `created`, the only attribute that would differ between two sweeps.
const std::vector<std::string> reproducible = {"SOURCE_DATE_EPOCH=1740000000"};

bool same_doubles(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Every dataset and attribute of two sweep files, compared bit for bit, then the bytes.
void require_same_sweep_files(const std::string& a, const std::string& b) {
    const SweepFileContents x = read_sweep_file(a);
    const SweepFileContents y = read_sweep_file(b);
    CHECK(x.header.points == y.header.points);
    CHECK(x.header.parameters == y.header.parameters);
    CHECK(x.header.metrics == y.header.metrics);
    CHECK(x.header.series == y.header.series);
    CHECK(x.header.created == y.header.created);
    CHECK(x.header.sweep_yaml == y.header.sweep_yaml);
    CHECK(x.run_seed == y.run_seed);
    CHECK(x.complete == y.complete);
    CHECK(same_doubles(x.summary, y.summary));
    REQUIRE(x.series.size() == y.series.size());
    for (std::size_t k = 0; k < x.series.size(); ++k) {
        INFO("series " << x.header.series[k]);
        CHECK(same_doubles(x.series[k], y.series[k]));
    }
    CHECK(read_text(a) == read_text(b)); // bit-identical files
}

std::size_t journal_runs(const std::string& directory) {
    std::size_t n = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(directory, error)) {
        n += entry.path().extension() == ".bin" ? 1 : 0;
    }
    return n;
}

InputError sweep_error(const std::string& name) {
    try {
        const SweepPlan plan(load_sweep_file(sweep_file("malformed/" + name)));
        plan.validate(2);
    } catch (const InputError& e) {
        return e;
    }
    FAIL("no error for " << name);
    return InputError("unreachable");
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Seeds

TEST_CASE("run seeds are the documented splitmix64 hash of (sweep seed, point, replicate)",
          "[sweep]") {
    // The first output of Vigna's splitmix64.c seeded with 0.
    CHECK(mix64(0) == 0xe220a8397b1dcdafULL);
    // Reference values from an independent Python transcription of docs/sweep-format.md.
    CHECK(run_seed(0, 0, 0) == 2558736989570252433ULL);
    CHECK(run_seed(42, 0, 0) == 7138415436909018950ULL);
    CHECK(run_seed(42, 0, 1) == 13151335708014940318ULL);
    CHECK(run_seed(42, 1, 0) == 10646091845267208524ULL);
    CHECK(run_seed(7, 123, 4) == 9148644623477389677ULL);
    // Distinct over a sweep of 500 points x 40 replicates, and for neighbouring sweep seeds.
    std::set<std::uint64_t> seeds;
    for (std::uint64_t p = 0; p < 500; ++p) {
        for (std::uint64_t r = 0; r < 40; ++r) {
            seeds.insert(run_seed(42, p, r));
            seeds.insert(run_seed(43, p, r));
        }
    }
    CHECK(seeds.size() == 2 * 500 * 40);
}

TEST_CASE("a plan gives each run the seed of its point and replicate, in point-major order",
          "[sweep]") {
    const SweepPlan plan(load_sweep_file(sweep_file("grid.yaml")));
    REQUIRE(plan.points() == 4);
    REQUIRE(plan.replicates() == 2);
    REQUIRE(plan.runs() == 8);
    CHECK(plan.run(5).point == 2);
    CHECK(plan.run(5).replicate == 1);
    CHECK(plan.run_index({3, 1}) == 7);
    CHECK(plan.seed({2, 1}) == run_seed(11, 2, 1));
    CHECK(plan.records() == 61); // 60 daily steps and the initial state
}

// ---------------------------------------------------------------------------------------------
// Designs

TEST_CASE("parameter values: uniform, loguniform and whole numbers from the unit interval",
          "[sweep]") {
    ParameterSpec p;
    p.has_range = true;
    p.low = 2;
    p.high = 10;
    CHECK(parameter_value(p, 0.0) == 2);
    CHECK(parameter_value(p, 0.5) == 6);
    CHECK(parameter_value(p, 1.0) == Approx(10.0)); // u is below 1; the value may round to high
    p.distribution = Distribution::loguniform;
    p.low = 1;
    p.high = 100;
    CHECK(parameter_value(p, 0.5) == Approx(10.0));
    CHECK(parameter_value(p, 0.25) == Approx(std::sqrt(10.0)));
    // Integer: [2, 5] from [2, 6) rounded down, each whole number a quarter of the interval.
    p.distribution = Distribution::uniform;
    p.integer = true;
    p.low = 2;
    p.high = 5;
    CHECK(parameter_value(p, 0.0) == 2);
    CHECK(parameter_value(p, 0.2499) == 2);
    CHECK(parameter_value(p, 0.25) == 3);
    CHECK(parameter_value(p, 0.74) == 4);
    CHECK(parameter_value(p, 0.99999) == 5);
}

TEST_CASE("grid values from a range include both ends, and grids vary the last parameter fastest",
          "[sweep]") {
    ParameterSpec a;
    a.has_range = true;
    a.low = 0;
    a.high = 1;
    a.steps = 5;
    CHECK(grid_values(a) == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
    ParameterSpec b = a;
    b.low = 0.001;
    b.high = 1000;
    b.steps = 4;
    b.distribution = Distribution::loguniform;
    const auto log_values = grid_values(b);
    REQUIRE(log_values.size() == 4);
    CHECK(log_values[0] == 0.001);
    CHECK(log_values[1] == Approx(0.1));
    CHECK(log_values[2] == Approx(10.0));
    CHECK(log_values[3] == 1000);

    ParameterSpec x, y;
    x.values = {1, 2};
    y.values = {10, 20, 30};
    const Design d = grid_design({x, y});
    REQUIRE(d.points() == 6);
    CHECK(d.values == std::vector<double>{1, 10, 1, 20, 1, 30, 2, 10, 2, 20, 2, 30});
}

TEST_CASE("a Latin hypercube has one point in each stratum of each parameter", "[sweep]") {
    const int n = 64, dims = 5;
    const std::vector<double> unit = latin_hypercube_unit(n, dims, 17);
    REQUIRE(unit.size() == static_cast<std::size_t>(n * dims));
    for (int j = 0; j < dims; ++j) {
        std::vector<int> strata;
        for (int i = 0; i < n; ++i) {
            const double u = unit[static_cast<std::size_t>(i * dims + j)];
            REQUIRE(u >= 0.0);
            REQUIRE(u < 1.0);
            strata.push_back(static_cast<int>(std::floor(u * n)));
        }
        std::sort(strata.begin(), strata.end());
        for (int k = 0; k < n; ++k) {
            CHECK(strata[static_cast<std::size_t>(k)] == k);
        }
    }
    // The same seed gives the same design, another seed another one; dimensions are not copies.
    CHECK(latin_hypercube_unit(n, dims, 17) == unit);
    CHECK(latin_hypercube_unit(n, dims, 18) != unit);
    CHECK(unit[0] != unit[1]);

    const SweepPlan plan(load_sweep_file(sweep_file("latin_hypercube.yaml")));
    const Design& design = plan.design();
    REQUIRE(design.points() == 8);
    for (int p = 0; p < design.points(); ++p) {
        const double capacity = design.value(p, 0);
        CHECK(capacity == std::floor(capacity)); // integer: true
        CHECK(capacity >= 10);
        CHECK(capacity <= 200);
        CHECK(design.value(p, 1) >= 1);
        CHECK(design.value(p, 1) <= 20);
    }
}

TEST_CASE("the Sobol' sequence matches Joe and Kuo's direction numbers", "[sweep]") {
    // The first points in two dimensions (van der Corput, then m = 1).
    const SobolSequence two(2);
    const std::vector<std::vector<double>> first = {{0, 0},         {0.5, 0.5},     {0.75, 0.25},
                                                    {0.25, 0.75},   {0.375, 0.375}, {0.875, 0.875},
                                                    {0.625, 0.125}, {0.125, 0.625}};
    for (std::size_t i = 0; i < first.size(); ++i) {
        CHECK(two.point(i) == first[i]);
    }
    // Points 1000 and 123456 in all 32 dimensions, from scipy.stats.qmc.Sobol(32,
    // scramble=False) (scipy 1.10, which embeds new-joe-kuo-6.21201); they use every
    // direction number up to bit 17, including the recurrence past each degree.
    const std::vector<double> p1000 = {
        0.2197265625, 0.0966796875, 0.5185546875, 0.6767578125, 0.2802734375, 0.9072265625,
        0.0458984375, 0.8994140625, 0.5009765625, 0.0693359375, 0.0849609375, 0.2548828125,
        0.1611328125, 0.3837890625, 0.1435546875, 0.3701171875, 0.7197265625, 0.3447265625,
        0.9912109375, 0.7255859375, 0.5224609375, 0.5498046875, 0.9501953125, 0.5400390625,
        0.5830078125, 0.9072265625, 0.0400390625, 0.9794921875, 0.0595703125, 0.3408203125,
        0.1474609375, 0.1455078125};
    const std::vector<double> p123456 = {
        0.02649688720703125, 0.18274688720703125, 0.30725860595703125, 0.45030975341796875,
        0.16918182373046875, 0.20325469970703125, 0.7158279418945312,  0.46405792236328125,
        0.7064590454101562,  0.24906158447265625, 0.49910736083984375, 0.7811813354492188,
        0.5519790649414062,  0.28044891357421875, 0.7633438110351562,  0.6613693237304688,
        0.5713119506835938,  0.37165069580078125, 0.8820114135742188,  0.15715789794921875,
        0.11809539794921875, 0.6029281616210938,  0.46646881103515625, 0.49695587158203125,
        0.7451248168945312,  0.5244522094726562,  0.8618545532226562,  0.44878387451171875,
        0.7334213256835938,  0.32524871826171875, 0.6743240356445312,  0.07570648193359375};
    const SobolSequence all(sobol_max_dimensions);
    CHECK(all.point(1000) == p1000);
    CHECK(all.point(123456) == p123456);
    // The first 2^k points of each dimension are the multiples of 2^-k, each once.
    for (int d = 0; d < sobol_max_dimensions; ++d) {
        std::set<double> seen;
        for (std::uint64_t i = 0; i < 64; ++i) {
            seen.insert(all.point(i)[static_cast<std::size_t>(d)] * 64);
        }
        CHECK(seen.size() == 64);
        CHECK(*seen.rbegin() == 63);
    }
    CHECK_THROWS_AS(SobolSequence(sobol_max_dimensions + 1), InputError);
}

TEST_CASE("Saltelli's design: A, B, then A with one column from B, for each parameter", "[sweep]") {
    ParameterSpec p;
    p.has_range = true;
    p.low = 0;
    p.high = 1;
    const int n = 8, d = 3;
    const Design design = sobol_design({p, p, p}, n);
    REQUIRE(design.points() == n * (d + 2));
    const SobolSequence sequence(2 * d);
    for (int row = 0; row < n; ++row) {
        const std::vector<double> x = sequence.point(static_cast<std::uint64_t>(row) + 1);
        for (int j = 0; j < d; ++j) {
            const double a = x[static_cast<std::size_t>(j)];
            const double b = x[static_cast<std::size_t>(d + j)];
            CHECK(design.value(row, j) == a);     // A
            CHECK(design.value(n + row, j) == b); // B
            for (int i = 0; i < d; ++i) {         // A_B^i
                CHECK(design.value((2 + i) * n + row, j) == (i == j ? b : a));
            }
        }
    }
    for (int point = 0; point < design.points(); ++point) {
        CHECK(design.sobol_matrix[static_cast<std::size_t>(point)] == point / n);
        CHECK(design.sobol_row[static_cast<std::size_t>(point)] == point % n);
    }
    CHECK_THROWS_AS(sobol_design(std::vector<ParameterSpec>(17, p), n), InputError);
}

// ---------------------------------------------------------------------------------------------
// The sweep file

TEST_CASE("sweep files are read with their parameters, series and defaults", "[sweep]") {
    const SweepSpec spec = load_sweep_file(sweep_file("grid.yaml"));
    CHECK(spec.mode == Mode::stochastic);
    CHECK(spec.seed == 11);
    CHECK(spec.design == DesignKind::grid);
    CHECK(spec.replicates == 2);
    REQUIRE(spec.parameters.size() == 2);
    CHECK(spec.parameters[0].values == std::vector<double>{10, 30});
    CHECK(spec.parameters[1].values == std::vector<double>{0.005, 0.02});
    CHECK(spec.parameter_locations[1].line == 14);
    REQUIRE(spec.series.size() == 3);
    CHECK(spec.series[1].name == "stocks.imprisoned.SLV");
    CHECK(spec.series[1].country == spec.base.country_index("SLV"));
    CHECK(spec.base.name == "tiny");

    const SweepSpec sobol = load_sweep_file(sweep_file("sobol.yaml"));
    CHECK(sobol.mode == Mode::expected);
    CHECK(sobol.seed == 42); // the base scenario's
    CHECK(sobol.replicates == 1);
    CHECK(sobol.samples == 8);
    CHECK(SweepPlan(sobol).points() == 32);

    // No parameters: an ensemble, one point (the base scenario) replicated.
    const SweepPlan ensemble(load_sweep_file(sweep_file("ensemble.yaml")));
    CHECK(ensemble.points() == 1);
    CHECK(ensemble.runs() == 12);
    CHECK(ensemble.assignments(0).empty());
    CHECK(ensemble.scenario(0).name == "tiny");

    const SweepSpec lhs = load_sweep_file(sweep_file("latin_hypercube.yaml"));
    CHECK(lhs.series.size() == static_cast<std::size_t>(status_count)); // stocks: true
    CHECK(parameter_units("countries.SLV.facilities.slv_prison.capacity") == "persons");
    CHECK(parameter_units("enforcement.USA.arrest_per_day") == "per day");
    CHECK(parameter_units("agreements.usa_slv_prison.fee_per_person_day") == "USD per person-day");
}

TEST_CASE("errors in sweep files point at the line and column", "[sweep]") {
    struct Case {
        std::string file;
        int line;
        int column;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"unknown_key.yaml", 3, 1, "unknown key 'replicate'"},
        {"samples_in_grid.yaml", 3, 1, "`samples` is for latin_hypercube and sobol"},
        {"loguniform_zero.yaml", 6, 13, "a loguniform range needs low > 0"},
        {"bad_series.yaml", 7, 29, "no status 'jailed'"},
        {"unknown_path.yaml", 6, 3, "parameter flight_programmes.us_removal_flight.seats_per_"},
        {"value_out_of_range.yaml", 4, 3, "point 2 (routes.GTM->USA.mortality=1.5)"},
        {"values_in_sobol.yaml", 6, 5, "`values` are for a grid design"},
        {"missing_base.yaml", 1, 7, "no scenario file"},
        {"time_step.yaml", 6, 3, "time.dt_days at point 1 (time.dt_days=2) changes the time"},
    };
    for (const Case& c : cases) {
        INFO(c.file);
        const InputError e = sweep_error(c.file);
        INFO(e.what());
        CHECK(e.where().file.ends_with("malformed/" + c.file));
        CHECK(e.where().line == c.line);
        CHECK(e.where().column == c.column);
        CHECK(std::string(e.what()).find(c.says) != std::string::npos);
    }
}

// ---------------------------------------------------------------------------------------------
// The journal and the runner, in this process

TEST_CASE("a run's record survives the journal, and damaged records are dropped", "[sweep]") {
    TemporaryDirectory dir("journal");
    const SweepPlan plan(load_sweep_file(sweep_file("grid.yaml")));
    JournalManifest manifest;
    manifest.sweep_sha256 = plan.spec().sha256;
    manifest.base_sha256 = plan.spec().base_sha256;
    manifest.points = plan.points();
    manifest.replicates = plan.replicates();
    manifest.metrics = headline_count;
    manifest.series = static_cast<int>(plan.spec().series.size());
    manifest.records = plan.records();
    manifest.created = "2025-02-20T00:00:00Z";
    Journal journal(dir / "out.h5.runs", manifest);
    journal.create();
    CHECK_THROWS_AS(journal.create(), InputError);

    const RunId id{1, 1};
    const RunRecord record = run_one(plan, plan.scenario(1), id);
    journal.write(record);
    const auto back = journal.read(id, plan.seed(id));
    REQUIRE(back.has_value());
    CHECK(back->summary == record.summary);
    CHECK(back->series == record.series);
    CHECK(!journal.read({0, 0}, plan.seed({0, 0})).has_value());
    CHECK(!journal.read(id, plan.seed(id) + 1).has_value()); // another seed: not this run
    const std::vector<char> done = journal.completed(plan);
    CHECK(std::count(done.begin(), done.end(), 1) == 0); // the wrong-seed read removed it

    journal.write(record);
    {
        std::fstream file(journal.run_file(id), std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(60);
        file.put('\x7f'); // one byte of the summary changed
    }
    CHECK(!journal.read(id, plan.seed(id)).has_value());
    CHECK(!fs::exists(journal.run_file(id)));

    // The manifest identifies the sweep: another sweep file is refused.
    JournalManifest other = manifest;
    other.sweep_sha256 = std::string(64, '0');
    Journal wrong(dir / "out.h5.runs", other);
    CHECK_THROWS_WITH(wrong.reopen(true), Catch::Contains("another version of the sweep file"));
    CHECK(Journal(dir / "out.h5.runs", manifest).reopen(true).created == manifest.created);
    {
        const JournalLock lock(dir / "out.h5.runs");
        CHECK_THROWS_WITH(JournalLock(dir / "out.h5.runs"),
                          Catch::Contains("another deportsim sweep is running"));
    }
}

TEST_CASE("a sweep run in this process writes every run's metrics, seed and series", "[sweep]") {
    TemporaryDirectory dir("runner");
    const SweepPlan plan(load_sweep_file(sweep_file("grid.yaml")));
    const Cluster cluster;
    SweepOptions options;
    options.output = dir / "grid.h5";
    options.jobs = 2;
    const SweepReport report = run_sweep(plan, options, cluster);
    CHECK(report.runs == 8);
    CHECK(report.ran == 8);
    CHECK(report.missing == 0);
    CHECK(report.written);
    CHECK(!fs::exists(Journal::directory_for(options.output))); // removed once assembled

    const SweepFileContents file = read_sweep_file(options.output);
    CHECK(file.format == "deportsim-sweep");
    CHECK(file.format_major == 1);
    CHECK(file.header.design == "grid");
    CHECK(file.header.replicates == 2);
    CHECK(file.header.points == plan.design().values);
    CHECK(file.header.metrics.size() == static_cast<std::size_t>(headline_count));
    CHECK(file.header.parameter_units ==
          std::vector<std::string>{parameter_units(plan.spec().parameters[0].path), "per day"});
    CHECK(file.complete == std::vector<std::int8_t>(8, 1));
    REQUIRE(file.time.size() == 61);
    for (int r = 0; r < plan.runs(); ++r) {
        const RunId id = plan.run(r);
        INFO("run " << r);
        CHECK(file.run_seed[static_cast<std::size_t>(r)] == plan.seed(id));
        // The stored metrics and series are what the run gives when run again on its own.
        const RunRecord again = run_one(plan, plan.scenario(id.point), id);
        for (int m = 0; m < headline_count; ++m) {
            const double stored = file.summary[static_cast<std::size_t>(r * headline_count + m)];
            const double fresh = again.summary[static_cast<std::size_t>(m)];
            CHECK((stored == fresh || (std::isnan(stored) && std::isnan(fresh))));
        }
        for (std::size_t k = 0; k < again.series.size(); ++k) {
            const auto begin = file.series[k].begin() + static_cast<std::ptrdiff_t>(r * 61);
            CHECK(std::vector<double>(begin, begin + 61) == again.series[k]);
        }
    }
    // Replicates of a stochastic sweep differ; the detained series starts from the initial 30.
    CHECK(file.summary[0] + file.summary[2] + file.summary[4] !=
          file.summary[headline_count] + file.summary[headline_count + 2] +
              file.summary[headline_count + 4]);
    CHECK(file.series[0][0] == 30);

    SECTION("a journal left behind needs --resume") {
        Journal(Journal::directory_for(options.output),
                JournalManifest{plan.spec().sha256, plan.spec().base_sha256, plan.points(),
                                plan.replicates(), headline_count, 3, plan.records(), "x"})
            .create();
        CHECK_THROWS_WITH(run_sweep(plan, options, cluster), Catch::Contains("pass --resume"));
        options.partial = true;
        const SweepReport partial = run_sweep(plan, options, cluster);
        CHECK(partial.ran == 0);
        CHECK(partial.missing == 8);
        const SweepFileContents empty = read_sweep_file(options.output);
        CHECK(empty.complete == std::vector<std::int8_t>(8, 0));
        CHECK(std::isnan(empty.summary[3]));
        CHECK(fs::exists(Journal::directory_for(options.output))); // kept
        options.partial = false;
        options.resume = true;
        CHECK(run_sweep(plan, options, cluster).ran == 8);
        require_same_sweep_files(options.output, options.output); // reads whole
    }
}

// ---------------------------------------------------------------------------------------------
// The program

TEST_CASE("one thread and two threads (--jobs 1, --jobs 2) write the same file",
          "[sweep][program]") {
    TemporaryDirectory dir("jobs");
    for (const char* jobs : {"1", "2"}) {
        run_program({binary, "sweep", sweep_file("grid.yaml"), "-o",
                     dir / ("jobs" + std::string(jobs) + ".h5"), "--jobs", jobs, "--quiet"},
                    reproducible, dir / "log.txt");
    }
    require_same_sweep_files(dir / "jobs1.h5", dir / "jobs2.h5");
}

TEST_CASE("a sweep killed in the middle and resumed writes the uninterrupted sweep's file",
          "[sweep][program]") {
    TemporaryDirectory dir("resume");
    const std::string sweep = sweep_file("default_ensemble.yaml");
    run_program({binary, "sweep", sweep, "-o", dir / "whole.h5", "--jobs", "2", "--quiet"},
                reproducible, dir / "log.txt");

    // SIGKILL once two runs are in the journal: the runs under way are lost, nothing else.
    const std::string output = dir / "killed.h5";
    const std::string journal = Journal::directory_for(output);
    const pid_t pid = spawn({binary, "sweep", sweep, "-o", output, "--jobs", "1", "--quiet"},
                            reproducible, dir / "log.txt");
    while (journal_runs(journal) < 2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(pid, SIGKILL);
    REQUIRE(wait_for(pid) == 128 + SIGKILL);
    REQUIRE(!fs::exists(output));
    const std::size_t kept = journal_runs(journal);
    INFO("runs in the journal when killed: " << kept);
    REQUIRE(kept >= 2);
    REQUIRE(kept < 6);

    // Without --resume the journal is an error that says what to do.
    const int refused = wait_for(
        spawn({binary, "sweep", sweep, "-o", output, "--quiet"}, reproducible, dir / "refused"));
    CHECK(refused == 2);
    CHECK(read_text(dir / "refused").find("pass --resume") != std::string::npos);

    // SIGINT: the runs under way complete, the sweep stops with status 130.
    const pid_t interrupted =
        spawn({binary, "sweep", sweep, "-o", output, "--jobs", "1", "--resume"}, reproducible,
              dir / "interrupted");
    while (journal_runs(journal) < kept + 1) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(interrupted, SIGINT);
    const int status = wait_for(interrupted);
    INFO(read_text(dir / "interrupted"));
    if (status == 130) { // (0 when the signal came after the last run)
        CHECK(read_text(dir / "interrupted").find("continue with --resume") != std::string::npos);
        CHECK(!fs::exists(output));
    } else {
        CHECK(status == 0);
    }

    if (status != 0) {
        run_program({binary, "sweep", sweep, "-o", output, "--jobs", "2", "--resume", "--quiet"},
                    reproducible, dir / "log.txt");
    }
    CHECK(!fs::exists(journal));
    require_same_sweep_files(dir / "whole.h5", output);
}

#ifdef DEPORTSIM_WITH_MPI
TEST_CASE("mpirun -np 2 writes the file --jobs 1 writes", "[sweep][program][mpi]") {
    TemporaryDirectory dir("mpi");
    run_program({binary, "sweep", sweep_file("grid.yaml"), "-o", dir / "jobs1.h5", "--quiet"},
                reproducible, dir / "log.txt");
    // Two ranks on however many cores (--oversubscribe), as root too (CI containers); the
    // shared-memory transport without single-copy, which containers often forbid.
    std::vector<std::string> env = reproducible;
    env.emplace_back("OMPI_MCA_btl_vader_single_copy_mechanism=none");
    env.emplace_back("ASAN_OPTIONS=detect_leaks=0"); // OpenMPI's own allocations
    run_program({DEPORTSIM_MPIEXEC, "-np", "2", "--oversubscribe", "--allow-run-as-root", binary,
                 "sweep", sweep_file("grid.yaml"), "-o", dir / "mpi.h5", "--quiet"},
                env, dir / "log.txt");
    require_same_sweep_files(dir / "jobs1.h5", dir / "mpi.h5");

    // Resumed under MPI from a journal that holds a part of the runs.
    const SweepPlan plan(load_sweep_file(sweep_file("grid.yaml")));
    const std::string output = dir / "resumed.h5";
    {
        Journal journal(Journal::directory_for(output),
                        JournalManifest{plan.spec().sha256, plan.spec().base_sha256, plan.points(),
                                        plan.replicates(), headline_count, 3, plan.records(),
                                        "2025-02-19T21:20:00Z"});
        journal.create();
        for (int r : {0, 3, 6}) {
            journal.write(run_one(plan, plan.scenario(plan.run(r).point), plan.run(r)));
        }
    }
    run_program({DEPORTSIM_MPIEXEC, "-np", "2", "--oversubscribe", "--allow-run-as-root", binary,
                 "sweep", sweep_file("grid.yaml"), "-o", output, "--resume", "--quiet"},
                env, dir / "log.txt");
    require_same_sweep_files(dir / "jobs1.h5", output);
}
#endif
