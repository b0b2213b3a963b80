#pragma once
// Site: the hosts of the simulated network, seen on the core switch SPAN port. The address plan
// is the one bench/bench.rules names as zones, so the rules have real boundaries to judge:
//
//   corp_it   10.0.0.0/8 minus 10.20.0.0/16   workstations 10.1.0.0/16, DNS 10.0.0.53/54,
//                                             intranet web 10.0.1.0/24, servers 10.0.2.0/24
//   scada     10.20.0.0/24                    HMIs .10-.29, engineering stations .50-.53
//   plc_cell  10.20.1.0/24                    Modbus, S7 and EtherNet/IP controllers
//   substation 10.20.2.0/24                   DNP3 and IEC 104 outstations
//   vendor    192.168.50.0/24                 remote maintenance laptops
//   (no zone)                                 Internet web servers, behind the site router
//
// Popular servers are picked more often than the rest (pick() is skewed to low indexes), as
// real traffic concentrates on a few.

#include <cstdint>
#include <string>
#include <vector>

#include "packet.h"
#include "rng.h"

namespace limen::bench {

struct Server {
  Host host;
  std::string name;
};

class Site {
 public:
  explicit Site(std::uint64_t seed);

  // An index in [0, n), log-uniform: index 0 is about as likely as all of 1000..1999.
  static std::size_t pick(Rng& rng, std::size_t n);

  std::vector<Host> workstations;
  std::vector<Server> internet_web;
  std::vector<Server> intranet_web;
  std::vector<Server> ssh_servers;
  Host dns[2];
  std::vector<Host> hmis;
  std::vector<Host> engineering;
  std::vector<Host> vendors;
  std::vector<Host> modbus_plcs;
  std::vector<Host> s7_plcs;
  std::vector<Host> enip_plcs;
  std::vector<Host> dnp3_outstations;
  std::vector<Host> iec104_outstations;
};

}  // namespace limen::bench
