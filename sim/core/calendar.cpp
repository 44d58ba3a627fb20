#include "core/calendar.hpp"

#include <cstdio>

namespace deportsim {

// Howard Hinnant's days_from_civil / civil_from_days algorithms (public domain).
Date date_from_ymd(int y, int m, int d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return Date{era * 146097 + static_cast<int>(doe) - 719468};
}

void ymd_from_date(Date date, int& year, int& month, int& day) {
    const int z = date.days + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int y = static_cast<int>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    year = y + (month <= 2);
}

std::optional<Date> parse_iso_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    auto digits = [&](std::size_t from, std::size_t count, int& out) {
        out = 0;
        for (std::size_t i = from; i < from + count; ++i) {
            if (text[i] < '0' || text[i] > '9') {
                return false;
            }
            out = out * 10 + (text[i] - '0');
        }
        return true;
    };
    int y = 0, m = 0, d = 0;
    if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d) || m < 1 || m > 12 || d < 1) {
        return std::nullopt;
    }
    const Date date = date_from_ymd(y, m, d);
    int y2 = 0, m2 = 0, d2 = 0;
    ymd_from_date(date, y2, m2, d2);
    if (y2 != y || m2 != m || d2 != d) {
        return std::nullopt; // 2025-02-30 and the like
    }
    return date;
}

std::string format_iso_date(Date d) {
    int y = 0, m = 0, day = 0;
    ymd_from_date(d, y, m, day);
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", y, m, day);
    return buffer;
}

int month_index(Date d) {
    int y = 0, m = 0, day = 0;
    ymd_from_date(d, y, m, day);
    return y * 12 + m - 1;
}

} // namespace deportsim
