// One exception root for the whole engine. User errors (bad scenario, bad option, a file that is
// not a deportsim file) are InputError; broken promises inside the engine are InternalError.
// The command-line program maps InputError to exit status 2 and every other Error to 1.
#pragma once

#include <stdexcept>
#include <string>

namespace deportsim {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Where in a user's file something is: 1-based line and column; line 0 means "the whole file".
struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;
    std::string line_text; // the offending line, shown with a caret under `column`
};

// Something the user can fix: the message says what was expected and, when known, where.
class InputError : public Error {
public:
    explicit InputError(const std::string& message);
    InputError(const SourceLocation& where, const std::string& message);

    const SourceLocation& where() const { return where_; }
    const std::string& message() const { return message_; } // without the location prefix

private:
    SourceLocation where_;
    std::string message_;
};

// An output or input file could not be read or written (permissions, disk, not HDF5, ...).
class FileError : public Error {
public:
    using Error::Error;
};

// A file that exists but is not what the reader expects (wrong type or major version).
class FormatError : public InputError {
public:
    using InputError::InputError;
};

// A run-time invariant failed: conservation, a negative stock, a capacity exceeded. This is a
// bug in the engine, never the user's fault.
class InternalError : public Error {
public:
    using Error::Error;
};

// "file:line:col: error: message" followed by the offending line and a caret.
std::string format_located(const SourceLocation& where, const std::string& message);

} // namespace deportsim
