// --mode concurrent: N TCP connections that are all open at once, to measure what a probe holds
// per flow. Every connection first opens (SYN, SYN-ACK, ACK), sends one request and is ACKed;
// only when all N are open do they close, in the same order, with a FIN exchange. Idle time
// between the two phases stays far below any TCP timeout, so nothing may expire early.
//
// A connection is rebuilt for its close from its index (addresses, ports and initial sequence
// numbers are derived from it, and TcpConn::skip() replays what it sent), so a million flows
// cost no memory here.

#include <array>
#include <cstdio>
#include <string>

#include "bench/synth/emitter.h"
#include "bench/synth/ics_messages.h"
#include "bench/synth/it_messages.h"
#include "bench/synth/pcap_writer.h"
#include "bench/synth/session.h"
#include "bench/synth/tcp_conn.h"
#include "modes.h"

namespace limen::bench {
namespace {

constexpr std::uint64_t kConnectionsPerClient = 16;
constexpr std::uint32_t kServers = 1000;
constexpr std::uint64_t kOpenGapUs = 50;  // 20,000 new connections per second
constexpr std::uint64_t kCloseGapUs = 20;
constexpr std::uint32_t kRttUs = 400;
// The four services the flows go to, so the probe's classifier and dissectors see each kind.
constexpr std::array<std::uint16_t, 4> kPorts = {80, 443, 502, 2404};

struct Endpoints {
  Host client;
  Host server;
  std::uint16_t client_port;
  std::uint16_t server_port;
  std::uint32_t client_isn;
  std::uint32_t server_isn;
};

// Clients 10.128.0.0/10 in /24s without .0 and .255, 16 connections each from ports 40000..;
// servers 10.200.0.0/16.
Endpoints endpoints(std::uint64_t seed, std::uint64_t i) {
  const std::uint64_t c = i / kConnectionsPerClient;
  const auto client_ip =
      static_cast<std::uint32_t>(ipv4(10, 128, 0, 0) + (c / 254) * 256 + c % 254 + 1);
  std::uint64_t x = seed ^ (i * 0x9E3779B97F4A7C15ULL);
  const std::uint64_t h = Rng::splitmix64(x);
  const auto s = static_cast<std::uint32_t>(h % kServers);
  return {local_host(client_ip),
          local_host(ipv4(10, 200, s / 250, s % 250 + 1)),
          static_cast<std::uint16_t>(40000 + i % kConnectionsPerClient),
          kPorts[i % kPorts.size()],
          static_cast<std::uint32_t>(h >> 32),
          static_cast<std::uint32_t>(Rng::splitmix64(x))};
}

TcpConn connection(Emitter& out, const Endpoints& e) {
  return {out, e.client, e.client_port, e.server, e.server_port, e.client_isn, e.server_isn};
}

Bytes request(Rng& rng, std::uint16_t port, std::uint64_t i) {
  switch (port) {
    case 80:
      return http_get("intranet.corp.example", "/status/" + std::to_string(i));
    case 443: {
      Bytes session_id(32);
      rng.fill(session_id);
      return tls_client_hello("portal.corp.example", rng, session_id);
    }
    case 502:
      return modbus_read(static_cast<std::uint16_t>(i), 1, 3, 0, 10);
    default:
      return iec104_u(Iec104U::kStartAct);
  }
}

}  // namespace

int run_concurrent(const ConcurrentOptions& o) {
  Rng rng(o.seed);
  PcapWriter writer(o.out, kLinkEthernet, kSnaplen);
  Emitter emitter(writer);
  std::uint64_t t = kStartUs;
  for (std::uint64_t i = 0; i < o.flows; ++i, t += kOpenGapUs) {
    emitter.advance(t);
    const Endpoints e = endpoints(o.seed, i);
    TcpConn conn = connection(emitter, e);
    const std::uint64_t opened = conn.open(t, kRttUs);
    const std::uint64_t sent =
        conn.send(Dir::kToServer, opened + 30, request(rng, e.server_port, i));
    conn.ack(Dir::kToClient, sent + kRttUs / 2);
  }
  t += kSecond;
  for (std::uint64_t i = 0; i < o.flows; ++i, t += kCloseGapUs) {
    emitter.advance(t);
    const Endpoints e = endpoints(o.seed, i);
    TcpConn conn = connection(emitter, e);
    // What the open phase sent: a SYN each, and the client's request. A request's length does
    // not depend on its random bytes, so a scratch generator rebuilds it.
    Rng scratch(0);
    const auto length = static_cast<std::uint32_t>(request(scratch, e.server_port, i).size());
    conn.skip(Dir::kToServer, 1 + length);
    conn.skip(Dir::kToClient, 1);
    conn.close(Dir::kToServer, t, kRttUs);
  }
  emitter.drain();
  writer.close();
  std::fprintf(stderr, "limen-bench-generate: %s: %llu packets, %llu bytes, %llu connections\n",
               o.out.c_str(), static_cast<unsigned long long>(writer.packets()),
               static_cast<unsigned long long>(writer.bytes()),
               static_cast<unsigned long long>(o.flows));
  return 0;
}

}  // namespace limen::bench
