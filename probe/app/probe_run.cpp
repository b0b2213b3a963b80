#include "probe/app/probe_run.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <new>
#include <random>
#include <set>
#include <string>

#include "common/wire.h"
#include "dissectors/registry.h"
#include "probe/app/summary.h"
#include "probe/capture/dpdk_source.h"
#include "probe/capture/packet_source.h"
#include "probe/classify/ndpi_classifier.h"
#include "probe/events/event_types.h"
#include "probe/output/file_output.h"
#include "probe/output/output_stage.h"
#include "probe/output/zmq_output.h"
#include "probe/pipeline/dispatcher.h"

namespace limen::app {
namespace {

constexpr int kBurst = 64;

std::atomic<capture::PacketSource*> g_current_source{nullptr};
std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
  g_stop.store(true);
  if (auto* src = g_current_source.load()) src->break_loop();
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // `--eve - | head` closing the pipe must not kill the probe before its summary and the
  // collector's queued events: the write fails with EPIPE and is counted instead.
  signal(SIGPIPE, SIG_IGN);
}

// The spool's base folder: --spool, else the state directory systemd gives
// (StateDirectory=), else the system's as root, else the user's; then spool/<probe name>.
std::filesystem::path spool_root(const ProbeOptions& o, const std::string& probe) {
  if (!o.spool.empty()) return o.spool;
  std::filesystem::path base;
  if (const char* state = std::getenv("STATE_DIRECTORY"); state != nullptr && *state != '\0')
    base = std::string(state).substr(0, std::string(state).find(':'));
  else if (::geteuid() == 0)
    base = "/var/lib/limen";
  else if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg == '/')
    base = std::filesystem::path(xdg) / "limen";
  else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/')
    base = std::filesystem::path(home) / ".local/state/limen";
  else
    base = "/var/lib/limen";
  return base / "spool" / probe;
}

// One folder per collector, named after its endpoint ("tcp://10.0.0.5:5555" ->
// "tcp-10.0.0.5-5555"), so that each keeps its own position.
std::string endpoint_folder(const std::string& endpoint) {
  std::string name;
  for (const char c : endpoint) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_';
    if (ok)
      name.push_back(c);
    else if (name.empty() || name.back() != '-')
      name.push_back('-');
  }
  return name.substr(0, 200);
}

bool unique_endpoints(const std::vector<std::string>& endpoints, std::string& error) {
  std::set<std::string> seen;
  for (const auto& e : endpoints)
    if (!seen.insert(endpoint_folder(e)).second) {
      error = "--collector " + e + " is given twice (or names the same folder as another)";
      return false;
    }
  return true;
}

std::string default_probe_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "limen-probe";
  std::string name;
  for (const char* p = host; *p != '\0' && name.size() < wire::kMaxProbeName; ++p) {
    const char c = *p;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    name.push_back(ok ? c : '-');
  }
  return name.empty() ? "limen-probe" : name;
}

std::uint64_t new_run_id() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

int fail(const std::string& message, int code) {
  std::cerr << "limen-probe: " << message << '\n';
  return code;
}

// What the rules may name: the classifier's applications and every dissector's fields.
rules::CompileOptions compile_options(const classify::NdpiClassifier& classifier) {
  rules::CompileOptions options;
  options.known_apps = classifier.protocol_names();
  for (const auto& d : dissect::kDissectors) {
    const bool seen = std::any_of(options.schemas.begin(), options.schemas.end(),
                                  [&d](const auto& s) { return s.protocol == d.protocol; });
    if (!seen) options.schemas.push_back(rules::ProtocolSchema{d.protocol, d.schema()});
  }
  return options;
}

