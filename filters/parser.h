#pragma once
// Parser of the rules language: statements of tokens -> Ast, reading included files and list
// files as it goes, so includes expand in place and keep rule order.
//
// Invariants: every error is reported at its token and ends only its own statement; parsing
// continues with the next line, so one run reports every syntax error of every file. Includes
// resolve relative to the including file; cycles, repeats and nesting deeper than
// kMaxIncludeDepth are errors. Names are not resolved here (the compiler does, in any order).

#include <filesystem>
#include <string>
#include <string_view>

#include "filters/ast.h"

namespace limen::rules {

inline constexpr int kMaxIncludeDepth = 16;
inline constexpr std::uintmax_t kMaxRulesFileBytes = 16U << 20;

// Parses `path` (shown in diagnostics as `display`) and everything it includes into `ast`.
void parse_file(const std::filesystem::path& path, const std::string& display, Ast& ast,
                DiagnosticSink& sink);
// Parses `text`; includes and list files resolve relative to `base_dir`.
void parse_text(std::string_view text, const std::string& display,
                const std::filesystem::path& base_dir, Ast& ast, DiagnosticSink& sink);

// Reads a whole file; on failure returns false with the reason ("No such file or directory").
bool read_text_file(const std::filesystem::path& path, std::string& out, std::string& error);

}  // namespace limen::rules
