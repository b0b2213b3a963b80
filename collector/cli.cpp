#include "collector/cli.h"

#include <boost/program_options.hpp>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

#include "collector/event_record.h"
#include "collector/syslog_forwarder.h"
#include "common/ip_address.h"
#include "common/wire.h"

namespace limen::collector {
namespace {

namespace po = boost::program_options;

constexpr std::size_t kMaxBatchSize = 1'000'000;
constexpr std::int64_t kMaxBatchIntervalMs = 3'600'000;
constexpr std::int64_t kMaxRetentionDays = 36'500;

constexpr const char* kRunUsage =
    R"(limen-collector: receives events from Limen probes and stores them in SQLite.

Usage:
  limen-collector --listen ENDPOINT --db PATH --key DIR --allow FILE_OR_DIR [options]
  limen-collector --listen ENDPOINT --db PATH --insecure [options]
  limen-collector query --db PATH [filters]     (see limen-collector query --help)
  limen-collector stats --db PATH               (see limen-collector stats --help)
  limen-collector keygen --out DIR              (the collector's key pair)

Probes connect to ENDPOINT (ZeroMQ DEALER -> ROUTER) and send findings, flow records and
statistics. Connections are encrypted and authenticated with ZeroMQ CURVE: only the probes
whose public keys the allow list names may connect, and each may write only under the name
the list binds to its key. Refused connections and events are logged (rate-limited) and
counted. Any number of probes may connect. Each event is stored once: duplicates are
dropped and counted, missing sequence numbers are counted as gaps per probe.
On start the collector prints one line with the endpoint it actually listens on.
SIGINT or SIGTERM stops it cleanly: queued events are stored first, then a summary is
printed on stderr.

Examples:
  limen-collector keygen --out /etc/limen/collector
  limen-collector --listen tcp://0.0.0.0:5555 --db /var/lib/limen/events.db \
                  --key /etc/limen/collector --allow /etc/limen/probes.allow
  limen-collector --listen tcp://127.0.0.1:* --db events.db --insecure   (any free port)
  limen-collector --config /etc/limen/collector.conf

Exit status: 0 after a clean stop, 1 when it cannot start (the cause is printed), 2 on a
usage error.
)";

constexpr const char* kQueryUsage = R"(limen-collector query: prints stored events.

Usage:
  limen-collector query --db PATH [filters] [--json | --csv] [--count | --follow]

By default prints the newest 100 findings, oldest first, as a table. Times are RFC 3339
("2026-03-02T08:00:00Z", offsets allowed) or a date ("2026-03-02", midnight UTC);
--since is inclusive, --until exclusive. --json prints the events exactly as the probes
sent them, one per line (EVE JSON, for jq and tools written for Suricata's EVE); --csv prints
one line per event under a header. --follow keeps printing new events as they arrive. The
database may be queried while the collector runs.

Examples:
  limen-collector query --db events.db
  limen-collector query --db events.db --severity high --since 2026-03-02
  limen-collector query --db events.db --address 10.1.2.3 --json
  limen-collector query --db events.db --address 10.20.0.0/16 --zone plc_cell --operation write
  limen-collector query --db events.db --protocol modbus --csv --limit 0 > findings.csv
  limen-collector query --db events.db --severity high --json --follow
  limen-collector query --db events.db --type flow --probe plant-a --limit 0
  limen-collector query --db events.db --rule 12 --count

Exit status: 0 (also when nothing matches), 1 when the database cannot be read, 2 on a
usage error.
)";

CommandLine error(std::string why) {
  CommandLine out;
  out.command = Command::Error;
  out.text = std::move(why);
  return out;
}

template <typename T>
std::optional<T> number(const std::string& text) {
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::string help_text(const char* usage, const po::options_description& options) {
  std::ostringstream out;
  out << usage << '\n' << options;
  return out.str();
}

// Parses a subcommand's options (argv[1] is its name) into `vm`. nullopt when the caller goes
// on; otherwise what to return: the usage error, or the help.
std::optional<CommandLine> parse_subcommand(int argc, const char* const* argv, const char* name,
                                            const char* usage,
                                            const po::options_description& options,
                                            po::variables_map& vm) {
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return error(std::string(name) + ": " + e.what());
  }
  if (vm.count("help") == 0U) return std::nullopt;
  CommandLine out;
  out.command = Command::Help;
  out.text = help_text(usage, options);
  return out;
}

CommandLine parse_run(int argc, const char* const* argv) {
  po::options_description options("Options", 100);
  // clang-format off
  options.add_options()
      ("listen", po::value<std::string>()->value_name("ENDPOINT"),
       "ZeroMQ endpoint to bind: tcp://HOST:PORT, tcp://HOST:* (any free port) or ipc://PATH")
      ("db", po::value<std::string>()->value_name("PATH"),
       "SQLite database file (created when absent)")
      ("config", po::value<std::string>()->value_name("FILE"),
       "file of `name = value` lines with the same option names; the command line wins")
      ("batch-size", po::value<std::string>()->value_name("N")->default_value("5000"),
       "commit after this many events...")
      ("batch-interval-ms", po::value<std::string>()->value_name("MS")->default_value("1000"),
       "...or after this many milliseconds, whichever comes first")
      ("retention-days", po::value<std::string>()->value_name("DAYS")->default_value("183"),
       "delete events received more than DAYS ago, a little at a time while receiving; "
       "0 keeps everything")
      ("name", po::value<std::string>()->value_name("NAME")->default_value("limen-collector"),
       "the probe name the collector's own findings (probe health) are stored under")
      ("silence-timeout", po::value<std::string>()->value_name("SEC")->default_value("30"),
       "a probe without a heartbeat for this long is reported silent")
      ("max-clock-skew-ms", po::value<std::string>()->value_name("MS")->default_value("2000"),
       "a probe whose clock differs from the collector's by more is reported")
      ("forward", po::value<std::vector<std::string>>()->value_name("TARGET")->composing(),
       "also send every finding to a SIEM as RFC 5424 syslog, at least once: "
       "syslog+tcp://HOST:PORT or syslog+tls://HOST:PORT (repeat for several)")
      ("forward-ca", po::value<std::string>()->value_name("FILE"),
       "TLS forwarding: the CA certificate(s) the SIEM's certificate must chain to (default: "
       "the system's)")
      ("key", po::value<std::string>()->value_name("DIR"),
       "the collector's CURVE key pair: DIR/secret.key (mode 0600), made by keygen")
      ("allow", po::value<std::string>()->value_name("FILE_OR_DIR"),
       "the probes allowed: a file of 'NAME PUBLIC_KEY' lines, or a folder of NAME.key public "
       "key files; each probe may write only under its NAME")
      ("insecure", po::bool_switch(),
       "plain text, no authentication: anyone who reaches ENDPOINT may write (tests only)")
      ("quiet", po::bool_switch(), "do not log rejected messages (the summary still counts them)")
      ("help", "show this help")
      ("version", "show the version");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help") != 0U) return {Command::Help, {}, {}, {}, {}, help_text(kRunUsage, options)};
    if (vm.count("version") != 0U) return {Command::Version, {}, {}, {}, {}, {}};
    if (vm.count("config") != 0U) {
      const auto path = vm["config"].as<std::string>();
      std::ifstream file(path);
      if (!file) return error("cannot read config file " + path);
      po::store(po::parse_config_file(file, options), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return error(e.what());
  }
  CommandLine out;
  out.command = Command::Run;
  auto& c = out.collector;
  if (vm.count("listen") == 0U) return error("--listen ENDPOINT is required");
  if (vm.count("db") == 0U) return error("--db PATH is required");
  c.listen = vm["listen"].as<std::string>();
  c.db_path = vm["db"].as<std::string>();
  c.quiet = vm["quiet"].as<bool>();
  c.insecure = vm["insecure"].as<bool>();
  if (vm.count("key") != 0U) c.key_dir = vm["key"].as<std::string>();
  if (vm.count("allow") != 0U) c.allow = vm["allow"].as<std::string>();
  if (c.insecure && (!c.key_dir.empty() || !c.allow.empty()))
    return error("--insecure cannot be combined with --key or --allow");
  if (!c.insecure && (c.key_dir.empty() || c.allow.empty()))
    return error("--key DIR and --allow FILE_OR_DIR are required (CURVE: make keys with "
                 "'limen-collector keygen --out DIR'), or --insecure for plain text");
  const auto size = number<std::size_t>(vm["batch-size"].as<std::string>());
  if (!size || *size == 0 || *size > kMaxBatchSize)
    return error("--batch-size must be 1.." + std::to_string(kMaxBatchSize));
  c.batch_size = *size;
  const auto interval = number<std::int64_t>(vm["batch-interval-ms"].as<std::string>());
  if (!interval || *interval <= 0 || *interval > kMaxBatchIntervalMs)
    return error("--batch-interval-ms must be 1.." + std::to_string(kMaxBatchIntervalMs));
  c.batch_interval = std::chrono::milliseconds(*interval);
  const auto retention = number<std::int64_t>(vm["retention-days"].as<std::string>());
  if (!retention || *retention < 0 || *retention > kMaxRetentionDays)
    return error("--retention-days must be 0 (keep everything) .. " +
                 std::to_string(kMaxRetentionDays));
  c.retention_days = static_cast<int>(*retention);
  c.name = vm["name"].as<std::string>();
  if (!wire::valid_probe_name(c.name))
    return error("--name '" + c.name + "': use 1 to 64 letters, digits, '.', '_', '-'");
  const auto silence = number<int>(vm["silence-timeout"].as<std::string>());
  if (!silence || *silence < 1 || *silence > 86400)
    return error("--silence-timeout must be 1..86400 seconds");
  c.silence_timeout = *silence;
  const auto skew = number<int>(vm["max-clock-skew-ms"].as<std::string>());
  if (!skew || *skew < 1 || *skew > 3'600'000)
    return error("--max-clock-skew-ms must be 1..3600000");
  c.max_clock_skew_ms = *skew;
  if (vm.count("forward") != 0U) c.forward = vm["forward"].as<std::vector<std::string>>();
  for (const auto& target : c.forward) {
    ForwardTarget parsed;
    if (auto why = parse_forward_target(target, parsed); !why.empty()) return error("--forward " + why);
  }
  if (vm.count("forward-ca") != 0U) c.forward_ca = vm["forward-ca"].as<std::string>();
  return out;
}

CommandLine parse_query(int argc, const char* const* argv) {
  po::options_description options("Options", 100);
  // clang-format off
  options.add_options()
      ("db", po::value<std::string>()->value_name("PATH"),
       "SQLite database written by limen-collector")
      ("type", po::value<std::string>()->value_name("TYPE")->default_value("finding"),
       "finding, flow or stats")
      ("json", po::bool_switch(), "print the stored events as JSON lines (EVE, as the probes sent them)")
      ("csv", po::bool_switch(), "print CSV (RFC 4180) with a header line")
      ("follow", po::bool_switch(), "after the answer, print new events as they arrive (Ctrl-C ends)")
      ("count", po::bool_switch(), "print only the number of matching events")
      ("since", po::value<std::string>()->value_name("TIME"), "events at or after this time")
      ("until", po::value<std::string>()->value_name("TIME"), "events before this time")
      ("probe", po::value<std::string>()->value_name("NAME"), "events from this probe")
      ("rule", po::value<std::string>()->value_name("ID"),
       "findings or flows of this rule id (0 = the default policy)")
      ("severity", po::value<std::string>()->value_name("LEVEL"),
       "findings of at least this severity: low, medium, high, critical")
      ("address", po::value<std::string>()->value_name("IP[/BITS]"),
       "findings or flows with this address, or an address in this network (CIDR), as source or "
       "destination")
      ("zone", po::value<std::string>()->value_name("NAME"),
       "findings or flows with this zone as source or destination zone")
      ("protocol", po::value<std::string>()->value_name("NAME"),
       "findings or flows of this transport (tcp, udp ...) or application (modbus, dnp3 ...)")
      ("operation", po::value<std::string>()->value_name("OP"),
       "findings about this operation (write, stop, program ...)")
      ("limit", po::value<std::string>()->value_name("N")->default_value("100"),
       "the newest N events; 0 = all")
      ("help", "show this help");
  // clang-format on
  po::variables_map vm;
  if (auto done = parse_subcommand(argc, argv, "query", kQueryUsage, options, vm)) return *done;
  CommandLine out;
  out.command = Command::Query;
  auto& q = out.query;
  if (vm.count("db") == 0U) return error("query: --db PATH is required");
  q.db_path = vm["db"].as<std::string>();
  if (vm["json"].as<bool>() && vm["csv"].as<bool>())
    return error("query: --json and --csv cannot be combined");
  q.format = vm["json"].as<bool>()  ? QueryFormat::Json
             : vm["csv"].as<bool>() ? QueryFormat::Csv
                                    : QueryFormat::Table;
  q.follow = vm["follow"].as<bool>();
  q.count = vm["count"].as<bool>();
  const auto type = vm["type"].as<std::string>();
  if (type == "finding") {
    q.type = QueryType::Finding;
  } else if (type == "flow") {
    q.type = QueryType::Flow;
  } else if (type == "stats") {
    q.type = QueryType::Stats;
  } else {
    return error("query: --type must be finding, flow or stats, not '" + type + "'");
  }
  for (const char* name : {"since", "until"}) {
    if (vm.count(name) == 0U) continue;
    const auto text = vm[name].as<std::string>();
    const auto t = parse_time(text);
    if (!t)
      return error(std::string("query: --") + name + " '" + text +
                   "' is not a time (RFC 3339 or YYYY-MM-DD)");
    (std::string_view(name) == "since" ? q.since : q.until) = *t;
  }
  if (vm.count("probe") != 0U) q.probe = vm["probe"].as<std::string>();
  if (vm.count("rule") != 0U) {
    const auto text = vm["rule"].as<std::string>();
    q.rule_id = number<std::int64_t>(text);
    if (!q.rule_id) return error("query: --rule '" + text + "' is not a rule id");
  }
  if (vm.count("severity") != 0U) {
    const auto text = vm["severity"].as<std::string>();
    q.min_severity = severity_level(text);
    if (!q.min_severity)
      return error("query: --severity must be low, medium, high or critical, not '" + text + "'");
  }
  if (vm.count("address") != 0U) {
    const auto text = vm["address"].as<std::string>();
    const auto slash = text.find('/');
    const auto address = IpAddress::parse(std::string_view(text).substr(0, slash));
    if (!address)
      return error("query: --address '" + text + "' is not an IP address or a network (CIDR)");
    q.address = address->to_string();
    if (slash != std::string::npos) {
      const auto bits = number<int>(text.substr(slash + 1));
      const int max = address->is_v4() ? 32 : 128;
      if (!bits || *bits < 0 || *bits > max)
        return error("query: --address '" + text + "': the prefix must be 0.." +
                     std::to_string(max) + " bits");
      if (*bits < max) q.address_prefix = *bits;
    }
  }
  for (const char* name : {"zone", "protocol", "operation"}) {
    if (vm.count(name) == 0U) continue;
    const auto text = vm[name].as<std::string>();
    if (text.empty()) return error(std::string("query: --") + name + " needs a value");
    (std::string_view(name) == "zone"       ? q.zone
     : std::string_view(name) == "protocol" ? q.protocol
                                            : q.operation) = text;
  }
  const auto limit_text = vm["limit"].as<std::string>();
  const auto limit = number<std::uint64_t>(limit_text);
  if (!limit) return error("query: --limit '" + limit_text + "' is not a count");
  q.limit = *limit;
  if (auto why = check_query(q); !why.empty()) return error("query: " + why);
  return out;
}

constexpr const char* kStatsUsage = R"(limen-collector stats: what the database says about ingestion and probes.

Usage:
  limen-collector stats --db PATH [--json]

Prints the events received, stored, rejected and pruned and the connections refused (unknown
key, failed handshake, a probe writing under another's name), summed over every collector run
that wrote to PATH; how many events arrived in the last minute and hour; and per probe its
runs, events, duplicates, gaps and when it was first and last heard from. --json prints the
same as one JSON object. The database may be read while the collector runs.

Exit status: 0, 1 when the database cannot be read, 2 on a usage error.
)";

CommandLine parse_stats(int argc, const char* const* argv) {
  po::options_description options("Options", 100);
  // clang-format off
  options.add_options()
      ("db", po::value<std::string>()->value_name("PATH"), "SQLite database written by limen-collector")
      ("json", po::bool_switch(), "one JSON object instead of text")
      ("help", "show this help");
  // clang-format on
  po::variables_map vm;
  if (auto done = parse_subcommand(argc, argv, "stats", kStatsUsage, options, vm)) return *done;
  if (vm.count("db") == 0U) return error("stats: --db PATH is required");
  CommandLine out;
  out.command = Command::Stats;
  out.stats.db_path = vm["db"].as<std::string>();
  out.stats.json = vm["json"].as<bool>();
  return out;
}

constexpr const char* kKeygenUsage = R"(limen-collector keygen: makes the collector's CURVE key pair.

Usage:
  limen-collector keygen --out DIR

Writes DIR/secret.key (mode 0600; DIR is created with mode 0700 when absent) and
DIR/public.key. Give public.key to every probe (--collector-key FILE); start the collector
with --key DIR. An existing key is never overwritten.

Exit status: 0 when the keys were written, 1 when they could not be, 2 on a usage error.
)";

CommandLine parse_keygen(int argc, const char* const* argv) {
  po::options_description options("Options", 100);
  // clang-format off
  options.add_options()
      ("out", po::value<std::string>()->value_name("DIR"), "folder for secret.key and public.key")
      ("help", "show this help");
  // clang-format on
  po::variables_map vm;
  if (auto done = parse_subcommand(argc, argv, "keygen", kKeygenUsage, options, vm)) return *done;
  if (vm.count("out") == 0U) return error("keygen: --out DIR is required");
  CommandLine out;
  out.command = Command::Keygen;
  out.keygen_dir = vm["out"].as<std::string>();
  return out;
}

}  // namespace

CommandLine parse_command_line(int argc, const char* const* argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "query") return parse_query(argc, argv);
  if (argc >= 2 && std::string_view(argv[1]) == "keygen") return parse_keygen(argc, argv);
  if (argc >= 2 && std::string_view(argv[1]) == "stats") return parse_stats(argc, argv);
  return parse_run(argc, argv);
}

}  // namespace limen::collector
