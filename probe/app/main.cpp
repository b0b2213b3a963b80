// limen-probe: entry point. Everything but argument dispatch lives in the library, so tests can
// drive the same code.
#include <iostream>

#include "common/curve_keys.h"
#include "probe/app/probe_options.h"
#include "probe/app/probe_run.h"

int main(int argc, char** argv) {
  using limen::app::ParseOutcome;
  const auto parsed = limen::app::parse_probe_options(argc, argv);
  switch (parsed.outcome) {
    case ParseOutcome::Help:
      std::cout << parsed.text;
      return 0;
    case ParseOutcome::Version:
      std::cout << "limen-probe " << LIMEN_VERSION << '\n';
      return 0;
    case ParseOutcome::Keygen: {
      std::string error;
      if (!limen::curve::generate(parsed.keygen_dir, "limen-probe", error)) {
        std::cerr << "limen-probe: keygen: " << error << '\n';
        return 1;
      }
      std::cout << "limen-probe: wrote " << parsed.keygen_dir << "/secret.key (keep it here) and "
                << parsed.keygen_dir
                << "/public.key (list it in the collector's --allow file with this probe's name)\n";
      return 0;
    }
    case ParseOutcome::RulesCheck:
      return limen::app::run_rules_check_command(parsed.rules_check_file);
    case ParseOutcome::Error:
      std::cerr << "limen-probe: " << parsed.text << " (see limen-probe --help)\n";
      return 1;
    case ParseOutcome::Run:
      break;
  }
  return limen::app::run_probe(parsed.options);
}
