// Enumerations shared by every part of the engine, with their names as they appear in scenario
// files and output files.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace deportsim {

// Where a person stands. Labels are fixed by the model (docs/model.md).
enum class Status : int {
    in_transit = 0,
    at_large,
    detained,
    imprisoned,
    sheltered,
    returned,
    settled,
    dead_or_missing,
};
inline constexpr int status_count = 8;
inline constexpr std::array<std::string_view, status_count> status_names = {
    "in_transit", "at_large", "detained", "imprisoned",
    "sheltered",  "returned", "settled",  "dead_or_missing"};

enum class FacilityKind : int { detention = 0, prison, shelter };
inline constexpr std::array<std::string_view, 3> facility_kind_names = {"detention", "prison",
                                                                        "shelter"};

enum class Disposition : int { imprison = 0, shelter, release };
inline constexpr std::array<std::string_view, 3> disposition_names = {"imprison", "shelter",
                                                                      "release"};

enum class ReturnPolicy : int { accept = 0, refuse, cap };
inline constexpr std::array<std::string_view, 3> return_policy_names = {"accept", "refuse", "cap"};

enum class DeterrenceKind : int { none = 0, series, signal };
inline constexpr std::array<std::string_view, 3> deterrence_kind_names = {"none", "series",
                                                                          "signal"};

enum class Mode : int { expected = 0, stochastic, agents };
inline constexpr std::array<std::string_view, 3> mode_names = {"expected", "stochastic", "agents"};

// The per-step flows recorded by country (where the event happens) and group.
enum class Flow : int {
    departures = 0,         // people entering the system (origin country)
    remigrations,           // returned people leaving again (origin country)
    deaths,                 // deaths in transit (country the route leaves)
    interdictions,          // people in transit stopped by this country
    apprehensions,          // stopped at this country's border on arrival
    arrests,                // interior arrests of at_large people
    detention_intake,       // admitted to detention within beds
    overflow_releases,      // stopped but released for want of beds
    max_detention_releases, // released after the maximum detention period
    removals,               // removed by this country (sender), any destination
    returns_received,       // own nationals received back (country of nationality)
    transfers_received,     // third-country deportees received under agreements (receiver)
    onward_returns,         // sheltered people repatriated onward from this country
    prison_releases,        // released from a prison under an agreement (home or at large)
    settlements,            // granted asylum or status
    absconded,              // left a shelter irregularly
    arrivals,               // reached their destination's border (before apprehension)
    permit_releases,        // released from a shelter with a permit
};
inline constexpr int flow_count = 18;
inline constexpr std::array<std::string_view, flow_count> flow_names = {
    "departures",       "remigrations",      "deaths",
    "interdictions",    "apprehensions",     "arrests",
    "detention_intake", "overflow_releases", "max_detention_releases",
    "removals",         "returns_received",  "transfers_received",
    "onward_returns",   "prison_releases",   "settlements",
    "absconded",        "arrivals",          "permit_releases"};
// Descriptions (the `long_name` of each flow variable in run files).
inline constexpr std::array<std::string_view, flow_count> flow_descriptions = {
    "people entering the system at their origin (first departures)",
    "returned people leaving their country again",
    "deaths in transit, in the country the route leaves",
    "people in transit stopped by this country",
    "people stopped at this country's border on arrival",
    "interior arrests of people at large",
    "people admitted to detention within its beds",
    "people stopped but released at large for want of beds",
    "people released after the maximum detention period",
    "people removed by this country, any destination",
    "own nationals received back",
    "third-country deportees received under agreements",
    "sheltered people repatriated onward from this country",
    "people released from an agreement's prison (home when their country takes them back, "
    "else at large in the receiver)",
    "people granted asylum or status",
    "people who left a shelter irregularly",
    "people reaching their destination's border",
    "people released from a shelter with a permit"};

// Looks a name up in one of the arrays above; nullopt when absent.
template <class Enum, std::size_t N>
std::optional<Enum> enum_from_name(const std::array<std::string_view, N>& names,
                                   std::string_view name) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == name) {
            return static_cast<Enum>(i);
        }
    }
    return std::nullopt;
}

template <class Enum, std::size_t N>
std::string_view enum_name(const std::array<std::string_view, N>& names, Enum e) {
    return names[static_cast<std::size_t>(e)];
}

} // namespace deportsim
