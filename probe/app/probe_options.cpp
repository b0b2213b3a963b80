#include "probe/app/probe_options.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <sstream>

#include "common/wire.h"
#include "probe/capture/dpdk_source.h"
#include "probe/events/event_types.h"
#include "probe/output/spool.h"

namespace po = boost::program_options;

namespace limen::app {
namespace {

// Negative switches bind here, then become the positive fields of ProbeOptions.
bool no_promisc_ = false;
bool no_flow_events_ = false;

constexpr const char* kUsage = R"(limen-probe: network traffic analysis probe for critical systems

Reads packets from capture files or a network interface (a SPAN/mirror port), follows every
flow, checks each flow that crosses a zone boundary against your rules, and reports findings,
flow records and statistics as EVE-style JSON lines to a file and/or a Limen collector.

Usage:
  limen-probe -r CAPTURE [-r CAPTURE ...] --rules FILE [outputs]   replay capture files
  limen-probe -i IFACE --rules FILE [outputs]                      capture live
  limen-probe --dpdk "EAL ARGUMENTS" --rules FILE [outputs]        capture from DPDK ports
  limen-probe rules check FILE                                     validate a rules file
  limen-probe keygen --out DIR                                     make this probe's key pair

Examples:
  limen-probe -r site.pcap --rules site.rules --eve -
  limen-probe -i eth1 --rules /etc/limen/site.rules --eve /var/log/limen/eve.json \
              --collector tcp://collector.example:5555 --name substation-3 \
              --collector-key /etc/limen/collector.pub --key /etc/limen/probe

Collectors are reached over ZeroMQ CURVE (encrypted, authenticated): give the collector's
public key with --collector-key and this probe's key pair with --key (made by
`limen-probe keygen --out DIR`; the collector's allow list binds its public key to --name).
)";

constexpr const char* kExitCodes = R"(
Exit codes: 0 done; 1 bad options, configuration or rules; 2 a capture could not be opened or
read; 3 a capture was damaged part-way (its packets up to the damage were processed).
)";

