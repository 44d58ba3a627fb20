#include "cli/progress.hpp"

#include <cstdio>

namespace deportsim::cli {

void ProgressReporter::start(const Scenario& scenario, const RunInfo&) {
    scenario_ = &scenario;
    started_ = last_ = std::chrono::steady_clock::now();
}

void ProgressReporter::record(int step, const StepOutputs&) {
    if (!enabled_ || total_ <= 0) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (step != total_ && now - last_ < std::chrono::milliseconds(200)) {
        return;
    }
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    const double fraction = static_cast<double>(step) / total_;
    const double left = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0;
    std::fprintf(stderr, "\r  step %d/%d  %s  %3.0f%%  %.1f s elapsed, ~%.1f s left   ", step,
                 total_, format_iso_date(scenario_->date_of_step(step)).c_str(), 100 * fraction,
                 elapsed, left);
    std::fflush(stderr);
}

void ProgressReporter::finish() {
    if (enabled_) {
        std::fprintf(stderr, "\n");
    }
}

} // namespace deportsim::cli
