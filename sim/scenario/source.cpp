#include "scenario/source.hpp"

#include <charconv>
#include <cmath>

namespace deportsim::loader {

// ---------------------------------------------------------------------------------------------
// Items

Item Item::child(const YAML::Node& key_node, const YAML::Node& value) const {
    const std::string name = key_node.IsScalar() ? key_node.Scalar() : std::string("?");
    return Item{value, key_node, path.empty() ? name : path + "." + name};
}

Item Item::element(std::size_t index, const YAML::Node& value) const {
    return Item{value, std::nullopt, path + "[" + std::to_string(index) + "]"};
}

std::optional<Item> Item::find(std::string_view wanted) const {
    if (!node.IsMap()) {
        return std::nullopt;
    }
    for (const auto& entry : node) {
        if (entry.first.IsScalar() && entry.first.Scalar() == wanted) {
            return child(entry.first, entry.second);
        }
    }
    return std::nullopt;
}

std::vector<Item> Item::entries() const {
    std::vector<Item> out;
    if (node.IsMap()) {
        for (const auto& entry : node) {
            out.push_back(child(entry.first, entry.second));
        }
    }
    return out;
}

std::vector<Item> Item::elements() const {
    std::vector<Item> out;
    if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            out.push_back(element(i, node[i]));
        }
    }
    return out;
}

std::string Item::key_text() const {
    return key && key->IsScalar() ? key->Scalar() : std::string();
}

std::string Item::in_text() const {
    return path.empty() ? std::string("at the top level") : "in " + path;
}

Item root_item(const YAML::Node& root) {
    return Item{root, std::nullopt, ""};
}

// ---------------------------------------------------------------------------------------------
// Source

namespace {

std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string line(text.substr(begin, end - begin));
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        lines.push_back(std::move(line));
        begin = end + 1;
    }
    return lines;
}

} // namespace

Source::Source(std::string file_name, std::string_view text, const OverrideTrace* trace)
    : trace_(trace) {
    files_.push_back(File{std::move(file_name), lines_of(text)});
}

std::size_t Source::add_file(std::string file_name, std::string_view text) {
    files_.push_back(File{std::move(file_name), lines_of(text)});
    return files_.size() - 1;
}

void Source::claim(const YAML::Node& tree, std::size_t file) {
    claims_.push_back(Claim{tree, file});
    if (tree.IsMap()) {
        for (const auto& entry : tree) {
            claim(entry.first, file);
            claim(entry.second, file);
        }
    } else if (tree.IsSequence()) {
        for (const auto& element : tree) {
            claim(element, file);
        }
    }
}

std::vector<std::string> Source::file_names() const {
    std::vector<std::string> names;
    for (const File& f : files_) {
        names.push_back(f.name);
    }
    return names;
}

std::size_t Source::file_of(const YAML::Node& node) const {
    if (node.IsDefined()) {
        for (const Claim& c : claims_) {
            if (c.node.is(node)) {
                return c.file;
            }
        }
    }
    return 0;
}

std::string Source::line_text(std::size_t file, int line) const {
    const std::vector<std::string>& lines = files_.at(file).lines;
    if (line < 1 || static_cast<std::size_t>(line) > lines.size()) {
        return {};
    }
    return lines[static_cast<std::size_t>(line - 1)];
}

SourceLocation Source::locate(const YAML::Node& node) const {
    if (trace_ != nullptr) {
        if (const auto found = trace_->find(node)) {
            return OverrideTrace::locate(*found);
        }
    }
    const std::size_t file = file_of(node);
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) {
        return SourceLocation{files_[file].name, 0, 0, ""};
    }
    return SourceLocation{files_[file].name, mark.line + 1, mark.column + 1,
                          line_text(file, mark.line + 1)};
}

std::string Source::origin_label(const YAML::Node& node) const {
    if (trace_ != nullptr) {
        if (const auto found = trace_->find(node)) {
            return found->origin->label;
        }
    }
    return {};
}

void Source::fail(const YAML::Node& at, const std::string& message) const {
    const std::string label = origin_label(at);
    const std::string& prefix = label.empty() ? context_ : label;
    throw InputError(locate(at), prefix.empty() ? message : prefix + ": " + message);
}

void Source::fail_at_value(const Item& item, const std::string& message) const {
    // YAML puts an empty value's mark on the next line; its key is where the reader looks.
    const bool empty_value = !item.node.IsDefined() || item.node.IsNull();
    const bool from_assignment = trace_ != nullptr && trace_->find(item.node).has_value();
    if (empty_value && !from_assignment && item.key) {
        fail(*item.key, message);
    }
    fail(item.node, message);
}

void Source::fail_at_key(const Item& item, const std::string& message) const {
    if (item.key) {
        fail(*item.key, message);
    }
    fail(item.node, message);
}