po::options_description describe(ProbeOptions& o) {
  po::options_description general("General");
  general.add_options()
      ("help,h", "show this help and exit")
      ("version,V", "show the version and exit")
      ("config,c", po::value<std::string>()->value_name("FILE"),
       "read options from FILE ('name = value' lines, same names as here; the command line "
       "wins)")
      ("quiet,q", po::bool_switch(&o.quiet), "no summary at the end of a replay");
  po::options_description input("Input");
  input.add_options()
      ("read,r", po::value(&o.read_files)->value_name("CAPTURE")->composing(),
       "replay a pcap or pcapng file; repeat to replay several in order")
      ("interface,i", po::value(&o.interface)->value_name("IFACE"),
       "capture live on IFACE (needs root or CAP_NET_RAW)")
      ("dpdk", po::value(&o.dpdk)->value_name("\"EAL ARGS\""),
       "capture from every port DPDK's EAL finds, e.g. \"-l 0 -a 0000:03:00.0\" or, without a "
       "NIC, \"--no-huge --no-pci -m 512 --vdev net_pcap0,rx_pcap=F\" (docs/deployment.md)")
      ("idle-exit", po::value(&o.idle_exit)->value_name("SEC"),
       "live: end the capture after SEC seconds without a packet")
      ("bpf,f", po::value(&o.bpf_filter)->value_name("FILTER"),
       "BPF capture filter, as for tcpdump (e.g. 'not port 22')")
      ("snaplen,s", po::value(&o.snaplen)->value_name("BYTES")->default_value(o.snaplen),
       "live: bytes kept per packet")
      ("buffer-size", po::value(&o.buffer_size_mib)->value_name("MiB")->default_value(
                          o.buffer_size_mib),
       "live: kernel capture buffer")
      ("no-promisc", po::bool_switch(&no_promisc_), "live: do not put the interface in promiscuous mode")
      ("count", po::value(&o.packet_count)->value_name("N"),
       "stop after N packets");
  po::options_description rules("Rules");
  rules.add_options()
      ("rules", po::value(&o.rules_file)->value_name("FILE"),
       "zones and flow rules (see docs/rules.md); the probe refuses to start on an invalid file");
  po::options_description outputs("Outputs (several at once are fine)");
  outputs.add_options()
      ("eve", po::value(&o.eve)->value_name("PATH"),
       "append EVE JSON lines to PATH; '-' for stdout (the default when no output is given)")
      ("collector", po::value(&o.collectors)->value_name("ENDPOINT")->composing(),
       "publish events to a limen-collector, e.g. tcp://10.0.0.5:5555 or ipc:///run/limen.sock")
      ("collector-key", po::value(&o.collector_keys)->value_name("FILE")->composing(),
       "the collector's CURVE public key file; once for every collector, or once per "
       "--collector in the same order")
      ("key", po::value(&o.key_dir)->value_name("DIR"),
       "this probe's CURVE key pair: DIR/secret.key (mode 0600), made by keygen")
      ("insecure", po::bool_switch(&o.insecure),
       "talk to the collectors in plain text, unauthenticated (tests only)")
      ("spool", po::value(&o.spool)->value_name("DIR"),
       "where events wait until a collector acknowledges them, one folder per collector "
       "(default: $STATE_DIRECTORY, else /var/lib/limen as root, else ~/.local/state/limen; "
       "then spool/NAME)")
      ("spool-sync", po::value(&o.spool_sync)->value_name("POLICY")->default_value(o.spool_sync),
       "when the spool reaches the disk: always (each event), interval (each second), never "
       "(left to the kernel)")
      ("spool-max", po::value(&o.spool_max_mib)->value_name("MiB")->default_value(
                        o.spool_max_mib),
       "the spool's bound, per collector")
      ("spool-full", po::value(&o.spool_full)->value_name("POLICY")->default_value(o.spool_full),
       "a full spool drops its oldest events (drop-oldest) or refuses new ones (refuse); "
       "either loss is counted and reported")
      ("drain-timeout", po::value(&o.drain_timeout)->value_name("SEC")->default_value(
                            o.drain_timeout),
       "at the end of a run, how long to wait for the collectors to acknowledge every event; "
       "what is left stays in the spool for the next run")
      ("heartbeat", po::value(&o.heartbeat)->value_name("SEC")->default_value(o.heartbeat),
       "seconds between heartbeats to the collectors (clock, capture drops, spool state), "
       "which watch for silence, drops and clock skew; 0: none")
      ("eve-types", po::value(&o.eve_types)->value_name("TYPES")->default_value(o.eve_types),
       "event types written to the EVE output: a list such as 'finding,flow' or 'all,-stats' of "
       "all, transactions, finding, flow, stats, anomaly and protocol names (modbus, dnp3 ...)")
      ("collector-types", po::value(&o.collector_types)->value_name("TYPES")->default_value(
                              o.collector_types),
       "event types published to the collectors, as --eve-types (e.g. 'finding,flow,stats')")
      ("event-queue", po::value(&o.event_queue_mib)->value_name("MiB")->default_value(
                          o.event_queue_mib),
       "events waiting for the outputs; when full, live capture counts drops, replay waits")
      ("name", po::value(&o.name)->value_name("NAME"),
       "this probe's name in every event (default: the host name)")
      ("stats-interval", po::value(&o.stats_interval)->value_name("SEC")->default_value(
                             o.stats_interval),
       "seconds of packet time between stats events; 0: only at the end")
      ("no-flow-events", po::bool_switch(&no_flow_events_), "do not emit a flow record for every ended flow");
  po::options_description limits("Limits and timeouts (seconds of packet time)");
  limits.add_options()
      ("workers", po::value(&o.workers)->value_name("N"),
       "packet workers, one thread each; default: the cores the probe may use, less one "
       "(at least 1)")
      ("max-flows", po::value(&o.max_flows)->value_name("N")->default_value(o.max_flows),
       "flows tracked at once, shared among the workers; beyond this packets are counted as "
       "not tracked")
      ("tcp-timeout", po::value(&o.tcp_timeout)->default_value(o.tcp_timeout),
       "idle TCP flow timeout")
      ("tcp-half-open-timeout",
       po::value(&o.tcp_half_open_timeout)->default_value(o.tcp_half_open_timeout),
       "idle timeout of a TCP flow whose handshake has not completed (SYN scans and floods)")
      ("udp-timeout", po::value(&o.udp_timeout)->default_value(o.udp_timeout),
       "idle UDP flow timeout")
      ("other-timeout", po::value(&o.other_timeout)->default_value(o.other_timeout),
       "idle timeout of other flows (ICMP ...)")
      ("active-timeout", po::value(&o.active_timeout)->default_value(o.active_timeout),
       "a longer flow is reported and restarted")
      ("max-fragments", po::value(&o.max_fragments)->default_value(o.max_fragments),
       "IP datagrams being reassembled at once")
      ("fragment-timeout", po::value(&o.fragment_timeout)->default_value(o.fragment_timeout),
       "seconds to wait for the rest of a fragmented datagram");
  po::options_description all;
  all.add(general).add(input).add(rules).add(outputs).add(limits);
  return all;
}

