#include "core/headline.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace deportsim {

namespace {

constexpr std::size_t at(Headline h) {
    return static_cast<std::size_t>(h);
}

double stock_total(const StepOutputs& outputs, int countries, Status status) {
    double total = 0;
    for (int c = 0; c < countries; ++c) {
        total += outputs.stocks.row(stock_row(c, status)).sum();
    }
    return total;
}

double flow_total(const StepOutputs& outputs, Flow flow) {
    return outputs.flows[static_cast<std::size_t>(flow)].sum();
}

} // namespace

HeadlineLayout HeadlineLayout::of(const Scenario& scenario) {
    HeadlineLayout layout;
    layout.countries = static_cast<int>(scenario.countries.size());
    layout.has_programmes = !scenario.programmes.empty();
    for (const auto& facility : scenario.facilities) {
        layout.facility_kinds.push_back(facility.kind);
    }
    return layout;
}

void HeadlineRecorder::start(const Scenario& scenario, const RunInfo&) {
    begin(HeadlineLayout::of(scenario));
}

void HeadlineRecorder::begin(const HeadlineLayout& layout) {
    countries_ = layout.countries;
    has_programmes_ = layout.has_programmes;
    detention_facility_.assign(layout.facility_kinds.size(), 0);
    for (std::size_t f = 0; f < layout.facility_kinds.size(); ++f) {
        detention_facility_[f] = layout.facility_kinds[f] == FacilityKind::detention ? 1 : 0;
    }
    values_.fill(0.0);
    values_[at(Headline::cost_per_removal)] = std::numeric_limits<double>::quiet_NaN();
    started_ = true;
    finished_ = false;
}

void HeadlineRecorder::record(int, const StepOutputs& outputs) {
    if (!started_ || finished_) {
        throw InternalError("HeadlineRecorder::record called outside start() ... finish()");
    }
    if (static_cast<std::size_t>(outputs.facility_cost.size()) != detention_facility_.size()) {
        throw InternalError("HeadlineRecorder::record: outputs do not have the scenario's "
                            "facilities");
    }
    auto& v = values_;
    // Final values: overwritten at every step, so the last step's remain.
    v[at(Headline::imprisoned_abroad_end)] = stock_total(outputs, countries_, Status::imprisoned);
    v[at(Headline::sheltered_end)] = stock_total(outputs, countries_, Status::sheltered);
    v[at(Headline::at_large_end)] = stock_total(outputs, countries_, Status::at_large);
    // Maxima.
    v[at(Headline::detention_peak)] = std::max(v[at(Headline::detention_peak)],
                                               stock_total(outputs, countries_, Status::detained));
    // Sums.
    v[at(Headline::removals_total)] += outputs.removals_by_destination.sum();
    v[at(Headline::transfers_third_country)] += outputs.agreement_transfers.sum();
    v[at(Headline::max_detention_releases_total)] +=
        flow_total(outputs, Flow::max_detention_releases);
    v[at(Headline::overflow_releases_total)] += flow_total(outputs, Flow::overflow_releases);
    v[at(Headline::deaths_total)] += flow_total(outputs, Flow::deaths);
    v[at(Headline::departures_total)] += flow_total(outputs, Flow::departures);
    v[at(Headline::flight_cost_total)] += outputs.programme_cost.sum();
    v[at(Headline::fees_total)] += outputs.agreement_fees.sum();
    double detention_cost = 0;
    for (std::size_t f = 0; f < detention_facility_.size(); ++f) {
        if (detention_facility_[f]) {
            detention_cost += outputs.facility_cost[static_cast<Eigen::Index>(f)];
        }
    }
    v[at(Headline::detention_cost_total)] += detention_cost;
}

void HeadlineRecorder::finish() {
    if (!started_ || finished_) {
        throw InternalError("HeadlineRecorder::finish called without start() or twice");
    }
    auto& v = values_;
    v[at(Headline::removals_home)] =
        v[at(Headline::removals_total)] - v[at(Headline::transfers_third_country)];
    const double removals = v[at(Headline::removals_total)];
    v[at(Headline::cost_per_removal)] = has_programmes_ && removals > 0
                                            ? v[at(Headline::flight_cost_total)] / removals
                                            : std::numeric_limits<double>::quiet_NaN();
    finished_ = true;
}

const HeadlineValues& HeadlineRecorder::values() const {
    if (!finished_) {
        throw InternalError("HeadlineRecorder::values: the run has not finished");
    }
    return values_;
}

} // namespace deportsim
