// Step 1 of loading a scenario: the file's text, its YAML tree, and composition: a file with
// `extends: PATH` is merged over the file it names (itself read the same way) before anything
// else looks at the tree.
//
// Merging: maps merge key by key, recursively, in the order of the base with new keys after;
// scalars and lists replace; a null value (`~`, `null` or nothing) deletes the key from the base.
// The nodes keep their marks, and the Source knows which file each came from, so every later
// error points into the file that wrote the offending node.
#pragma once

#include "scenario/source.hpp"

#include <optional>
#include <string>

namespace deportsim::loader {

// The bytes of a file; nullopt, with the reason in `why`, when it cannot be read.
std::optional<std::string> read_file_text(const std::string& path, std::string& why);

// The tree of `text`, which is the text of the source's first file. When it `extends` another
// file (a path relative to the directory of the file that names it), that file and the files it
// extends are read, added to `source` and merged; the result has no `extends`. Throws InputError
// for a YAML syntax error (where the parser stopped), a duplicate key in any file, an `extends`
// that is not a path or names a file that cannot be read, a cycle of files, a file that is not
// a map, and a null value that deletes a key the base does not have.
YAML::Node compose(Source& source, const std::string& text);

// "# merged from a.yaml, which extends b.yaml": the first line of the text of a composed scenario.
std::string composition_comment(const Source& source);

} // namespace deportsim::loader
