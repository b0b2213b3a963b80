#include "filters/parser.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "filters/lexer.h"
#include "filters/parse_support.h"
#include "filters/suggest.h"

namespace limen::rules {
namespace {

namespace fs = std::filesystem;

template <typename T, std::size_t N>
std::optional<T> lookup(std::string_view word, const std::string_view (&names)[N],
                        const T (&values)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == word) return values[i];
  return std::nullopt;
}

std::optional<Severity> severity_of(std::string_view w) {
  constexpr Severity v[] = {Severity::Low, Severity::Medium, Severity::High, Severity::Critical};
  return lookup(w, kSeverityWords, v);
}

std::optional<ZoneKind> zone_kind_of(std::string_view w) {
  constexpr ZoneKind v[] = {ZoneKind::Critical, ZoneKind::ThirdParty, ZoneKind::Other};
  return lookup(w, kZoneKindWords, v);
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

class Parser {
 public:
  Parser(Ast& ast, DiagnosticSink& sink) : ast_(ast), sink_(sink) {}

  void top_file(const fs::path& path, const std::string& display) {
    std::string text, reason;
    if (!read_text_file(path, text, reason)) {
      sink_.error_in_file(display, reason);
      return;
    }
    std::error_code ec;
    run(text, display, path.parent_path(), fs::weakly_canonical(path, ec), 0);
  }

  void top_text(std::string_view text, const std::string& display, const fs::path& base) {
    run(text, display, base, fs::path(), 0);
  }

 private:
  struct Frame {
    fs::path canonical;
    std::string display;
  };

  void run(std::string_view text, const std::string& display, const fs::path& base,
           const fs::path& canonical, int depth) {
    const auto saved_file = file_;
    const auto saved_base = base_;
    const auto saved_depth = depth_;
    file_ = static_cast<std::uint32_t>(ast_.files.size());
    ast_.files.push_back(display);
    ast_.reading_order.emplace_back();
    base_ = base;
    depth_ = depth;
    stack_.push_back({canonical, display});
    LexOutput lexed = lex(text);
    std::size_t next_error = 0;
    // Lexical and syntax errors interleave in line order, as a reader expects them.
    auto flush_lex_errors = [&](std::uint32_t before_line) {
      for (; next_error < lexed.errors.size() && lexed.errors[next_error].line <= before_line;
           ++next_error) {
        const LexError& e = lexed.errors[next_error];
        sink_.error({file_, e.line, e.column}, e.message);
      }
    };
    for (const Statement& s : lexed.statements) {
      flush_lex_errors(s.tokens.front().line);
      ast_.reading_order[file_].emplace_back(s.tokens.front().line, next_rank_++);
      if (!s.bad) statement(s);
    }
    flush_lex_errors(UINT32_MAX);
    stack_.pop_back();
    file_ = saved_file;
    base_ = saved_base;
    depth_ = saved_depth;
  }

  [[nodiscard]] StatementContext ctx() const { return {sink_, file_}; }
  [[nodiscard]] SourcePos at(const Token& t, std::size_t offset = 0) const {
    return {file_, t.line, t.column + static_cast<std::uint32_t>(offset)};
  }
  [[nodiscard]] SourcePos at_end(const TokenCursor& c) const {
    return {file_, c.end_line(), c.end_column()};
  }
  bool fail(const SourcePos& pos, std::string message) {
    sink_.error(pos, std::move(message));
    return false;
  }
  bool expect_end(TokenCursor& c, std::string_view after) {
    if (c.at_end()) return true;
    return fail(at(*c.peek()),
                "unexpected '" + describe(*c.peek()) + "' after " + std::string(after));
  }

  void statement(const Statement& s) {
    TokenCursor c(s);
    const Token& first = *c.next();
    if (first.kind != Token::Kind::Word) {
      fail(at(first),
           "expected a statement (zone, list, allow, alert, deny, default or "
           "include), found '" +
               describe(first) + "'");
      return;
    }
    const std::string& w = first.text;
    if (w == "include") {
      include(c);
    } else if (w == "zone") {
      zone(c);
    } else if (w == "list") {
      list(c);
    } else if (w == "allow" || w == "alert" || w == "deny") {
      rule(c, first, w == "allow" ? Action::Allow : w == "alert" ? Action::Alert : Action::Deny);
    } else if (w == "default") {
      default_policy(c);
    } else {
      std::string hint = did_you_mean(w, kStatementWords);
      if (hint.empty()) hint = " (expected zone, list, allow, alert, deny, default or include)";
      fail(at(first), "unknown statement '" + w + "'" + hint);
    }
  }

  bool include(TokenCursor& c) {
    const Token* t = c.next();
    if (t == nullptr) return fail(at_end(c), "expected a quoted file name after 'include'");
    if (t->kind != Token::Kind::String)
      return fail(at(*t),
                  "expected a quoted file name after 'include', found '" + describe(*t) + "'");
    if (!expect_end(c, "the file name")) return false;
    const fs::path written(t->text);
    const fs::path actual = base_.empty() ? written : base_ / written;
    const std::string display =
        (fs::path(ast_.files[file_]).parent_path() / written).lexically_normal().string();
    if (depth_ + 1 > kMaxIncludeDepth)
      return fail(at(*t),
                  "includes are nested more than " + std::to_string(kMaxIncludeDepth) + " deep");
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(actual, ec);
    for (const Frame& f : stack_) {
      if (f.canonical.empty() || f.canonical != canonical) continue;
      std::string chain;
      for (auto it = std::find_if(stack_.begin(), stack_.end(),
                                  [&](const Frame& g) { return g.canonical == canonical; });
           it != stack_.end(); ++it)
        chain += it->display + " -> ";
      return fail(at(*t), "include cycle: " + chain + display);
    }
    if (const auto it = included_.find(canonical); it != included_.end())
      return fail(at(*t), "'" + display + "' is already included at " + it->second);
    std::string text, reason;
    if (!read_text_file(actual, text, reason))
      return fail(at(*t), "cannot include '" + display + "': " + reason);
    included_.emplace(canonical, sink_.location(at(*t)));
    run(text, display, actual.parent_path(), canonical, depth_ + 1);
    return true;
  }

  bool name(TokenCursor& c, std::string_view what, std::string& out, SourcePos& pos) {
    const Token* t = c.next();
    const std::string w(what);
    if (t == nullptr) return fail(at_end(c), "expected a " + w + " name after '" + w + "'");
    if (t->kind != Token::Kind::Word || !is_identifier(t->text))
      return fail(at(*t), "invalid " + w + " name '" + describe(*t) +
                              "' (a name is a letter or '_', then letters, digits, '_' or '-')");
    if (std::find(std::begin(kReservedWords), std::end(kReservedWords), t->text) !=
        std::end(kReservedWords))
      return fail(at(*t), "'" + t->text + "' is a reserved word and cannot name a " + w);
    out = t->text;
    pos = at(*t);
    return true;
  }

  bool addresses(TokenCursor& c, std::vector<AddressItem>& out) {
    for (;;) {
      const Token* t = c.next();
      if (t == nullptr) return fail(at_end(c), "expected an address or CIDR");
      if (t->kind != Token::Kind::Word || !looks_like_address(t->text))
        return fail(at(*t), "expected an address or CIDR, found '" + describe(*t) + "'");
      if (!parse_address(*t, ctx(), out)) return false;
      if (!c.peek_is(Token::Kind::Comma)) return true;
      c.next();
    }
  }

  bool addresses_end(TokenCursor& c) {
    if (c.at_end()) return true;
    const Token& t = *c.peek();
    if (t.kind == Token::Kind::Word && looks_like_address(t.text))
      return fail(at(t), "unexpected '" + t.text + "' (separate addresses with ',')");
    return fail(at(t), "unexpected '" + describe(t) + "' after the addresses");
  }

  bool zone(TokenCursor& c) {
    ZoneDecl z;
    if (!name(c, "zone", z.name, z.pos)) return false;
    if (zone_body(c, z)) {
      ast_.zones.push_back(std::move(z));
      return true;
    }
    ast_.broken_zones.insert(z.name);
    return false;
  }

  bool zone_body(TokenCursor& c, ZoneDecl& z) {
    const Token* t = c.next();
    if (t == nullptr)
      return fail(at_end(c), "expected the zone kind (critical, third-party or other)");
    const auto kind = zone_kind_of(t->text);
    if (t->kind != Token::Kind::Word || !kind) {
      std::string hint = did_you_mean(t->text, kZoneKindWords);
      if (hint.empty()) hint = " (expected critical, third-party or other)";
      return fail(at(*t), "unknown zone kind '" + describe(*t) + "'" + hint);
    }
    z.kind = *kind;
    if (!addresses(c, z.addresses)) return false;
    if (c.peek_word("except")) {
      c.next();
      if (!addresses(c, z.excepts)) return false;
    }
    return addresses_end(c);
  }

  bool list(TokenCursor& c) {
    ListDecl l;
    if (!name(c, "list", l.name, l.pos)) return false;
    bool ok = false;
    if (c.peek_word("file")) {
      c.next();
      ok = list_file(c, l);
    } else if (value_list_start(c)) {
      l.values = true;
      ok = parse_value_items(c, ctx(), l.items);
    } else {
      ok = addresses(c, l.addresses) && addresses_end(c);
    }
    if (!ok) {
      ast_.broken_lists.insert(l.name);
      return false;
    }
    ast_.lists.push_back(std::move(l));
    return true;
  }

  // A list holds values (for conditions) when its first item is a string, a name, or a number
  // or range without '.', ':' or '/' (which only addresses have).
  static bool value_list_start(const TokenCursor& c) {
    const Token* t = c.peek();
    if (t == nullptr) return false;
    if (t->kind == Token::Kind::String) return true;
    return t->kind == Token::Kind::Word && t->text.find_first_of(".:/") == std::string::npos;
  }

  // One address or CIDR per line; '#' starts a comment. Every bad line is reported.
  bool list_file(TokenCursor& c, ListDecl& l) {
    const Token* t = c.next();
    if (t == nullptr || t->kind != Token::Kind::String)
      return fail(t != nullptr ? at(*t) : at_end(c), "expected a quoted file name after 'file'");
    if (!expect_end(c, "the file name")) return false;
    const fs::path written(t->text);
    const fs::path actual = base_.empty() ? written : base_ / written;
    const std::string display =
        (fs::path(ast_.files[file_]).parent_path() / written).lexically_normal().string();
    std::string text, reason;
    if (!read_text_file(actual, text, reason))
      return fail(at(*t), "cannot read list file '" + display + "': " + reason);
    const auto list_file_index = static_cast<std::uint32_t>(ast_.files.size());
    ast_.files.push_back(display);
    // The whole list file reads as part of its `list` statement.
    ast_.reading_order.push_back({{0, ast_.reading_order[file_].back().second}});
    bool ok = true;
    std::uint32_t line = 0;
    for (std::size_t start = 0; start <= text.size();) {
      ++line;
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string_view row(text.data() + start, end - start);
      start = end + 1;
      if (const auto hash = row.find('#'); hash != row.npos) row = row.substr(0, hash);
      const auto blank = " \t\r";
      const auto first = row.find_first_not_of(blank);
      if (first == row.npos) continue;
      const auto last = row.find_first_of(blank, first);
      const std::string_view entry = row.substr(first, last - first);
      auto pos = [&](std::size_t off) {
        return SourcePos{list_file_index, line, static_cast<std::uint32_t>(off + 1)};
      };
      if (last != row.npos && row.find_first_not_of(blank, last) != row.npos) {
        const auto extra = row.find_first_not_of(blank, last);
        ok = fail(pos(extra), "expected one address per line");
        continue;
      }
      const CidrParse p = parse_cidr(entry);
      if (!p.ok) {
        ok = fail(pos(first + p.error_offset), p.error);
        continue;
      }
      l.addresses.push_back({p.cidr, pos(first)});
    }
    return ok;
  }

  bool severity(TokenCursor& c, std::optional<Severity>& out) {
    const Token* t = c.next();
    if (t == nullptr)
      return fail(at_end(c), "expected low, medium, high or critical after 'severity'");
    const auto s = severity_of(t->text);
    if (t->kind != Token::Kind::Word || !s) {
      std::string hint = did_you_mean(t->text, kSeverityWords);
      if (hint.empty()) hint = " (expected low, medium, high or critical)";
      return fail(at(*t), "unknown severity '" + describe(*t) + "'" + hint);
    }
    out = s;
    return true;
  }

  bool default_policy(TokenCursor& c) {
    DefaultDecl d;
    const Token* t = c.next();
    if (t == nullptr) return fail(at_end(c), "expected 'deny' after 'default'");
    if (t->text != "deny" || t->kind != Token::Kind::Word)
      return fail(at(*t), "the default policy can only be 'deny', found '" + describe(*t) + "'");
    d.pos = at(*t);
    if (c.peek_word("severity")) {
      c.next();
      if (!severity(c, d.severity)) return false;
    }
    if (!expect_end(c, "the default policy")) return false;
    ast_.defaults.push_back(d);
    return true;
  }

  bool rule(TokenCursor& c, const Token& keyword, Action action) {
    RuleDecl r;
    r.action = action;
    const Token* t = c.next();
    if (t == nullptr) return fail(at_end(c), "expected a rule id after '" + keyword.text + "'");
    std::uint64_t id = 0;
    if (t->kind != Token::Kind::Word || !parse_number(t->text, id) || id == 0 || id > 0x7fffffffU)
      return fail(at(*t), "rule id must be a whole number from 1 to 2147483647, found '" +
                              describe(*t) + "'");
    r.id = static_cast<std::uint32_t>(id);
    r.pos = at(*t);
    if (!parse_endpoint(c, ctx(), r.src, "source")) return false;
    t = c.next();
    if (t == nullptr) return fail(at_end(c), "expected '->' after the source");
    if (t->kind != Token::Kind::Arrow)
      return fail(at(*t), "expected '->' after the source, found '" + describe(*t) + "'");
    if (!parse_endpoint(c, ctx(), r.dst, "destination")) return false;
    bool have_transport = false, have_message = false;
    while ((t = c.next()) != nullptr) {
      if (t->kind == Token::Kind::String) {
        if (have_message) return fail(at(*t), "the rule already has a message");
        r.message = t->text;
        have_message = true;
        continue;
      }
      if (t->kind != Token::Kind::Word)
        return fail(at(*t), "unexpected '" + describe(*t) + "' in the rule");
      if (t->text == "if") {
        if (r.condition) return fail(at(*t), "the rule already has a condition");
        if (r.severity || have_message)
          return fail(at(*t), "the condition goes before the options and the message");
        r.condition.emplace();
        if (!parse_condition(c, ctx(), *t, *r.condition)) return false;
        if (!c.at_end() && !c.peek_word("severity") && !c.peek_is(Token::Kind::String))
          return fail(at(*c.peek()), "expected 'and', 'or', the options or the message after "
                                     "the condition, found '" + describe(*c.peek()) + "'");
        continue;
      }
      if (t->text == "severity") {
        if (r.severity) return fail(at(*t), "the rule already has a severity");
        if (!severity(c, r.severity)) return false;
        continue;
      }
      const bool transport_word = t->text.find('/') != std::string::npos ||
                                  std::find(std::begin(kTransportWords), std::end(kTransportWords),
                                            t->text) != std::end(kTransportWords);
      if (transport_word && !have_transport && r.app.empty() && !r.severity && !have_message &&
          !r.condition) {
        if (!parse_transport(c, ctx(), *t, r.transport)) return false;
        have_transport = true;
        continue;
      }
      if (transport_word && !r.app.empty() && !have_transport)
        return fail(at(*t),
                    "the transport '" + t->text + "' goes before the application '" + r.app + "'");
      if (!transport_word && r.app.empty() && !r.severity && !have_message && !r.condition &&
          is_identifier(t->text)) {
        r.app = t->text;
        r.app_pos = at(*t);
        continue;
      }
      return fail(at(*t), "unexpected '" + t->text + "' in the rule");
    }
    ast_.rules.push_back(std::move(r));
    return true;
  }

  Ast& ast_;
  DiagnosticSink& sink_;
  std::vector<Frame> stack_;
  std::map<fs::path, std::string> included_;  // canonical path -> "file:line" that included it
  std::uint32_t file_ = 0;
  fs::path base_;
  int depth_ = 0;
  std::uint32_t next_rank_ = 1;
};

}  // namespace

bool read_text_file(const fs::path& path, std::string& out, std::string& error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    error = "it is a directory";
    return false;
  }
  // Devices and pipes (/dev/zero, a FIFO) would read forever or block: only plain files.
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) {
    error = "it is not a regular file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxRulesFileBytes) {
    error = "it is larger than 16 MiB";
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return false;
  }
  out = std::move(buf).str();
  return true;
}

void parse_file(const fs::path& path, const std::string& display, Ast& ast, DiagnosticSink& sink) {
  Parser(ast, sink).top_file(path, display);
}

void parse_text(std::string_view text, const std::string& display, const fs::path& base_dir,
                Ast& ast, DiagnosticSink& sink) {
  Parser(ast, sink).top_text(text, display, base_dir);
}

}  // namespace limen::rules
