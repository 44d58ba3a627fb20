#include "sweep/series.hpp"

namespace deportsim::sweep {

SeriesRecorder::SeriesRecorder(std::vector<SeriesRequest> requests)
    : requests_(std::move(requests)) {}

void SeriesRecorder::start(const Scenario& scenario, const RunInfo&) {
    countries_ = static_cast<int>(scenario.countries.size());
    values_.assign(requests_.size(), {});
    for (auto& series : values_) {
        series.reserve(static_cast<std::size_t>(scenario.steps()) + 1);
    }
}

void SeriesRecorder::record(int, const StepOutputs& outputs) {
    for (std::size_t k = 0; k < requests_.size(); ++k) {
        const SeriesRequest& request = requests_[k];
        double value = 0;
        if (request.kind == SeriesRequest::Kind::stock) {
            const auto status = static_cast<Status>(request.index);
            if (request.country >= 0) {
                value = outputs.stocks.row(stock_row(request.country, status)).sum();
            } else {
                for (int c = 0; c < countries_; ++c) {
                    value += outputs.stocks.row(stock_row(c, status)).sum();
                }
            }
        } else {
            const CellArray& flow = outputs.flows[static_cast<std::size_t>(request.index)];
            value = request.country >= 0 ? flow.row(request.country).sum() : flow.sum();
        }
        values_[k].push_back(value);
    }
}

} // namespace deportsim::sweep
