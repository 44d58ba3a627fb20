#include "sweep/runner.hpp"

#include "core/error.hpp"
#include "core/headline.hpp"
#include "core/simulation.hpp"
#include "io/hdf5_handle.hpp"
#include "scenario/load.hpp"
#include "scenario/schema.hpp"
#include "sweep/series.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace deportsim::sweep {

namespace {

using Clock = std::chrono::steady_clock;

JournalManifest manifest_of(const SweepPlan& plan, const std::string& created) {
    JournalManifest m;
    m.sweep_sha256 = plan.spec().sha256;
    m.base_sha256 = plan.spec().base_sha256;
    m.points = plan.points();
    m.replicates = plan.replicates();
    m.metrics = headline_count;
    m.series = static_cast<int>(plan.spec().series.size());
    m.records = plan.records();
    m.created = created;
    return m;
}

std::string run_name(RunId id) {
    return "p" + std::to_string(id.point) + "_r" + std::to_string(id.replicate);
}

// A progress line on stderr, at most five times a second.
class Progress {
public:
    // `label`: "sweep", or under MPI "rank 0 of K" (whose own runs are counted).
    Progress(bool enabled, std::string label, int total, int reused)
        : enabled_(enabled), label_(std::move(label)), total_(total), reused_(reused),
          started_(Clock::now()) {}

