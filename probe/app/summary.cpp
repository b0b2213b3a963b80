#include "probe/app/summary.h"

#include <cstdio>
#include <ostream>

namespace limen::app {
namespace {

std::string thousands(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string bytes_text(std::uint64_t b) {
  if (b >= 10'000'000) return fixed(static_cast<double>(b) / 1e6, 1) + " MB";
  if (b >= 10'000) return fixed(static_cast<double>(b) / 1e3, 1) + " kB";
  return thousands(b) + " bytes";
}

const rules::Rule* find_rule(const rules::RuleProgram* program, std::uint32_t id) {
  return program != nullptr ? program->find_rule(id) : nullptr;
}

}  // namespace

void print_summary(std::ostream& out, const RunSummary& s, const pipeline::StatsSnapshot& total,
                   const output::OutputStage& stage, const rules::RuleProgram* program) {
  const auto& c = total.worker;
  using decode::DecodeStatus;
  auto status = [&c](DecodeStatus st) { return c.decode_status[static_cast<std::size_t>(st)]; };

  out << "limen-probe: " << (s.live ? "capture" : "replay") << " finished";
  if (!s.live) out << " (" << s.files << (s.files == 1 ? " capture" : " captures") << ")";
  out << '\n';
  for (const auto& d : s.damaged) out << "  damaged      " << d << '\n';
  out << "  packets      " << thousands(c.packets) << " (" << bytes_text(c.bytes)
      << " on the wire): " << thousands(status(DecodeStatus::NotIp)) << " not IP, "
      << thousands(status(DecodeStatus::Truncated)) << " truncated, "
      << thousands(status(DecodeStatus::Malformed)) << " malformed, "
      << thousands(status(DecodeStatus::FragmentHeld)) << " fragments held\n";
  if (s.capture.drops_known)
    out << "  drops        " << thousands(s.capture.kernel_drops) << " by the kernel, "
        << thousands(s.capture.interface_drops) << " by the interface\n";
  if (s.queue_drops != 0)
    out << "  drops        " << thousands(s.queue_drops)
        << " for want of room in a worker's queue (the workers fell behind)\n";
  const auto& fc = total.flows;
  out << "  flows        " << thousands(fc.created - fc.restarted) << " (at most " << thousands(fc.peak)
      << " at once; " << thousands(c.untracked) << " packets not tracked: table full)\n";
  if (s.time_jumps != 0)
    out << "  clock        " << thousands(s.time_jumps)
        << " packets dated over an hour ahead were not allowed to move the clock\n";
  if (fc.created == 0)
    out << "  note         no IP flows in this input: " << thousands(c.packets) << " packets, "
        << thousands(status(DecodeStatus::NotIp)) << " not IP, "
        << thousands(status(DecodeStatus::Truncated) + status(DecodeStatus::Malformed))
        << " undecodable\n";
  out << "  findings     " << thousands(c.findings) << '\n';
  for (const auto& [id, n] : c.findings_by_rule) {
    std::string what = "default policy: unauthorized flow";
    if (const auto* r = find_rule(program, id); r != nullptr)
      what = std::string(rules::action_name(r->action)) + " " +
             (r->message.empty() ? std::string() : "\"" + r->message + "\" ") + "(" +
             r->location + ")";
    char line[64];
    std::snprintf(line, sizeof line, "    rule %-8u %6s  ", id, thousands(n).c_str());
    out << line << what << '\n';
  }
  out << "  events       " << thousands(stage.events_handled()) << " (" << thousands(c.flow_events)
      << " flow records, " << thousands(c.stats_events) << " stats)";
  for (const auto& o : stage.outputs()) {
    out << "; " << o->name << ": " << thousands(o->out->counters().written) << ' '
        << o->out->written_verb();
    if (o->out->counters().acknowledges)
      out << ", " << thousands(o->out->counters().acknowledged) << " acknowledged, "
          << thousands(o->out->counters().pending) << " left in the spool";
    if (o->out->counters().dropped != 0)
      out << ", " << thousands(o->out->counters().dropped) << " DROPPED";
    if (!o->types.is_all()) out << " (types " << o->types.describe() << ")";
  }
  out << '\n';
  const double secs = s.wall_seconds > 0 ? s.wall_seconds : 1e-9;
  out << "  duration     " << fixed(s.wall_seconds, 2) << " s ("
      << thousands(static_cast<std::uint64_t>(static_cast<double>(c.packets) / secs))
      << " packets/s, " << fixed(static_cast<double>(c.bytes) * 8 / secs / 1e6, 1)
      << " Mbit/s, " << s.workers << (s.workers == 1 ? " worker" : " workers") << ")\n";
}

}  // namespace limen::app
