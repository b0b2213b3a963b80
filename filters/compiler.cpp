// The compiler: resolves the parsed Ast (names, ids, overlapping zones, application names) into
// an immutable RuleProgram, reporting every semantic error at the token it concerns.

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>

#include "filters/ast.h"
#include "filters/condition_compiler.h"
#include "filters/parser.h"
#include "filters/program_parts.h"
#include "filters/rules.h"
#include "filters/suggest.h"

namespace limen::rules {

std::vector<Diagnostic> DiagnosticSink::take() {
  std::vector<std::size_t> order(list_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto rank = [&](const SourcePos& p) -> std::uint32_t {
    if (p.file >= ast_.reading_order.size()) return 0;
    const auto& starts = ast_.reading_order[p.file];
    // The last statement starting at or before the line holds it.
    auto it = std::upper_bound(starts.begin(), starts.end(), p.line,
                               [](std::uint32_t line, const auto& s) { return line < s.first; });
    return it == starts.begin() ? 0 : std::prev(it)->second;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const SourcePos& x = keys_[a];
    const SourcePos& y = keys_[b];
    const std::uint32_t rx = rank(x), ry = rank(y);
    return std::tie(rx, x.file, x.line, x.column) < std::tie(ry, y.file, y.line, y.column);
  });
  std::vector<Diagnostic> out;
  out.reserve(order.size());
  for (const std::size_t i : order) out.push_back(std::move(list_[i]));
  list_.clear();
  keys_.clear();
  return out;
}

namespace {

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

class Compiler {
 public:
  Compiler(const Ast& ast, DiagnosticSink& sink, const CompileOptions& options)
      : ast_(ast), sink_(sink), options_(options) {}

  std::shared_ptr<const RuleProgram> run() {
    zones();
    lists();
    defaults();
    rules();
    if (!sink_.empty()) return nullptr;
    parts_.table.finalize();
    return std::make_shared<const RuleProgram>(std::move(parts_));
  }

 private:
  void zones() {
    // Owner of each exact prefix, so the same prefix in two zones is caught at its second use.
    std::map<Cidr, std::pair<int, SourcePos>> owner;
    for (const ZoneDecl& decl : ast_.zones) {
      if (const auto it = zone_index_.find(decl.name); it != zone_index_.end()) {
        sink_.error(decl.pos, "zone '" + decl.name + "' is already defined at " +
                                  parts_.zones[static_cast<std::size_t>(it->second)].location);
        continue;
      }
      const int index = static_cast<int>(parts_.zones.size());
      zone_index_.emplace(decl.name, index);
      Zone z{decl.name, decl.kind, {}, {}, sink_.location(decl.pos)};
      for (const AddressItem& a : decl.addresses) {
        const auto [it, fresh] = owner.emplace(a.cidr, std::make_pair(index, a.pos));
        if (!fresh) {
          const int other = it->second.first;
          sink_.error(a.pos,
                      other == index
                          ? a.cidr.to_string() + " is listed twice in zone '" + decl.name + "'"
                          : a.cidr.to_string() + " is already in zone '" +
                                parts_.zones[static_cast<std::size_t>(other)].name + "' (" +
                                sink_.location(it->second.second) + ")");
          continue;
        }
        z.addresses.push_back(a.cidr);
        parts_.table.add(a.cidr, index, false);
      }
      for (const AddressItem& e : decl.excepts) {
        const bool inside =
            std::any_of(decl.addresses.begin(), decl.addresses.end(),
                        [&](const AddressItem& a) { return a.cidr.contains(e.cidr); });
        if (!inside) {
          sink_.error(e.pos,
                      "except " + e.cidr.to_string() + " is outside zone '" + decl.name + "'");
          continue;
        }
        z.excepts.push_back(e.cidr);
        parts_.table.add(e.cidr, index, true);
      }
      parts_.zones.push_back(std::move(z));
    }
  }

  void lists() {
    for (const ListDecl& decl : ast_.lists) {
      if (const auto it = lists_.find(decl.name); it != lists_.end()) {
        sink_.error(decl.pos,
                    "list '" + decl.name + "' is already defined at " + it->second.location);
        continue;
      }
      NamedList l{{}, sink_.location(decl.pos), decl.values};
      for (const AddressItem& a : decl.addresses) l.set.add(a.cidr);
      list_decls_.emplace(decl.name, &decl);
      l.set.finalize();
      lists_.emplace(decl.name, std::move(l));
    }
  }

  void defaults() {
    for (std::size_t i = 0; i < ast_.defaults.size(); ++i) {
      const DefaultDecl& d = ast_.defaults[i];
      if (i > 0) {
        sink_.error(d.pos, "the default policy is already set at " +
                               sink_.location(ast_.defaults.front().pos));
        continue;
      }
      parts_.default_severity_explicit = d.severity.has_value();
      parts_.default_severity = d.severity.value_or(Severity::Low);
    }
  }

