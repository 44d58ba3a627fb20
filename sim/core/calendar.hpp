// Calendar dates for scenario time: ISO 8601 (YYYY-MM-DD) in the proleptic Gregorian calendar.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deportsim {

// A calendar day, stored as days since 1970-01-01.
struct Date {
    int days = 0;
    auto operator<=>(const Date&) const = default;
};

Date date_from_ymd(int year, int month, int day);
void ymd_from_date(Date d, int& year, int& month, int& day);
std::optional<Date> parse_iso_date(std::string_view text); // nullopt when not a valid date
std::string format_iso_date(Date d);
// Calendar month index (year * 12 + month - 1), used for monthly quotas and caps.
int month_index(Date d);

// The last representable date, used for open-ended windows.
inline constexpr Date far_future{1000000};

} // namespace deportsim
