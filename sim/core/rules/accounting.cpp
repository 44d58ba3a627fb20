#include "core/rules/accounting.hpp"

#include "core/error.hpp"

#include <cmath>
#include <sstream>

namespace deportsim::rules {

void account_facilities_and_money(const Scenario& now, int step,
                                  const std::function<double(int)>& detained,
                                  const std::function<double(int)>& held,
                                  const RemovalLedger& ledger, StepOutputs& out) {
    const double dt = now.dt_days;
    out.facility_occupancy.setZero();
    for (int c = 0; c < static_cast<int>(now.countries.size()); ++c) {
        const int f = now.detention_facility(c);
        if (f >= 0) {
            out.facility_occupancy[f] = detained(c);
        }
    }
    for (std::size_t a = 0; a < now.agreements.size(); ++a) {
        const double held_here = held(static_cast<int>(a));
        out.agreement_held[a] = held_here;
        if (now.agreements[a].facility >= 0) {
            out.facility_occupancy[now.agreements[a].facility] += held_here;
        }
        out.agreement_fees[a] =
            step > 0 ? held_here * now.agreements[a].fee_per_person_day * dt : 0.0;
    }
    for (std::size_t f = 0; f < now.facilities.size(); ++f) {
        out.facility_cost[f] =
            step > 0 ? out.facility_occupancy[f] * now.facilities[f].cost_per_person_day * dt : 0.0;
    }
    ledger.record_budgets(now, out);
}

void fail_invariant(const Scenario& now, int step, const std::string& label,
                    const std::string& what) {
    std::ostringstream message;
    message << "invariant failed at step " << step << " ("
            << format_iso_date(now.date_of_step(step)) << "), " << label << what;
    throw InternalError(message.str());
}

void check_invariants(const Scenario& now, int step, const StepOutputs& out,
                      const RemovalLedger& ledger, double total, double expected,
                      const CheckTolerance& tolerance, const std::string& label) {
    const auto fail = [&](const std::string& what) { fail_invariant(now, step, label, what); };
    if (std::abs(total - expected) > tolerance.conservation) {
        std::ostringstream message;
        message.precision(17);
        message << "persons not conserved: " << total << " in the stocks, " << expected
                << " = initial + departures";
        fail(message.str());
    }
    for (Eigen::Index row = 0; row < out.stocks.rows(); ++row) {
        for (Eigen::Index g = 0; g < out.stocks.cols(); ++g) {
            if (out.stocks(row, g) < tolerance.negative) {
                std::ostringstream message;
                message << "negative stock " << out.stocks(row, g) << " of " << now.groups[g].id
                        << " in " << now.countries[row / status_count].code << " "
                        << status_names[row % status_count];
                fail(message.str());
            }
        }
    }
    for (std::size_t f = 0; f < now.facilities.size(); ++f) {
        if (out.facility_occupancy[f] > now.facilities[f].capacity * (1 + 1e-9) + 1e-9) {
            std::ostringstream message;
            message << "facility " << now.facilities[f].id << " holds " << out.facility_occupancy[f]
                    << " persons, capacity " << now.facilities[f].capacity;
            fail(message.str());
        }
    }
    ledger.check(now, step, out, fail);
}

} // namespace deportsim::rules
