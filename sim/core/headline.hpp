// Headline metrics of one run, defined once: the numbers a sweep keeps for every run
// (docs/sweep-format.md), that `deportsim info` prints for a run file, and that the Python
// package's headline (analysis/deportsim/headline.py: summary, compare, report) computes under
// the same names, units and descriptions (tests/python/test_headline.py compares the two lists
// and the values on a real run). HeadlineRecorder is an Observer that accumulates them step by
// step from the StepOutputs, so that a sweep needs no run file; read back from a run file, the
// same recorder gives the same numbers (headline_of_run_file, sim/io/run_file.hpp).
//
// Every metric is a sum, a maximum or a final value of a recorded output, taken over the whole
// run including step 0 (the initial state, whose flows and costs are zero).
#pragma once

#include "core/record.hpp"
#include "core/scenario.hpp"

#include <array>
#include <string_view>
#include <vector>

namespace deportsim {

// The metrics, in the order of the `metric` dimension of sweep files.
enum class Headline : int {
    imprisoned_abroad_end = 0,    // stock imprisoned at the last step, all countries and groups
    sheltered_end,                // stock sheltered at the last step
    removals_total,               // removals_by_destination summed over time, senders, destinations
    removals_home,                // removals_total - transfers_third_country
    transfers_third_country,      // agreement_transfers summed
    detention_peak,               // max over time of the detained stock summed over countries
    max_detention_releases_total, // flow max_detention_releases summed
    overflow_releases_total,      // flow overflow_releases summed
    deaths_total,                 // flow deaths summed
    departures_total,             // flow departures summed
    flight_cost_total,            // programme_cost summed
    detention_cost_total,         // facility_cost of detention facilities summed
    fees_total,                   // agreement_fees summed
    cost_per_removal,             // flight_cost_total / removals_total; NaN when undefined
    at_large_end,                 // stock at_large at the last step
};
inline constexpr int headline_count = 15;

struct HeadlineMetric {
    std::string_view name;
    std::string_view units;
    std::string_view description; // the `long_name` in sweep files
};

inline constexpr std::array<HeadlineMetric, headline_count> headline_metrics = {{
    {"imprisoned_abroad_end", "persons",
     "persons imprisoned abroad under agreements at the end of the run"},
    {"sheltered_end", "persons", "persons sheltered abroad under agreements at the end of the run"},
    {"removals_total", "persons",
     "persons removed over the run, every sender and destination (onward repatriations from "
     "shelters included)"},
    {"removals_home", "persons",
     "persons removed to their own country over the run: removals_total minus "
     "transfers_third_country"},
    {"transfers_third_country", "persons", "persons transferred under agreements over the run"},
    {"detention_peak", "persons",
     "largest number detained at the end of a step, all countries together"},
    {"max_detention_releases_total", "persons",
     "persons released after the maximum detention period over the run"},
    {"overflow_releases_total", "persons",
     "persons stopped but released for want of detention beds over the run"},
    {"deaths_total", "persons", "deaths in transit over the run"},
    {"departures_total", "persons", "first departures over the run (re-migration not included)"},
    {"flight_cost_total", "USD", "money spent by flight programmes over the run"},
    {"detention_cost_total", "USD", "occupancy cost of detention facilities over the run"},
    {"fees_total", "USD", "fees paid to receivers under agreements over the run"},
    {"cost_per_removal", "USD per person",
     "flight_cost_total / removals_total; NaN when nothing was removed or there are no "
     "flight programmes"},
    {"at_large_end", "persons", "persons at large at the end of the run"},
}};

inline const HeadlineMetric& headline_metric(Headline h) {
    return headline_metrics[static_cast<std::size_t>(h)];
}

using HeadlineValues = std::array<double, headline_count>;

// What the recorder needs to know of a run besides its outputs.
struct HeadlineLayout {
    int countries = 0;
    bool has_programmes = false;
    std::vector<FacilityKind> facility_kinds; // by facility

    static HeadlineLayout of(const Scenario& scenario);
};

// Accumulates the headline metrics of one run. Reusable: start() resets it.
class HeadlineRecorder final : public Observer {
public:
    void start(const Scenario& scenario, const RunInfo& info) override;
    // start() for outputs that are not a simulation's (a run file read back).
    void begin(const HeadlineLayout& layout);
    void record(int step, const StepOutputs& outputs) override;
    void finish() override;

    bool finished() const { return finished_; }
    // The metrics of the completed run; throws InternalError before finish().
    const HeadlineValues& values() const;
    double operator[](Headline h) const { return values()[static_cast<std::size_t>(h)]; }

private:
    std::vector<char> detention_facility_; // by facility: 1 for a detention facility
    int countries_ = 0;
    bool has_programmes_ = false;
    bool started_ = false;
    bool finished_ = false;
    HeadlineValues values_{};
};

} // namespace deportsim