// ---------------------------------------------------------------------------------------------
// Ranges

bool Range::contains(double x) const {
    if (std::isnan(x)) {
        return false;
    }
    if (std::isinf(x)) {
        return infinity_allowed && x > 0;
    }
    const bool above = low_open ? x > low : x >= low;
    const bool below = high_open ? x < high : x <= high;
    return above && below;
}

std::string Range::text() const {
    std::string out;
    if (std::isinf(high)) {
        out = std::string("a number ") + (low_open ? "> " : ">= ") + number_text(low);
    } else {
        out = "a number in " + std::string(low_open ? "(" : "[") + number_text(low) + ", " +
              number_text(high) + (high_open ? ")" : "]");
    }
    if (!unit.empty()) {
        out += " (" + unit + ")";
    }
    if (infinity_allowed) {
        out += ", or .inf for unlimited";
    }
    return out;
}

Range rate_per_day() {
    return Range{0.0, std::numeric_limits<double>::infinity(), false, false, false, "per day"};
}
Range probability() {
    return Range{0.0, 1.0, false, false, false, "probability"};
}
Range positive_days() {
    return Range{0.0, std::numeric_limits<double>::infinity(), true, false, false, "days"};
}
Range persons_or_unlimited() {
    return Range{0.0, std::numeric_limits<double>::infinity(), false, false, true, "persons"};
}
Range money() {
    return Range{0.0, std::numeric_limits<double>::infinity(), false, false, false, "money"};
}
Range money_or_unlimited() {
    return Range{0.0, std::numeric_limits<double>::infinity(), false, false, true, "money"};
}
Range multiplier() {
    return Range{0.0, std::numeric_limits<double>::infinity(), false, false, false, "multiplier"};
}

// ---------------------------------------------------------------------------------------------
// Scalars

bool is_quoted(const YAML::Node& node) {
    // The parser tags plain scalars "?", quoted ones "!"; nodes made in code have no tag.
    return node.IsScalar() && !node.Tag().empty() && node.Tag() != "?";
}

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// YAML 1.2 core schema float syntax: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ([eE][-+]?[0-9]+)?
bool is_core_number(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        ++i;
    }
    std::size_t mantissa_digits = 0;
    while (i < s.size() && is_digit(s[i])) {
        ++i;
        ++mantissa_digits;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
            ++mantissa_digits;
        }
    }
    if (mantissa_digits == 0) {
        return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            ++i;
        }
        std::size_t exponent_digits = 0;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
            ++exponent_digits;
        }
        if (exponent_digits == 0) {
            return false;
        }
    }
    return i == s.size();
}

} // namespace

std::optional<double> plain_number(const YAML::Node& node) {
    if (!node.IsScalar() || is_quoted(node)) {
        return std::nullopt;
    }
    return number_from_text(node.Scalar());
}

std::optional<double> number_from_text(std::string_view s) {
    if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
        return std::numeric_limits<double>::infinity();
    }
    if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
        return -std::numeric_limits<double>::infinity();
    }
    if (!is_core_number(s)) {
        return std::nullopt;
    }
    if (s.front() == '+') {
        s.remove_prefix(1);
    }
    double value = 0.0;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (error != std::errc() || end != s.data() + s.size()) {
        return std::nullopt; // out of the range of double, among others
    }
    return value;
}

std::optional<std::int64_t> plain_integer(const YAML::Node& node) {
    if (!node.IsScalar() || is_quoted(node)) {
        return std::nullopt;
    }
    std::string_view s = node.Scalar();
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
    }
    const std::size_t first_digit = !s.empty() && s.front() == '-' ? 1 : 0;
    if (s.size() == first_digit) {
        return std::nullopt;
    }
    for (std::size_t i = first_digit; i < s.size(); ++i) {
        if (!is_digit(s[i])) {
            return std::nullopt;
        }
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (error != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<Date> date_value(const YAML::Node& node) {
    if (!node.IsScalar()) {
        return std::nullopt;
    }
    return parse_iso_date(node.Scalar());
}

std::string describe(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) {
        return "nothing (an empty value)";
    }
    if (node.IsSequence()) {
        return "a list";
    }
    if (node.IsMap()) {
        return "a map";
    }
    std::string text = node.Scalar();
    if (text.size() > 60) {
        text = text.substr(0, 57) + "...";
    }
    if (node.Tag() == "!") {
        return "the quoted string \"" + text + "\"";
    }
    if (is_quoted(node)) {
        return "'" + text + "' (tagged " + node.Tag() + ")";
    }
    return "'" + text + "'";
}

std::string number_text(double x) {
    if (std::isinf(x)) {
        return x > 0 ? ".inf" : "-.inf";
    }
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, x);
    return error == std::errc() ? std::string(buffer, end) : std::string("?");
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += words[i];
    }
    return out;
}

} // namespace deportsim::loader