std::string check(const ProbeOptions& o) {
  const int inputs = (o.read_files.empty() ? 0 : 1) + (o.interface.empty() ? 0 : 1) +
                     (o.dpdk_given ? 1 : 0);
  if (inputs == 0)
    return "nothing to read: give capture files with -r, an interface with -i, or --dpdk";
  if (inputs > 1) return "-r (replay), -i (live capture) and --dpdk cannot be used together";
  if (o.dpdk_given) {
    std::vector<std::string> words;
    std::string error;
    if (!capture::split_eal_args(o.dpdk, words, error)) return error;
  }
  if (o.idle_exit < 0 || o.idle_exit > 86400) return "--idle-exit must be between 0 and 86400";
  if (o.idle_exit != 0 && !o.read_files.empty())
    return "--idle-exit applies to live capture (-i or --dpdk); a replay ends with its files";
  if (!o.name.empty() && !wire::valid_probe_name(o.name))
    return "--name '" + o.name + "': use 1 to 64 characters among letters, digits, '.', '_', '-'";
  if (o.snaplen < 64 || o.snaplen > 262144) return "--snaplen must be between 64 and 262144";
  if (o.buffer_size_mib < 1 || o.buffer_size_mib > 4096)
    return "--buffer-size must be between 1 and 4096 MiB";
  if (o.stats_interval < 0) return "--stats-interval cannot be negative";
  if (o.workers > 32) return "--workers must be between 1 and 32 (0: one per usable core, less one)";
  if (o.max_flows < 16 || o.max_flows > (1U << 26))
    return "--max-flows must be between 16 and 67108864";
  for (int t : {o.tcp_timeout, o.tcp_half_open_timeout, o.udp_timeout, o.other_timeout,
                o.active_timeout, o.fragment_timeout})
    if (t < 1 || t > 86400) return "timeouts must be between 1 and 86400 seconds";
  if (o.max_fragments < 1 || o.max_fragments > (1U << 20))
    return "--max-fragments must be between 1 and 1048576";
  if (o.event_queue_mib < 1 || o.event_queue_mib > 4096)
    return "--event-queue must be between 1 and 4096 MiB";
  {
    output::SpoolSync sync;
    output::SpoolFull full;
    if (!output::parse_spool_sync(o.spool_sync, sync))
      return "--spool-sync '" + o.spool_sync + "': use always, interval or never";
    if (!output::parse_spool_full(o.spool_full, full))
      return "--spool-full '" + o.spool_full + "': use drop-oldest or refuse";
  }
  if (o.insecure && (!o.collector_keys.empty() || !o.key_dir.empty()))
    return "--insecure cannot be combined with --collector-key or --key";
  if (!o.collectors.empty() && !o.insecure) {
    if (o.collector_keys.empty() || o.key_dir.empty())
      return "--collector needs --collector-key FILE and --key DIR (CURVE: make this probe's "
             "keys with 'limen-probe keygen --out DIR'), or --insecure for plain text";
    if (o.collector_keys.size() != 1 && o.collector_keys.size() != o.collectors.size())
      return "give --collector-key once for every collector, or once per --collector (" +
             std::to_string(o.collectors.size()) + ")";
  }
  if (o.collectors.empty() && (!o.collector_keys.empty() || !o.key_dir.empty() || o.insecure))
    return "--collector-key, --key and --insecure apply to --collector, which is not given";
  if (o.spool_max_mib < 1 || o.spool_max_mib > (std::size_t{1} << 22))
    return "--spool-max must be between 1 and 4194304 MiB";
  if (o.heartbeat < 0 || o.heartbeat > 3600)
    return "--heartbeat must be between 0 (none) and 3600 seconds";
  if (o.drain_timeout < 0 || o.drain_timeout > 86400)
    return "--drain-timeout must be between 0 and 86400 seconds";
  std::string error;
  if (!events::EventTypeSet::parse(o.eve_types, error)) return "--eve-types: " + error;
  if (!events::EventTypeSet::parse(o.collector_types, error)) return "--collector-types: " + error;
  return {};
}

}  // namespace

