#include "io/run_variables.hpp"

#include "core/error.hpp"
#include "core/types.hpp"

namespace deportsim {

namespace {

std::vector<RunVariable> make_registry() {
    using D = std::vector<std::string>;
    std::vector<RunVariable> v = {
        {"", "stocks", D{"time", "country", "status", "group"}, "persons",
         "persons by country, status and group at the end of the step"},
        {"", "removals_by_destination", D{"time", "country", "destination"}, "persons",
         "persons removed in the step by the sending country to the destination"},
        {"", "deterrence_factor", D{"time"}, "1",
         "multiplier on departures and re-migration in the step"},
        {"", "programme_flights", D{"time", "programme"}, "flights", "flights flown in the step"},
        {"", "programme_passengers", D{"time", "programme"}, "persons",
         "persons carried in the step"},
        {"", "programme_cost", D{"time", "programme"}, "USD", "money spent in the step"},
        {"", "programme_budget_left", D{"time", "programme"}, "USD",
         "budget left after the step (inf: no budget limit)"},
        {"", "agreement_transfers", D{"time", "agreement"}, "persons",
         "persons received under the agreement in the step"},
        {"", "agreement_held", D{"time", "agreement"}, "persons",
         "persons held under the agreement at the end of the step"},
        {"", "agreement_fees", D{"time", "agreement"}, "USD",
         "fees paid by the sender under the agreement in the step"},
        {"", "agreement_quota_used", D{"time", "agreement"}, "persons",
         "persons received under the agreement since the start"},
        {"", "facility_occupancy", D{"time", "facility"}, "persons",
         "persons in the facility at the end of the step"},
        {"", "facility_cost", D{"time", "facility"}, "USD", "occupancy cost in the step"},
    };
    for (std::size_t f = 0; f < flow_names.size(); ++f) {
        v.push_back({"flows", std::string(flow_names[f]), D{"time", "country", "group"}, "persons",
                     std::string(flow_descriptions[f])});
    }
    const std::vector<RunVariable> parameters = {
        {"", "facility_capacity", D{"time", "facility"}, "persons",
         "places in the facility in force in the step"},
        {"", "facility_cost_per_person_day", D{"time", "facility"}, "USD per person-day",
         "cost of one occupied place for one day"},
        {"", "programme_seats_scheduled", D{"time", "programme"}, "seats",
         "seats on the flights scheduled in the step inside the programme's window (scheduled "
         "flights x seats_per_flight), before the budget limits them"},
        {"", "programme_seats_per_flight", D{"time", "programme"}, "seats",
         "seats on one flight of the programme"},
        {"", "programme_flights_per_week", D{"time", "programme"}, "flights per week",
         "flights the programme schedules per week"},
        {"", "programme_cost_per_flight", D{"time", "programme"}, "USD",
         "cost of one flight of the programme"},
        {"", "programme_budget", D{"time", "programme"}, "USD",
         "total funding of the programme (inf: no budget limit)"},
        {"", "programme_in_window", D{"time", "programme"}, "1",
         "1 when the step's date is inside the programme's window [start, end), else 0"},
        {"", "agreement_in_force", D{"time", "agreement"}, "1",
         "1 when the step's date is inside the agreement's window [start, end), else 0"},
        {"", "agreement_eligible", D{"time", "agreement", "group"}, "1",
         "1 when the group may be sent under the agreement (nationality and profile), else 0"},
        {"", "agreement_preferred", D{"time", "agreement", "group"}, "1",
         "1 when the group's profile is sent under the agreement even when its own country "
         "takes it back, else 0"},
        {"", "agreement_priority", D{"time", "agreement"}, "1",
         "order in which the sender tries its agreements: lower first"},
        {"", "agreement_monthly_quota", D{"time", "agreement"}, "persons per month",
         "persons the receiver takes per calendar month (inf: no quota)"},
        {"", "agreement_total_quota", D{"time", "agreement"}, "persons",
         "persons the receiver takes in all (inf: no quota)"},
        {"", "agreement_fee_per_person_day", D{"time", "agreement"}, "USD per person-day",
         "fee the sender pays for each person held under the agreement for one day"},
        {"", "agreement_release_per_day", D{"time", "agreement"}, "per day",
         "rate at which people held in the agreement's prison are released"},
        {"", "agreement_onward_return_per_day", D{"time", "agreement"}, "per day",
         "rate at which sheltered people become ready for onward repatriation"},
        {"", "agreement_asylum_per_day", D{"time", "agreement"}, "per day",
         "rate at which sheltered people are granted asylum or status"},
        {"", "agreement_permit_per_day", D{"time", "agreement"}, "per day",
         "rate at which sheltered people are released with a permit"},
        {"", "agreement_abscond_per_day", D{"time", "agreement"}, "per day",
         "rate at which sheltered people leave the shelter irregularly"},
        {"", "return_policy", D{"time", "country"}, "1",
         "whether the country takes back its own nationals: 0 accept, 1 refuse, 2 cap"},
        {"", "return_monthly_cap", D{"time", "country"}, "persons per month",
         "own nationals the country takes back per calendar month (inf: accept without cap, 0: "
         "refuse)"},
        {"", "enforcement_interdiction_per_day", D{"time", "country", "profile"}, "per day",
         "hazard of interdiction for people in transit in the country"},
        {"", "enforcement_border_apprehension_probability", D{"time", "country"}, "1",
         "probability of apprehension on arrival at the country's border"},
        {"", "enforcement_arrest_per_day", D{"time", "country"}, "per day",
         "hazard of interior arrest for people at large in the country"},
        {"", "enforcement_priority", D{"time", "country", "profile"}, "1",
         "multiplier on arrests; orders detention intake"},
        {"", "enforcement_processing_mean_days", D{"time", "country"}, "d",
         "mean time from detention intake to removable"},
        {"", "enforcement_max_detention_days", D{"time", "country"}, "d",
         "maximum detention period (inf: none)"},
        {"", "enforcement_max_detention_exempt", D{"time", "country", "profile"}, "1",
         "1 when the profile is never released for the time held, else 0"},
        {"", "route_mortality", D{"time", "route"}, "1", "probability of death per traversal"},
        {"", "route_weight", D{"time", "route"}, "1",
         "choice weight among the admissible outgoing routes"},
        {"", "departure_persons_per_day", D{"time", "group"}, "persons per day",
         "first departures of the group per day: persons_per_day times its dated multiplier (0 "
         "without a departure stream)"},
        {"", "remigration_per_day", D{"time", "profile"}, "per day",
         "rate at which returned people of the profile leave again"},
        {"", "deterrence_elasticity", D{"time"}, "1",
         "elasticity of the deterrence signal (0 unless deterrence is a signal)"},
        {"", "deterrence_reference", D{"time"}, "1",
         "reference of the deterrence signal: factor = (1 + signal / reference)^-elasticity"},
    };
    for (RunVariable p : parameters) {
        p.group = "parameters";
        p.since_minor = 1;
        v.push_back(std::move(p));
    }
    return v;
}

} // namespace

const std::vector<RunVariable>& run_variables() {
    static const std::vector<RunVariable> registry = make_registry();
    return registry;
}

const RunVariable& run_variable(std::string_view path) {
    for (const RunVariable& variable : run_variables()) {
        if (variable.path() == path) {
            return variable;
        }
    }
    throw InternalError("run file: no variable " + std::string(path) + " in the registry");
}

} // namespace deportsim
