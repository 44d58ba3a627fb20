#include "core/record.hpp"

namespace deportsim {

void StepOutputs::resize(const Scenario& scenario) {
    const auto countries = static_cast<Eigen::Index>(scenario.countries.size());
    const auto groups = static_cast<Eigen::Index>(scenario.groups.size());
    const auto programmes = static_cast<Eigen::Index>(scenario.programmes.size());
    const auto agreements = static_cast<Eigen::Index>(scenario.agreements.size());
    const auto facilities = static_cast<Eigen::Index>(scenario.facilities.size());
    stocks = CellArray::Zero(countries * status_count, groups);
    for (auto& flow : flows) {
        flow = CellArray::Zero(countries, groups);
    }
    removals_by_destination = CellArray::Zero(countries, countries);
    programme_flights = Eigen::ArrayXd::Zero(programmes);
    programme_passengers = Eigen::ArrayXd::Zero(programmes);
    programme_cost = Eigen::ArrayXd::Zero(programmes);
    programme_budget_left = Eigen::ArrayXd::Zero(programmes);
    agreement_transfers = Eigen::ArrayXd::Zero(agreements);
    agreement_held = Eigen::ArrayXd::Zero(agreements);
    agreement_fees = Eigen::ArrayXd::Zero(agreements);
    agreement_quota_used = Eigen::ArrayXd::Zero(agreements);
    facility_occupancy = Eigen::ArrayXd::Zero(facilities);
    facility_cost = Eigen::ArrayXd::Zero(facilities);
    deterrence_factor = 1.0;
}

void StepOutputs::clear_flows() {
    for (auto& flow : flows) {
        flow.setZero();
    }
    clear_step_totals();
}

void StepOutputs::clear_step_totals() {
    removals_by_destination.setZero();
    programme_flights.setZero();
    programme_passengers.setZero();
    programme_cost.setZero();
    agreement_transfers.setZero();
    agreement_fees.setZero();
    facility_cost.setZero();
}

} // namespace deportsim