ParseResult parse_probe_options(int argc, const char* const* argv) {
  ParseResult result;
  // `limen-probe rules check FILE` is a sub-command, not an option.
  if (argc >= 2 && std::string_view(argv[1]) == "rules") {
    if (argc == 4 && std::string_view(argv[2]) == "check") {
      result.outcome = ParseOutcome::RulesCheck;
      result.rules_check_file = argv[3];
      return result;
    }
    result.text = "usage: limen-probe rules check FILE";
    return result;
  }
  if (argc >= 2 && std::string_view(argv[1]) == "keygen") {
    const bool help = argc == 3 && (std::string_view(argv[2]) == "--help" ||
                                    std::string_view(argv[2]) == "-h");
    if (help) {
      result.outcome = ParseOutcome::Help;
      result.text = "Usage: limen-probe keygen --out DIR\n\nWrites this probe's CURVE key pair: "
                    "DIR/secret.key (mode 0600; DIR is created with mode 0700\nwhen absent) and "
                    "DIR/public.key, which the collector's allow list names with this\nprobe's "
                    "--name. An existing key is never overwritten.\n";
      return result;
    }
    if (argc == 4 && std::string_view(argv[2]) == "--out") {
      result.outcome = ParseOutcome::Keygen;
      result.keygen_dir = argv[3];
      return result;
    }
    result.text = "usage: limen-probe keygen --out DIR";
    return result;
  }
  ProbeOptions& o = result.options;
  auto desc = describe(o);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help") != 0U) {
      std::ostringstream out;
      out << kUsage << desc << kExitCodes;
      result.text = out.str();
      result.outcome = ParseOutcome::Help;
      return result;
    }
    if (vm.count("version") != 0U) {
      result.outcome = ParseOutcome::Version;
      return result;
    }
    if (vm.count("config") != 0U) {
      const auto path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) {
        result.text = "cannot read config file " + path;
        return result;
      }
      try {
        po::store(po::parse_config_file(in, desc), vm);
      } catch (const po::error& e) {
        result.text = path + ": " + e.what();
        return result;
      }
    }
    po::notify(vm);
    o.promiscuous = !no_promisc_;
    o.flow_events = !no_flow_events_;
    o.dpdk_given = vm.count("dpdk") != 0U;  // --dpdk "" is valid: the EAL's defaults
  } catch (const po::error& e) {
    result.text = e.what();
    return result;
  }
  if (auto err = check(o); !err.empty()) {
    result.text = std::move(err);
    return result;
  }
  result.outcome = ParseOutcome::Run;
  return result;
}

}  // namespace limen::app
