// limen-collector: entry point. Option parsing, storage, reception and queries live in
// limen_collector_lib so tests drive the same code; this file wires signals and exit codes.
#include <csignal>
#include <iostream>

#include "collector/cli.h"
#include "collector/receiver.h"
#include "collector/store.h"
#include "collector/syslog_forwarder.h"
#include "common/curve_keys.h"

namespace {

// Lock-free, hence safe to set from a signal handler.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int /*signal*/) { g_stop.store(true); }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking poll returns EINTR and sees the flag
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int run_collector(const limen::collector::CollectorConfig& config) {
  using namespace limen::collector;
  install_signal_handlers();
  std::string error;
  StoreOptions options;
  options.batch_size = config.batch_size;
  options.batch_interval = config.batch_interval;
  options.retention = std::chrono::hours(24 * config.retention_days);
  auto store = Store::open(config.db_path, options, error);
  if (!store) {
    std::cerr << "limen-collector: " << error << '\n';
    return 1;
  }
  ReceiverSecurity security;
  if (config.insecure) {
    security = ReceiverSecurity::insecure();
  } else {
    auto allow = limen::curve::AllowList::load(config.allow, error);
    if (!allow || !limen::curve::load_key_pair(config.key_dir, security.key, error)) {
      std::cerr << "limen-collector: " << error << '\n';
      return 1;
    }
    security.allow = std::move(*allow);
  }
  auto receiver = Receiver::bind(config.listen, *store, std::move(security), error);
  if (!receiver) {
    std::cerr << "limen-collector: " << error << '\n';
    return 1;
  }
  receiver->set_health(config.name, HealthOptions{std::chrono::seconds(config.silence_timeout),
                                                  std::chrono::milliseconds(config.max_clock_skew_ms)});
  if (config.insecure)
    std::cerr << "limen-collector: warning: --insecure: events arrive in plain text and anyone "
                 "who reaches "
              << receiver->endpoint() << " can write into the store\n";
  std::cout << "limen-collector: listening on " << receiver->endpoint() << ", database "
            << config.db_path << std::endl;
  std::vector<std::unique_ptr<SyslogForwarder>> forwarders;
  for (const auto& text : config.forward) {
    ForwardTarget target;
    (void)parse_forward_target(text, target);
    target.ca_file = config.forward_ca;
    auto f = SyslogForwarder::start(config.db_path, target, &std::cerr, error);
    if (!f) {
      std::cerr << "limen-collector: --forward " << text << ": " << error << '\n';
      return 1;
    }
    forwarders.push_back(std::move(f));
  }
  receiver->run(g_stop, config.quiet ? nullptr : &std::cerr);
  std::cerr << "limen-collector: " << receiver->summary() << std::endl;
  receiver.reset();
  store.reset();  // committed: the forwarders see everything
  for (auto& f : forwarders) {
    // What is left is sent at the next start, from the saved position.
    (void)f->drain(std::chrono::seconds(5));
    const auto& c = f->counters();
    std::cerr << "limen-collector: forward " << f->describe() << ": sent " << c.sent.load()
              << ", not yet sent " << c.backlog.load() << ", failures " << c.failures.load()
              << ", lost to retention " << c.lost.load() << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using limen::collector::Command;
  const auto parsed = limen::collector::parse_command_line(argc, argv);
  switch (parsed.command) {
    case Command::Help:
      std::cout << parsed.text;
      return 0;
    case Command::Version:
      std::cout << "limen-collector " << LIMEN_VERSION << '\n';
      return 0;
    case Command::Error:
      std::cerr << "limen-collector: " << parsed.text << " (see limen-collector --help)\n";
      return 2;
    case Command::Query: {
      std::string error;
      if (parsed.query.follow) install_signal_handlers();  // Ctrl-C ends --follow cleanly
      if (!limen::collector::run_query(parsed.query, std::cout, error, &g_stop)) {
        std::cerr << "limen-collector: " << error << '\n';
        return 1;
      }
      return 0;
    }
    case Command::Stats: {
      std::string error;
      if (!limen::collector::run_stats(parsed.stats, std::cout, error)) {
        std::cerr << "limen-collector: " << error << '\n';
        return 1;
      }
      return 0;
    }
    case Command::Keygen: {
      std::string error;
      if (!limen::curve::generate(parsed.keygen_dir, "limen-collector", error)) {
        std::cerr << "limen-collector: keygen: " << error << '\n';
        return 1;
      }
      std::cout << "limen-collector: wrote " << parsed.keygen_dir << "/secret.key (keep it here) and "
                << parsed.keygen_dir << "/public.key (give it to the probes: --collector-key)\n";
      return 0;
    }
    case Command::Run:
      break;
  }
  return run_collector(parsed.collector);
}
