#include "site.h"

#include <array>
#include <set>
#include <string_view>

namespace limen::bench {
namespace {

constexpr std::size_t kWorkstations = 4000;
constexpr std::size_t kInternetServers = 3000;

// First octets of publicly routed space the servers are drawn from (no private, loopback,
// multicast or reserved ranges).
constexpr std::array<std::uint32_t, 24> kPublicOctets = {13,  18,  23,  31,  34,  35,  44,  52,
                                                         54,  62,  77,  81,  85,  91,  93,  104,
                                                         142, 151, 157, 185, 188, 193, 199, 212};

constexpr std::array<std::string_view, 32> kWords = {
    "north", "blue",  "cloud", "data",   "river", "stone", "media", "link",
    "smart", "open",  "green", "fast",   "metro", "alpha", "delta", "nova",
    "pixel", "solar", "urban", "vector", "wave",  "zen",   "orbit", "prime",
    "quant", "rapid", "sigma", "terra",  "ultra", "vista", "atlas", "beacon"};
constexpr std::array<std::string_view, 8> kTlds = {"com", "net", "org",   "io",
                                                   "de",  "fr",  "co.uk", "eu"};
constexpr std::array<std::string_view, 6> kLabels = {"www", "api", "cdn", "static", "img", "login"};

std::string server_name(Rng& rng, std::size_t i) {
  std::string name(kLabels[rng.below(kLabels.size())]);
  name += '.';
  name += kWords[i % kWords.size()];
  name += kWords[(i / kWords.size()) % kWords.size()];
  if (i >= kWords.size() * kWords.size())
    name += std::to_string(i / (kWords.size() * kWords.size()));
  name += '.';
  name += kTlds[rng.below(kTlds.size())];
  return name;
}

// Hosts .first .. .first+count-1 of a /24, each on the capture's own network.
std::vector<Host> local_range(std::uint32_t net24, std::uint32_t first, std::uint32_t count) {
  std::vector<Host> out;
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(local_host(net24 + first + i));
  return out;
}

}  // namespace

Site::Site(std::uint64_t seed) {
  Rng rng(seed);
  for (std::uint32_t i = 0; i < kWorkstations; ++i) {
    // 10.1.x.y with y in 1..250: no network or broadcast address.
    workstations.push_back(local_host(ipv4(10, 1, i / 250, i % 250 + 1), 128));
  }
  std::set<std::uint32_t> used;
  for (std::size_t i = 0; i < kInternetServers; ++i) {
    std::uint32_t ip = 0;
    do {
      // One draw per statement: argument evaluation order is unspecified.
      ip = kPublicOctets[rng.below(kPublicOctets.size())] << 24;
      ip |= rng.between32(0, 0xFFFF) << 8;
      ip |= rng.between32(1, 254);
    } while (!used.insert(ip).second);
    const auto ttl = static_cast<std::uint8_t>(rng.between(44, 58));
    internet_web.push_back({remote_host(ip, ttl), server_name(rng, i)});
  }
  for (std::uint32_t i = 0; i < 20; ++i) {
    intranet_web.push_back(
        {local_host(ipv4(10, 0, 1, 10 + i)), "intranet" + std::to_string(i) + ".corp.example"});
  }
  for (std::uint32_t i = 0; i < 30; ++i) {
    ssh_servers.push_back(
        {local_host(ipv4(10, 0, 2, 10 + i)), "srv" + std::to_string(i) + ".corp.example"});
  }
  dns[0] = local_host(ipv4(10, 0, 0, 53));
  dns[1] = local_host(ipv4(10, 0, 0, 54));
  hmis = local_range(ipv4(10, 20, 0, 0), 10, 20);
  engineering = local_range(ipv4(10, 20, 0, 0), 50, 4);
  vendors = local_range(ipv4(192, 168, 50, 0), 20, 10);
  modbus_plcs = local_range(ipv4(10, 20, 1, 0), 10, 40);
  s7_plcs = local_range(ipv4(10, 20, 1, 0), 60, 30);
  enip_plcs = local_range(ipv4(10, 20, 1, 0), 100, 30);
  dnp3_outstations = local_range(ipv4(10, 20, 2, 0), 10, 40);
  iec104_outstations = local_range(ipv4(10, 20, 2, 0), 60, 40);
}

std::size_t Site::pick(Rng& rng, std::size_t n) {
  return n <= 1 ? 0 : static_cast<std::size_t>(rng.log_between(1, n) - 1);
}

}  // namespace limen::bench