std::shared_ptr<const rules::RuleProgram> load_rules(const std::string& file,
                                                     const classify::NdpiClassifier& classifier,
                                                     bool& ok) {
  ok = true;
  if (file.empty()) return nullptr;
  auto result = rules::compile_file(file, compile_options(classifier));
  for (const auto& d : result.diagnostics) std::cerr << d.to_string() << '\n';
  if (!result.ok()) {
    std::cerr << "limen-probe: refusing to start: " << file << " has "
              << result.diagnostics.size() << " error(s)\n";
    ok = false;
    return nullptr;
  }
  return result.program;
}

Timestamp wall_clock_now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

// One worker per core this process may run on, less one for the capture and output threads.
std::size_t default_workers() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::size_t cores = 1;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    cores = static_cast<std::size_t>(CPU_COUNT(&set));
  else if (const long n = sysconf(_SC_NPROCESSORS_ONLN); n > 0)
    cores = static_cast<std::size_t>(n);
  return std::clamp<std::size_t>(cores - 1, 1, 32);
}

}  // namespace

int run_rules_check_command(const std::string& file) {
  std::string error;
  auto classifier = classify::NdpiClassifier::create({}, error);
  if (!classifier) return fail(error, 1);
  return rules::run_rules_check(file, compile_options(*classifier), std::cout, std::cerr);
}

