// SeriesRecorder: an Observer that keeps, for one run, the per-step series a sweep asks for
// (stocks or flows summed over groups and over every country or one).
#pragma once

#include "core/record.hpp"
#include "sweep/spec.hpp"

#include <vector>

namespace deportsim::sweep {

class SeriesRecorder final : public Observer {
public:
    explicit SeriesRecorder(std::vector<SeriesRequest> requests);

    void start(const Scenario& scenario, const RunInfo& info) override;
    void record(int step, const StepOutputs& outputs) override;
    void finish() override {}

    // One vector per request, one value per recorded step (step 0 first).
    const std::vector<std::vector<double>>& values() const { return values_; }
    std::vector<std::vector<double>> take() { return std::move(values_); }

private:
    std::vector<SeriesRequest> requests_;
    int countries_ = 0;
    std::vector<std::vector<double>> values_;
};

} // namespace deportsim::sweep
