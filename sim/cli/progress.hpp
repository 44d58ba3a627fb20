// A progress line on standard error while a run goes on (only when stderr is a terminal).
#pragma once

#include "core/record.hpp"

#include <chrono>

namespace deportsim::cli {

class ProgressReporter final : public Observer {
public:
    ProgressReporter(int total_steps, bool enabled) : total_(total_steps), enabled_(enabled) {}
    void start(const Scenario& scenario, const RunInfo& info) override;
    void record(int step, const StepOutputs& outputs) override;
    void finish() override;

private:
    int total_;
    bool enabled_;
    const Scenario* scenario_ = nullptr;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_;
};

} // namespace deportsim::cli
