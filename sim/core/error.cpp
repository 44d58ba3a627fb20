#include "core/error.hpp"

#include <sstream>

namespace deportsim {

std::string format_located(const SourceLocation& where, const std::string& message) {
    std::ostringstream out;
    if (!where.file.empty()) {
        out << where.file;
        if (where.line > 0) {
            out << ':' << where.line << ':' << where.column;
        }
        out << ": ";
    }
    out << "error: " << message;
    if (where.line > 0 && !where.line_text.empty()) {
        out << "\n  " << where.line_text << "\n  ";
        for (int i = 1; i < where.column; ++i) {
            const auto at = static_cast<std::size_t>(i - 1);
            out << (at < where.line_text.size() && where.line_text[at] == '\t' ? '\t' : ' ');
        }
        out << '^';
    }
    return out.str();
}

InputError::InputError(const std::string& message)
    : Error("error: " + message), message_(message) {}

InputError::InputError(const SourceLocation& where, const std::string& message)
    : Error(format_located(where, message)), where_(where), message_(message) {}

} // namespace deportsim