    void show(int done, bool last = false) {
        if (!enabled_) {
            return;
        }
        const auto now = Clock::now();
        if (!last && now - shown_ < std::chrono::milliseconds(200)) {
            return;
        }
        shown_ = now;
        const double elapsed = std::chrono::duration<double>(now - started_).count();
        const double rate = elapsed > 0 ? done / elapsed : 0.0;
        const int left = total_ - reused_ - done;
        std::fprintf(stderr, "\r  %s: %d/%d runs", label_.c_str(), reused_ + done, total_);
        if (reused_ > 0) {
            std::fprintf(stderr, " (%d from the journal)", reused_);
        }
        std::fprintf(stderr, "  %.1f runs/min", 60 * rate);
        if (rate > 0 && left > 0) {
            std::fprintf(stderr, "  ~%.0f s left", left / rate);
        }
        std::fprintf(stderr, "   ");
        if (last) {
            std::fprintf(stderr, "\n");
        }
        std::fflush(stderr);
    }

private:
    bool enabled_;
    std::string label_;
    int total_;
    int reused_;
    Clock::time_point started_;
    Clock::time_point shown_{};
};

// Runs `runs` (run indices) on `jobs` threads, writing each to the journal. Returns how many
// completed; rethrows the first failure after the threads have stopped.
int run_on_threads(const SweepPlan& plan, const Journal& journal, const std::vector<int>& runs,
                   const SweepOptions& options, Progress& progress) {
    std::atomic<std::size_t> next{0};
    std::atomic<int> completed{0};
    std::atomic<int> working{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::exception_ptr failure;
    const auto stopping = [&] {
        return failed.load() || (options.stop != nullptr && options.stop->load());
    };
    const auto work = [&] {
        // Consecutive runs are often replicates of one point: its scenario is loaded once.
        int cached_point = -1;
        std::optional<Scenario> scenario;
        while (!stopping()) {
            const std::size_t k = next++;
            if (k >= runs.size()) {
                break;
            }
            const RunId id = plan.run(runs[k]);
            try {
                if (id.point != cached_point) {
                    scenario.reset();
                    scenario = plan.scenario(id.point);
                    cached_point = id.point;
                }
                journal.write(run_one(plan, *scenario, id, options.check_invariants));
                ++completed;
            } catch (const Error& e) {
                const std::lock_guard lock(mutex);
                if (!failure) {
                    const std::string where =
                        "run " + run_name(id) + " (seed " + std::to_string(plan.seed(id)) + "): ";
                    if (dynamic_cast<const InternalError*>(&e) != nullptr) {
                        failure = std::make_exception_ptr(InternalError(where + e.what()));
                    } else {
                        failure = std::current_exception();
                    }
                }
                failed = true;
            } catch (...) {
                const std::lock_guard lock(mutex);
                if (!failure) {
                    failure = std::current_exception();
                }
                failed = true;
            }
        }
        --working;
    };
    const int threads = std::clamp(options.jobs, 1, std::max(1, static_cast<int>(runs.size())));
    working = threads;
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back(work);
        }
        while (working.load() > 0) {
            progress.show(completed.load());
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    return completed.load();
}

} // namespace

RunRecord run_one(const SweepPlan& plan, const Scenario& scenario, RunId id,
                  bool check_invariants) {
    RunInfo info;
    info.mode = plan.spec().mode;
    info.seed = plan.seed(id);
    Simulation simulation(scenario, info);
    simulation.set_check_invariants(check_invariants);
    HeadlineRecorder headline;
    SeriesRecorder series(plan.spec().series);
    simulation.add_observer(headline);
    simulation.add_observer(series);
    simulation.run();
    RunRecord record;
    record.id = id;
    record.seed = info.seed;
    record.summary = headline.values();
    record.series = series.take();
    return record;
}

std::string parameter_units(const std::string& path) {
    const loader::Schema* schema = &loader::scenario_schema();
    std::size_t begin = 0;
    while (begin <= path.size() && schema->shape != loader::Schema::Shape::value) {
        const std::size_t dot = path.find('.', begin);
        const std::string key = path.substr(begin, dot == std::string::npos ? dot : dot - begin);
        if (schema->shape == loader::Schema::Shape::record) {
            const loader::Schema::Field* field = schema->field(key);
            if (field == nullptr) {
                return "1";
            }
            schema = field->schema.get();
        } else {
            schema = schema->entry.get();
        }
        if (dot == std::string::npos) {
            break;
        }
        begin = dot + 1;
    }
    const std::string& expected = schema->expected;
    const std::size_t open = expected.find('(');
    const std::size_t close = expected.find(')', open);
    if (open == std::string::npos || close == std::string::npos) {
        return "1";
    }
    std::string unit = expected.substr(open + 1, close - open - 1);
    if (unit.rfind("money", 0) == 0) {
        unit.replace(0, 5, "USD"); // the currency of every cost in the scenario format
    }
    return unit;
}

SweepFileHeader sweep_header(const SweepPlan& plan, const std::string& created) {
    const SweepSpec& spec = plan.spec();
    SweepFileHeader h;
    h.mode = spec.mode;
    h.seed = spec.seed;
    h.design = std::string(design_names[static_cast<int>(spec.design)]);
    h.samples = spec.samples;
    h.replicates = spec.replicates;
    h.description = spec.description;
    h.scenario_name = spec.base.name;
    h.base_scenario_path = spec.base_path;
    h.base_scenario_yaml = spec.base_text;
    h.base_scenario_sha256 = spec.base_sha256;
    h.sweep_yaml = spec.text;
    h.sweep_sha256 = spec.sha256;
    h.created = created;
    h.start_date = spec.base.start;
    h.dt_days = spec.base.dt_days;
    for (const ParameterSpec& parameter : spec.parameters) {
        h.parameters.push_back(parameter.path);
        h.parameter_units.push_back(parameter_units(parameter.path));
        if (parameter.has_range) {
            h.parameter_distribution.emplace_back(
                distribution_names[static_cast<int>(parameter.distribution)]);
            h.parameter_low.push_back(parameter.low);
            h.parameter_high.push_back(parameter.high);
        } else {
            h.parameter_distribution.emplace_back("values");
            h.parameter_low.push_back(
                *std::min_element(parameter.values.begin(), parameter.values.end()));
            h.parameter_high.push_back(
                *std::max_element(parameter.values.begin(), parameter.values.end()));
        }
        h.parameter_integer.push_back(parameter.integer ? 1 : 0);
    }
    h.point_count = plan.points();
    h.points = plan.design().values;
    h.sobol_matrix = plan.design().sobol_matrix;
    h.sobol_row = plan.design().sobol_row;
    for (const HeadlineMetric& metric : headline_metrics) {
        h.metrics.emplace_back(metric.name);
        h.metric_units.emplace_back(metric.units);
        h.metric_long_names.emplace_back(metric.description);
    }
    h.records = plan.records();
    for (const SeriesRequest& request : spec.series) {
        h.series.push_back(request.name);
        h.series_long_names.push_back(request.long_name);
    }
    return h;
}

void assemble_sweep_file(const SweepPlan& plan, const Journal& journal, const std::string& output,
                         const std::string& created) {
    SweepFileWriter writer(output, sweep_header(plan, created));
    const auto replicates = static_cast<std::size_t>(plan.replicates());
    const auto records = static_cast<std::size_t>(plan.records());
    const std::size_t series = plan.spec().series.size();
    constexpr double missing = std::numeric_limits<double>::quiet_NaN();
    SweepPointResults results;
    for (int p = 0; p < plan.points(); ++p) {
        results.summary.assign(replicates * headline_count, missing);
        results.seeds.assign(replicates, 0);
        results.complete.assign(replicates, 0);
        results.series.assign(series, std::vector<double>(replicates * records, missing));
        for (std::size_t r = 0; r < replicates; ++r) {
            const RunId id{p, static_cast<int>(r)};
            results.seeds[r] = plan.seed(id);
            const std::optional<RunRecord> record = journal.read(id, results.seeds[r]);
            if (!record) {
                continue;
            }
            results.complete[r] = 1;
            std::copy(record->summary.begin(), record->summary.end(),
                      results.summary.begin() + static_cast<std::ptrdiff_t>(r * headline_count));
            for (std::size_t k = 0; k < series; ++k) {
                std::copy(record->series[k].begin(), record->series[k].end(),
                          results.series[k].begin() + static_cast<std::ptrdiff_t>(r * records));
            }
        }
        writer.write_point(results);
    }
    writer.finish();
}

SweepReport run_sweep(const SweepPlan& plan, const SweepOptions& options, const Cluster& cluster) {
    const auto started = Clock::now();
    SweepReport report;
    report.runs = plan.runs();
    report.ranks = cluster.size();

    const auto parent = std::filesystem::path(options.output).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent)) {
        throw InputError("-o " + options.output + ": directory " + parent.string() +
                         " does not exist");
    }
    // Every point must load before anything runs (every rank finds the same first error).
    plan.validate(options.jobs);

    // Rank 0 opens the journal and finds the runs it holds; the other ranks are told.
    const std::string now = hdf5::creation_time();
    Journal journal(Journal::directory_for(options.output), manifest_of(plan, now));
    std::optional<JournalLock> lock;
    std::exception_ptr root_failure;
    std::string message;
    if (cluster.root()) {
        try {
            std::string created = now;
            if (journal.exists()) {
                if (!options.resume && !options.partial) {
                    throw InputError(
                        "the journal " + journal.directory() +
                        " of an earlier, unfinished run of this sweep exists; pass --resume to "
                        "run only the runs it lacks, or delete the directory to start afresh");
                }
                if (!options.partial) {
                    lock.emplace(journal.directory());
                }
                created = journal.reopen(/*clean=*/!options.partial).created;
            } else {
                if (options.partial) {
                    throw InputError("--partial: there is no journal " + journal.directory() +
                                     " to assemble a sweep file from");
                }
                journal.create();
                lock.emplace(journal.directory());
            }
            const std::vector<char> done = journal.completed(plan);
            message = "ok\n" + created + "\n" + std::string(done.begin(), done.end());
        } catch (const InputError& e) {
            root_failure = std::current_exception();
            message = std::string("input\n") + e.what();
        } catch (const std::exception& e) {
            root_failure = std::current_exception();
            message = std::string("error\n") + e.what();
        }
    }
    message = cluster.broadcast(message);
    const std::size_t first_newline = message.find('\n');
    const std::string status = message.substr(0, first_newline);
    if (status != "ok") {
        if (root_failure) {
            std::rethrow_exception(root_failure);
        }
        const std::string text = message.substr(first_newline + 1);
        if (status == "input") {
            throw InputError(text);
        }
        throw Error(text);
    }
    const std::size_t second_newline = message.find('\n', first_newline + 1);
    const std::string created =
        message.substr(first_newline + 1, second_newline - first_newline - 1);
    const std::string done = message.substr(second_newline + 1);

    std::vector<int> todo;
    for (int r = 0; r < plan.runs(); ++r) {
        if (done[static_cast<std::size_t>(r)] == 0) {
            todo.push_back(r);
        }
    }
    report.reused = plan.runs() - static_cast<int>(todo.size());
    // Round-robin over the runs still to do.
    std::vector<int> mine;
    for (std::size_t k = static_cast<std::size_t>(cluster.rank()); k < todo.size();
         k += static_cast<std::size_t>(cluster.size())) {
        mine.push_back(todo[k]);
    }

    int ran = 0;
    std::exception_ptr failure;
    if (!options.partial) {
        Progress progress = cluster.size() == 1
                                ? Progress(options.progress, "sweep", plan.runs(), report.reused)
                                : Progress(options.progress && cluster.root(),
                                           "rank 0 of " + std::to_string(cluster.size()),
                                           static_cast<int>(mine.size()), 0);
        try {
            ran = run_on_threads(plan, journal, mine, options, progress);
        } catch (...) {
            failure = std::current_exception();
        }
        progress.show(ran, /*last=*/true);
    }
    report.ran = static_cast<int>(cluster.sum(ran));
    if (cluster.max(failure ? 1 : 0) != 0) {
        if (failure) {
            std::rethrow_exception(failure);
        }
        throw RankFailed("another rank of the sweep failed (its message is above)");
    }

    // Every rank has written its runs: rank 0 assembles the file.
    cluster.barrier();
    int missing = 0;
    if (cluster.root()) {
        for (const char complete : journal.completed(plan)) {
            missing += complete ? 0 : 1;
        }
        if (missing == 0 || options.partial) {
            const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
            assemble_sweep_file(plan, journal, options.output,
                                epoch != nullptr ? hdf5::creation_time() : created);
            report.written = true;
            if (missing == 0 && !options.partial) {
                lock.reset();
                journal.remove();
            }
        }
    }
    report.missing = static_cast<int>(cluster.sum(missing));
    report.written = cluster.max(report.written ? 1 : 0) != 0;
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

} // namespace deportsim::sweep
