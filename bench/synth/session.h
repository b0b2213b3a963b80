#pragma once
// Session: one conversation of the mix (a DNS lookup, a web download, an HMI polling a PLC),
// advanced one exchange at a time so that thousands of them interleave in packet time.
//
// step(now) queues the frames of the next exchange, all at or after `now` (usually within an
// RTT or two of it), and returns when the session wants its next step, or kDone. The scheduler
// calls steps in time order, so a session never has to look at another's frames.
//
// Every session draws from the one Rng in the context, in scheduler order: the whole mix follows
// from the seed. Never draw twice within one function call's arguments (see client_conn()).

#include <cstdint>
#include <limits>
#include <memory>
#include <span>

#include "emitter.h"
#include "rng.h"
#include "site.h"
#include "tcp_conn.h"

namespace limen::bench {

inline constexpr std::uint64_t kDone = std::numeric_limits<std::uint64_t>::max();
inline constexpr std::uint64_t kMs = 1000;
inline constexpr std::uint64_t kSecond = 1000000;

struct SessionContext {
  Emitter& out;
  Rng& rng;
  const Site& site;
  std::span<const std::uint8_t> noise;  // body bytes of downloads: random, never compressible
  // Set when the file is nearly full: sessions close at their next step instead of going on.
  bool winding_down = false;
};

class Session {
 public:
  Session() = default;
  virtual ~Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  virtual std::uint64_t step(SessionContext& ctx, std::uint64_t now) = 0;
};

// The ephemeral port a client picks: Linux's default range, or Windows' for a workstation.
inline std::uint16_t ephemeral_port(Rng& rng, bool windows) {
  return static_cast<std::uint16_t>(windows ? rng.between(49152, 65535)
                                            : rng.between(32768, 60999));
}

// A client's connection from an ephemeral port, with random initial sequence numbers. The draws
// are made one statement at a time: the order in which a call's arguments are evaluated is
// unspecified, and two draws in one call would make the capture depend on the compiler.
inline TcpConn client_conn(SessionContext& ctx, const Host& client, bool windows,
                           const Host& server, std::uint16_t port) {
  const std::uint16_t client_port = ephemeral_port(ctx.rng, windows);
  const auto client_isn = static_cast<std::uint32_t>(ctx.rng.next());
  const auto server_isn = static_cast<std::uint32_t>(ctx.rng.next());
  return {ctx.out, client, client_port, server, port, client_isn, server_isn};
}

// IT sessions (it_sessions.cpp): a standalone DNS lookup from a workstation or HMI, an HTTP or
// TLS web session (DNS lookup first when the name is not cached), an SSH session (interactive or
// a copy).
std::unique_ptr<Session> make_dns_lookup(SessionContext& ctx);
std::unique_ptr<Session> make_web_session(SessionContext& ctx, bool tls);
std::unique_ptr<Session> make_ssh_session(SessionContext& ctx);

// Industrial sessions (ics_sessions.cpp): a master polling an outstation until `duration_us`
// has passed (kDone: until the capture winds down).
enum class IcsKind : std::uint8_t { kModbus, kDnp3, kIec104, kS7comm, kEnip };
std::unique_ptr<Session> make_ics_session(SessionContext& ctx, IcsKind kind,
                                          std::uint64_t duration_us);

}  // namespace limen::bench