  void rules() {
    std::map<std::uint32_t, std::string> ids;
    std::vector<std::string_view> apps(options_.known_apps.begin(), options_.known_apps.end());
    for (const RuleDecl& decl : ast_.rules) {
      bool ok = true;
      const std::string location = sink_.location(decl.pos);
      if (const auto [it, fresh] = ids.emplace(decl.id, location); !fresh) {
        sink_.error(decl.pos,
                    "rule id " + std::to_string(decl.id) + " is already used at " + it->second);
        ok = false;
      }
      Rule r;
      r.id = decl.id;
      r.action = decl.action;
      r.severity_explicit = decl.severity.has_value();
      r.severity = decl.severity.value_or(Severity::Low);
      r.message = decl.message;
      r.location = location;
      r.transport = decl.transport;
      ok = endpoint(decl.src, r.src) && ok;
      ok = endpoint(decl.dst, r.dst) && ok;
      if (decl.condition) {
        r.condition = decl.condition->text;
        const ConditionScope scope{options_.schemas, list_decls_, ast_.broken_lists, sink_};
        r.condition_program = compile_condition(*decl.condition, scope);
        ok = r.condition_program != nullptr && ok;
      }
      if (!decl.app.empty()) {
        r.app = to_lower(decl.app);
        if (!apps.empty() && std::none_of(apps.begin(), apps.end(), [&](std::string_view a) {
              return to_lower(a) == r.app;
            })) {
          sink_.error(decl.app_pos,
                      "unknown application '" + decl.app + "'" + did_you_mean(decl.app, apps));
          ok = false;
        }
      }
      if (ok) parts_.rules.push_back(std::move(r));
    }
  }

  bool endpoint(const EndpointAst& ast, Endpoint& out) {
    bool ok = true;
    out.negated = ast.negated;
    for (const EndpointAst::Term& t : ast.terms) {
      EndpointTerm term;
      term.negated = t.negated;
      switch (t.kind) {
        case EndpointAst::Term::Kind::Any:
          term.kind = EndpointTerm::Kind::Any;
          break;
        case EndpointAst::Term::Kind::Address:
          term.kind = EndpointTerm::Kind::Addresses;
          term.addresses.add(t.cidr);
          term.addresses.finalize();
          break;
        case EndpointAst::Term::Kind::Name:
          ok = zone_term(t, term) && ok;
          break;
        case EndpointAst::Term::Kind::List:
          ok = list_term(t, term) && ok;
          break;
      }
      out.terms.push_back(std::move(term));
    }
    return ok;
  }

  bool zone_term(const EndpointAst::Term& t, EndpointTerm& term) {
    term.kind = EndpointTerm::Kind::Zone;
    if (const auto it = zone_index_.find(t.name); it != zone_index_.end()) {
      term.zone = it->second;
      return true;
    }
    if (ast_.broken_zones.count(t.name) == 0) {
      std::vector<std::string_view> names{"any"};
      for (const auto& [name, index] : zone_index_) names.push_back(name);
      for (const auto& name : ast_.broken_zones) names.push_back(name);
      std::string hint = did_you_mean(t.name, names);
      if (hint.empty() && lists_.count(t.name) != 0) hint = " (did you mean '$" + t.name + "'?)";
      sink_.error(t.pos, "unknown zone '" + t.name + "'" + hint);
    }
    return false;
  }

  bool list_term(const EndpointAst::Term& t, EndpointTerm& term) {
    term.kind = EndpointTerm::Kind::Addresses;
    if (const auto it = lists_.find(t.name); it != lists_.end()) {
      if (it->second.values) {
        sink_.error(t.pos, "list '$" + t.name + "' holds values, not addresses");
        return false;
      }
      term.addresses = it->second.set;
      return true;
    }
    if (ast_.broken_lists.count(t.name) == 0) {
      std::vector<std::string_view> names;
      for (const auto& [name, list] : lists_) names.push_back(name);
      for (const auto& name : ast_.broken_lists) names.push_back(name);
      std::string hint = did_you_mean(t.name, names, "$");
      if (hint.empty() && zone_index_.count(t.name) != 0)
        hint = " (zones are written without '$': '" + t.name + "')";
      sink_.error(t.pos, "unknown list '$" + t.name + "'" + hint);
    }
    return false;
  }

  struct NamedList {
    PrefixSet set;
    std::string location;
    bool values = false;  // a value list, for conditions only
  };

  const Ast& ast_;
  DiagnosticSink& sink_;
  const CompileOptions& options_;
  RuleProgram::Parts parts_;
  std::map<std::string, int, std::less<>> zone_index_;
  std::map<std::string, NamedList, std::less<>> lists_;
  std::map<std::string, const ListDecl*, std::less<>> list_decls_;
};

CompileResult finish(Ast& ast, DiagnosticSink& sink, const CompileOptions& options) {
  CompileResult result;
  // Names are resolved even after syntax errors, so one run reports every mistake.
  auto program = Compiler(ast, sink, options).run();
  result.diagnostics = sink.take();
  if (result.diagnostics.empty()) result.program = std::move(program);
  return result;
}

}  // namespace

CompileResult compile_file(const std::filesystem::path& path, const CompileOptions& options) {
  Ast ast;
  DiagnosticSink sink(ast);
  parse_file(path, path.string(), ast, sink);
  return finish(ast, sink, options);
}

CompileResult compile_text(std::string_view text, std::string_view file_name,
                           const CompileOptions& options) {
  Ast ast;
  DiagnosticSink sink(ast);
  parse_text(text, std::string(file_name), std::filesystem::path(), ast, sink);
  return finish(ast, sink, options);
}

}  // namespace limen::rules
