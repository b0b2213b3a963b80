#pragma once
// The probe's command line and configuration file (same option names in both), parsed once into
// a plain struct. Parsing never exits the process: main decides what to print and the exit code.

#include <cstdint>
#include <string>
#include <vector>

namespace limen::app {

struct ProbeOptions {
  std::vector<std::string> read_files;  // -r, replay in order
  std::string interface;                // -i, live capture
  std::string dpdk;                     // --dpdk "EAL ARGUMENTS": capture from DPDK ports
  bool dpdk_given = false;
  int idle_exit = 0;                    // live: end after this many seconds without a packet
  std::string bpf_filter;
  int snaplen = 262144;
  int buffer_size_mib = 64;
  bool promiscuous = true;
  std::uint64_t packet_count = 0;       // stop after this many packets (0 = no limit)

  std::string rules_file;
  std::string eve;                      // path or "-"; empty with no collector: stdout
  std::vector<std::string> collectors;  // ZeroMQ endpoints
  // CURVE: each collector's public key file (one for all, or one per --collector in order) and
  // this probe's key pair folder; or plain text when `insecure`.
  std::vector<std::string> collector_keys;
  std::string key_dir;
  bool insecure = false;
  std::string name;                     // probe name; default: host name
  std::string eve_types = "all";        // event types the EVE output takes (events/event_types.h)
  std::string collector_types = "all";  // event types sent to the collectors
  // Each collector's events wait in a spool until acknowledged (probe/output/spool.h):
  // SPOOL/<collector endpoint>/; default: the state directory's spool/<probe name>.
  std::string spool;
  std::string spool_sync = "interval";  // always, interval (1 s) or never
  std::size_t spool_max_mib = 1024;     // per collector
  std::string spool_full = "drop-oldest";  // or refuse
  int drain_timeout = 60;               // seconds the end of a run waits for acknowledgements
  int heartbeat = 5;                    // seconds between heartbeats to the collectors; 0: none
  std::size_t event_queue_mib = 16;     // worker -> output stage ring
  int stats_interval = 60;              // seconds of packet time; 0 = only at the end
  bool flow_events = true;

  // Packet workers, one thread each (0: one per core the probe may use, less one for capture
  // and output). Flows are spread over them by address pair; --max-flows is their total.
  std::size_t workers = 0;
  std::size_t max_flows = 262144;
  int tcp_timeout = 3600;
  int tcp_half_open_timeout = 30;       // SYN or SYN-ACK seen, handshake not complete
  int udp_timeout = 120;
  int other_timeout = 60;
  int active_timeout = 1800;
  std::size_t max_fragments = 4096;
  int fragment_timeout = 30;
  bool quiet = false;                   // no end-of-run summary
};

enum class ParseOutcome { Run, Help, Version, RulesCheck, Keygen, Error };

struct ParseResult {
  ParseOutcome outcome = ParseOutcome::Error;
  ProbeOptions options;
  std::string rules_check_file;  // for `limen-probe rules check FILE`
  std::string keygen_dir;        // for `limen-probe keygen --out DIR`
  std::string text;              // help text, or the error message
};

ParseResult parse_probe_options(int argc, const char* const* argv);

}  // namespace limen::app