int run_probe(const ProbeOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  // From the first moment: a SIGTERM during start-up must end the probe cleanly, not kill it.
  install_signal_handlers();
  std::string error;

  const std::size_t workers = o.workers != 0 ? o.workers : default_workers();
  // The flow table, and the classifier's pool with it, is shared among the workers.
  const std::size_t flows_per_worker = (o.max_flows + workers - 1) / workers;
  classify::ClassifierConfig classifier_config;
  // One slot per trackable flow (allocated lazily, 688 bytes each): a scan of one-packet flows
  // must not exhaust classification and leave real Modbus "unknown" to the rules.
  classifier_config.max_active = flows_per_worker;
  auto classifier = classify::NdpiClassifier::create(classifier_config, error);
  if (!classifier) return fail(error, 1);

  bool rules_ok = true;
  auto program = load_rules(o.rules_file, *classifier, rules_ok);
  if (!rules_ok) return 1;

  // Open every capture before the first packet, so a typo in the last -r fails fast.
  std::vector<std::unique_ptr<capture::PacketSource>> sources;
  for (const auto& path : o.read_files) {
    auto src = capture::open_file(path, error);
    if (!src) return fail(error, 2);
    sources.push_back(std::move(src));
  }
  const bool live = !o.interface.empty() || o.dpdk_given;
  if (o.dpdk_given) {
    capture::DpdkOptions dopt;
    dopt.eal_args = o.dpdk;
    auto src = capture::open_dpdk(dopt, error);
    if (!src) return fail(error, 2);
    sources.push_back(std::move(src));
  } else if (live) {
    capture::LiveOptions lo;
    lo.interface = o.interface;
    lo.promiscuous = o.promiscuous;
    lo.snaplen = o.snaplen;
    lo.buffer_size_mib = o.buffer_size_mib;
    lo.bpf_filter = o.bpf_filter;
    auto src = capture::open_live(lo, error);
    if (!src) return fail(error, 2);
    if (!src->warning().empty()) std::cerr << "limen-probe: warning: " << src->warning() << '\n';
    sources.push_back(std::move(src));
  } else if (!o.bpf_filter.empty()) {
    return fail("--bpf applies to live capture (-i) only", 1);
  }

  std::string types_error;
  const auto eve_types = events::EventTypeSet::parse(o.eve_types, types_error);
  const auto collector_types = events::EventTypeSet::parse(o.collector_types, types_error);
  if (!eve_types || !collector_types) return fail(types_error, 1);
  output::OutputStage stage(o.name.empty() ? default_probe_name() : o.name, new_run_id());
  const std::string eve = o.eve.empty() && o.collectors.empty() ? "-" : o.eve;
  if (!eve.empty()) {
    auto out = output::FileOutput::open(eve, error);
    if (!out) return fail(error, 1);
    stage.add_output(std::move(out), *eve_types);
  }
  if (!o.collectors.empty() && !unique_endpoints(o.collectors, error)) return fail(error, 1);
  curve::KeyPair own_key;
  std::vector<curve::Key> collector_keys;
  if (!o.collectors.empty() && !o.insecure) {
    if (!curve::load_key_pair(o.key_dir, own_key, error)) return fail(error, 1);
    for (const auto& file : o.collector_keys) {
      curve::Key key{};
      if (!curve::load_public_key(file, key, error)) return fail(error, 1);
      collector_keys.push_back(key);
    }
  } else if (!o.collectors.empty()) {
    std::cerr << "limen-probe: warning: --insecure: events travel to the collectors in plain text, "
                 "unauthenticated\n";
  }
  for (std::size_t i = 0; i < o.collectors.size(); ++i) {
    const std::string& endpoint = o.collectors[i];
    output::ZmqOutputConfig zc;
    if (!collector_keys.empty()) {
      zc.curve = true;
      zc.key = own_key;
      zc.server_key = collector_keys[collector_keys.size() == 1 ? 0 : i];
    }
    zc.endpoint = endpoint;
    zc.heartbeat_interval = std::chrono::seconds(o.heartbeat);
    zc.probe = stage.probe_name();
    zc.run = stage.run();
    zc.health = &stage.capture_health();
    zc.block_when_full = !live;
    zc.drain_timeout = std::chrono::seconds(o.drain_timeout);
    zc.spool.dir = spool_root(o, stage.probe_name()) / endpoint_folder(endpoint);
    zc.spool.max_bytes = std::uint64_t{o.spool_max_mib} << 20;
    (void)output::parse_spool_sync(o.spool_sync, zc.spool.sync);
    (void)output::parse_spool_full(o.spool_full, zc.spool.full);
    auto out = output::ZmqOutput::open(zc, error);
    if (!out) return fail(error, 1);
    const output::Spool& spool = *out->spool();
    if (spool.damaged_bytes() != 0)
      std::cerr << "limen-probe: warning: " << out->describe() << ": spool " << spool.dir().string()
                << " had " << spool.damaged_bytes()
                << " damaged bytes at the end of a segment (an interrupted write): cut\n";
    if (spool.recovered() != 0)
      std::cerr << "limen-probe: " << out->describe() << ": " << spool.recovered()
                << " events of an earlier run wait in spool " << spool.dir().string()
                << ": they are sent first\n";
    stage.add_output(std::move(out), *collector_types);
  }
  pipeline::DispatcherConfig dc;
  dc.workers = workers;
  dc.classifier = classifier_config;
  // Replay waits for a worker or an output when its queue is full (no loss); live capture
  // counts a drop.
  dc.lossless = !live;
  dc.event_ring_bytes = o.event_queue_mib << 20;
  dc.seed = new_run_id();
  dc.stats_interval_usec = o.stats_interval * kUsecPerSecond;
  pipeline::WorkerConfig& wc = dc.worker;
  wc.decoder.max_datagrams = o.max_fragments;
  wc.decoder.fragment_timeout_usec = o.fragment_timeout * kUsecPerSecond;
  wc.flows.max_flows = flows_per_worker;
  wc.flows.tcp_idle_usec = o.tcp_timeout * kUsecPerSecond;
  wc.flows.tcp_half_open_usec = o.tcp_half_open_timeout * kUsecPerSecond;
  wc.flows.udp_idle_usec = o.udp_timeout * kUsecPerSecond;
  wc.flows.other_idle_usec = o.other_timeout * kUsecPerSecond;
  wc.flows.active_timeout_usec = o.active_timeout * kUsecPerSecond;
  wc.flow_events = o.flow_events;
  // The flow tables only reserve address space here; a refusal (a max-flows beyond the address
  // space, or strict overcommit) is an error of the options, not a crash.
  std::unique_ptr<pipeline::Dispatcher> dispatcher;
  try {
    dispatcher = pipeline::Dispatcher::create(dc, program, std::move(classifier), stage, error);
  } catch (const std::bad_alloc&) {
    return fail("not enough memory to reserve the flow tables and pools (--max-flows " +
                    std::to_string(o.max_flows) +
                    "; address space, or vm.overcommit_memory=2): lower --max-flows",
                1);
  }
  if (!dispatcher) return fail(error, 1);
  stage.start();
  dispatcher->start();

  if (!program)
    std::cerr << "limen-probe: no --rules given: flows are recorded, no flow is judged\n";
  if (live) {
    // Only now, with every part built: whoever waits for this line may send traffic.
    std::cerr << "limen-probe: capturing on " << sources.front()->name()
              << (o.bpf_filter.empty() ? "" : " with filter '" + o.bpf_filter + "'")
              << std::endl;
  }
  RunSummary summary;
  capture::CaptureStats total_capture;
  int exit_code = 0;
  for (auto& src : sources) {
    if (g_stop.load()) break;
    dispatcher->set_source(src.get());
    g_current_source.store(src.get());
    bool done = false;
    auto last_packets = std::chrono::steady_clock::now();
    while (!done) {
      if (g_stop.load()) break;
      if (o.packet_count != 0 && dispatcher->packets() >= o.packet_count) {
        g_stop.store(true);
        break;
      }
      const int burst = o.packet_count != 0
          ? static_cast<int>(std::min<std::uint64_t>(kBurst, o.packet_count -
                                                                 dispatcher->packets()))
          : kBurst;
      switch (src->dispatch(*dispatcher, burst)) {
        case capture::ReadStatus::Packets:
          dispatcher->end_of_burst();
          if (o.idle_exit != 0) last_packets = std::chrono::steady_clock::now();
          break;
        case capture::ReadStatus::Idle:
          // Recorded times (DPDK's pcap driver) stand still while no packet comes, as in a
          // replay; live times move on, and idle flows time out.
          dispatcher->idle(src->wall_clock_time() ? wall_clock_now() : Timestamp{});
          if (o.idle_exit != 0 &&
              std::chrono::steady_clock::now() - last_packets >= std::chrono::seconds(o.idle_exit))
            done = true;
          break;
        case capture::ReadStatus::End:
          done = true;
          break;
        case capture::ReadStatus::Interrupted:
          done = true;
          break;
        case capture::ReadStatus::Error:
          std::cerr << "limen-probe: " << src->error() << '\n';
          summary.damaged.push_back(src->error());
          exit_code = 3;
          done = true;
          break;
      }
    }
    g_current_source.store(nullptr);
    dispatcher->set_source(nullptr);
    const auto st = src->stats();
    total_capture.kernel_drops += st.kernel_drops;
    total_capture.interface_drops += st.interface_drops;
    total_capture.drops_known = total_capture.drops_known || st.drops_known;
    if (st.port_count != 0) {
      total_capture.ports = st.ports;
      total_capture.port_count = st.port_count;
    }
  }
  dispatcher->finish(total_capture);
  stage.stop();

  for (const auto& out : stage.outputs()) {
    if (!out->out->last_error().empty())
      std::cerr << "limen-probe: " << out->out->last_error() << '\n';
    // Events still waiting for a collector are not lost, but the run did not deliver them.
    if (out->out->counters().pending != 0 && exit_code == 0) exit_code = 4;
  }
  summary.files = o.read_files.size();
  summary.live = live;
  summary.capture = total_capture;
  summary.workers = dispatcher->workers();
  summary.time_jumps = dispatcher->time_jumps();
  summary.queue_drops = dispatcher->queue_drops();
  summary.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!o.quiet) print_summary(std::cerr, summary, dispatcher->total(), stage, program.get());
  return exit_code;
}

}  // namespace limen::app
