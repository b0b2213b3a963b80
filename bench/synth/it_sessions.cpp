// IT sessions of the mix: DNS lookups, HTTP and TLS web sessions, SSH.
//
// The capture point is the site's core switch: clients are local, so a client's ACK follows
// the data it acknowledges within microseconds, and the next window of a download from the
// Internet arrives an RTT after the ACKs that opened it.

#include <algorithm>
#include <optional>
#include <string>

#include "it_messages.h"
#include "session.h"
#include "tcp_conn.h"

namespace limen::bench {
namespace {

constexpr std::uint32_t kTlsRecord = 16384 + 17;  // TLS 1.3: plaintext limit + type and tag
constexpr std::uint32_t kInitialWindow = 10;      // segments (RFC 6928)
constexpr std::uint32_t kMaxWindow = kWindow / kMss;

// Windows hosts start at TTL 128; the workstations are the only ones here.
bool windows_host(const Host& h) {
  return h.ttl == 128;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A resolver client: one UDP flow from an ephemeral port to the server's port 53.
struct DnsClient {
  DnsClient(SessionContext& ctx, const Host& client, const Host& server)
      : port(ephemeral_port(ctx.rng, windows_host(client))),
        up(client, port, server, 53, kProtoUdp, static_cast<std::uint16_t>(ctx.rng.next())),
        down(server, 53, client, port, kProtoUdp, static_cast<std::uint16_t>(ctx.rng.next())),
        id(static_cast<std::uint16_t>(ctx.rng.next())) {}
  void query(SessionContext& ctx, std::uint64_t t, std::string_view name) {
    up.udp(ctx.out.queue(t), dns_query(id, name));
  }
  // Answers from the resolver's cache take a millisecond; others wait for the Internet.
  // Returns the time of the answer.
  std::uint64_t answer(SessionContext& ctx, std::uint64_t t, std::string_view name,
                       std::uint32_t address, bool nxdomain) {
    const std::uint64_t at =
        t + (ctx.rng.chance(60) ? ctx.rng.between(150, 1500) : ctx.rng.log_between(8000, 120000));
    down.udp(ctx.out.queue(at), dns_answer(id, name, address, nxdomain));
    return at;
  }
  std::uint16_t port;
  FlowHeader up;
  FlowHeader down;
  std::uint16_t id;
};

// A standalone lookup: background resolution by workstations and HMIs. One in twenty queries
// is lost and retried after a second.
class DnsLookup final : public Session {
 public:
  explicit DnsLookup(SessionContext& ctx) {
    const Site& site = ctx.site;
    client_ = ctx.rng.chance(85) ? site.workstations[ctx.rng.below(site.workstations.size())]
                                 : site.hmis[ctx.rng.below(site.hmis.size())];
    server_ = site.dns[ctx.rng.chance(80) ? 0 : 1];
    const std::uint32_t kind = ctx.rng.between32(0, 99);
    if (kind < 70) {
      const Server& s = site.internet_web[Site::pick(ctx.rng, site.internet_web.size())];
      name_ = s.name;
      address_ = s.host.ip;
    } else if (kind < 85) {
      const Server& s = site.intranet_web[ctx.rng.below(site.intranet_web.size())];
      name_ = s.name;
      address_ = s.host.ip;
    } else {
      // Names that do not exist: proxy auto-discovery and mistyped hosts.
      name_ = ctx.rng.chance(50) ? "wpad.corp.example"
                                 : "host" + std::to_string(ctx.rng.below(100000)) + ".corp.example";
      nxdomain_ = true;
    }
  }

  std::uint64_t step(SessionContext& ctx, std::uint64_t now) override {
    if (!dns_) dns_.emplace(ctx, client_, server_);
    dns_->query(ctx, now, name_);
    if (!retried_ && ctx.rng.chance(5)) {  // lost: the stub resolver asks again a second later
      retried_ = true;
      return now + kSecond;
    }
    dns_->answer(ctx, now, name_, address_, nxdomain_);
    return kDone;
  }

 private:
  Host client_;
  Host server_;
  std::optional<DnsClient> dns_;
  std::string name_;
  std::uint32_t address_ = 0;
  bool nxdomain_ = false;
  bool retried_ = false;
};

// A browser's connection: maybe a DNS lookup, the handshake (and TLS's), then a few requests on
// the kept-alive connection, each answered by a download in window-sized rounds; the client
// usually closes.
class WebSession final : public Session {
 public:
  WebSession(SessionContext& ctx, bool tls) : tls_(tls) {
    const Site& site = ctx.site;
    client_ = site.workstations[ctx.rng.below(site.workstations.size())];
    const bool intranet = ctx.rng.chance(15);
    server_ = intranet ? &site.intranet_web[ctx.rng.below(site.intranet_web.size())]
                       : &site.internet_web[Site::pick(ctx.rng, site.internet_web.size())];
    rtt_ = intranet ? ctx.rng.between32(200, 2000)
                    : static_cast<std::uint32_t>(ctx.rng.log_between(8000, 180000));
    requests_ = ctx.rng.chance(60) ? 1 : ctx.rng.between32(2, 6);
    conn_ = client_conn(ctx, client_, true, server_->host, tls ? 443 : 80);
  }

  std::uint64_t step(SessionContext& ctx, std::uint64_t now) override {
    switch (state_) {
      case State::kStart:
        state_ = State::kConnect;
        if (ctx.rng.chance(50)) {  // not in the client's cache
          DnsClient dns(ctx, client_, ctx.site.dns[0]);
          dns.query(ctx, now, server_->name);
          const std::uint64_t answered =
              dns.answer(ctx, now, server_->name, server_->host.ip, false);
          return answered + ctx.rng.between(50, 800);
        }
        [[fallthrough]];
      case State::kConnect:
        state_ = tls_ ? State::kHello : State::kRequest;
        return conn_.open(now, rtt_) + ctx.rng.between(20, 400);
      case State::kHello:
        return hello(ctx, now);
      case State::kRequest:
        return ctx.winding_down ? close(ctx, now) : request(ctx, now);
      case State::kBody:
        return ctx.winding_down ? close(ctx, now) : body(ctx, now);
      case State::kClose:
        return close(ctx, now);
    }
    return kDone;
  }

 private:
  enum class State : std::uint8_t { kStart, kConnect, kHello, kRequest, kBody, kClose };

  std::uint64_t hello(SessionContext& ctx, std::uint64_t now) {
    Bytes session_id(32);
    ctx.rng.fill(session_id);
    std::uint64_t t =
        conn_.send(Dir::kToServer, now, tls_client_hello(server_->name, ctx.rng, session_id));
    const std::uint32_t encrypted = ctx.rng.between32(2400, 5600);
    const Bytes flight = tls_server_flight(ctx.rng, session_id, encrypted);
    t = conn_.send(Dir::kToClient, t + rtt_ + ctx.rng.between(300, 4000), flight);
    const Bytes finished = tls_client_finished(ctx.rng);
    t = conn_.send(Dir::kToServer, t + ctx.rng.between(200, 1500), finished);
    state_ = State::kRequest;
    return t + ctx.rng.between(30, 300);
  }

  std::uint64_t request(SessionContext& ctx, std::uint64_t now) {
    // Mostly page resources of a few KB to a few hundred; now and then a download of megabytes.
    const std::uint64_t size = ctx.rng.below(1000) < 5 ? ctx.rng.log_between(1 << 20, 8 << 20)
                                                       : ctx.rng.log_between(200, 64 << 10);
    std::uint64_t t = 0;
    if (tls_) {
      t = conn_.send(Dir::kToServer, now,
                     tls_application_data(ctx.rng, ctx.rng.between32(90, 1400)));
      stream_ = MessageStream({}, size, ctx.noise, ctx.rng.next(), kTlsRecord);
    } else {
      const std::string path = "/assets/" + std::to_string(ctx.rng.below(1000000)) + ".bin";
      t = conn_.send(Dir::kToServer, now, http_get(server_->name, path));
      stream_ = MessageStream(http_ok_header(size), size, ctx.noise, ctx.rng.next());
    }
    window_ = kInitialWindow;
    state_ = State::kBody;
    return t + rtt_ + ctx.rng.log_between(500, 40000);  // the server's time to first byte
  }

  std::uint64_t body(SessionContext& ctx, std::uint64_t now) {
    const std::uint64_t last =
        conn_.send_round(Dir::kToClient, now, stream_, window_, ctx.rng.between32(20, 300));
    window_ = std::min(window_ * 2, kMaxWindow);
    if (stream_.remaining() > 0) return std::max(now + rtt_, last + kWireGapUs);
    state_ = --requests_ > 0 ? State::kRequest : State::kClose;
    return last + ctx.rng.log_between(5000, 3 * kSecond);  // reading the page
  }

  std::uint64_t close(SessionContext& ctx, std::uint64_t now) {
    conn_.close(ctx.rng.chance(70) ? Dir::kToServer : Dir::kToClient, now, rtt_);
    return kDone;
  }

  bool tls_;
  Host client_;
  const Server* server_ = nullptr;
  std::uint32_t rtt_ = 0;
  std::uint32_t requests_ = 1;
  std::uint32_t window_ = kInitialWindow;
  State state_ = State::kStart;
  TcpConn conn_;
  MessageStream stream_;
};

// An administrator on a corporate server, or a vendor on an HMI: the SSH transport handshake
// and authentication, then keystrokes and their echo, or a file copied in bulk.
class SshSession final : public Session {
 public:
  explicit SshSession(SessionContext& ctx) {
    const Site& site = ctx.site;
    Host server;
    if (ctx.rng.chance(30)) {
      client_ = site.vendors[ctx.rng.below(site.vendors.size())];
      server = site.hmis[ctx.rng.below(site.hmis.size())];
    } else {
      client_ = site.workstations[ctx.rng.below(50)];  // the administrators
      server = site.ssh_servers[Site::pick(ctx.rng, site.ssh_servers.size())].host;
    }
    rtt_ = ctx.rng.between32(300, 30000);
    copy_ = ctx.rng.chance(20);
    conn_ = client_conn(ctx, client_, false, server, 22);
  }

  std::uint64_t step(SessionContext& ctx, std::uint64_t now) override {
    switch (state_) {
      case State::kConnect:
        state_ = State::kHandshake;
        return conn_.open(now, rtt_) + ctx.rng.between(100, 2000);
      case State::kHandshake: {
        const std::uint64_t t = handshake(ctx, now);
        end_ = t + ctx.rng.log_between(3 * kSecond, 300 * kSecond);
        if (copy_) {
          const std::uint64_t size = ctx.rng.log_between(64 << 10, 8 << 20);
          stream_ = MessageStream({}, size, ctx.noise, ctx.rng.next());
          state_ = State::kCopy;
        } else {
          state_ = State::kInteractive;
        }
        return t + ctx.rng.between(1000, 200000);
      }
      case State::kInteractive:
        if (ctx.winding_down || now >= end_) return close(ctx, now);
        return keystroke(ctx, now);
      case State::kCopy:
        if (ctx.winding_down) return close(ctx, now);
        return copy(ctx, now);
    }
    return kDone;
  }

 private:
  enum class State : std::uint8_t { kConnect, kHandshake, kInteractive, kCopy };

  // Each side's next message leaves half an RTT plus a little processing after the last.
  std::uint64_t next(SessionContext& ctx, std::uint64_t t) const {
    return t + rtt_ / 2 + ctx.rng.between(100, 800);
  }

  std::uint64_t handshake(SessionContext& ctx, std::uint64_t now) {
    Rng& rng = ctx.rng;
    std::uint64_t t = conn_.send(Dir::kToClient, now, ssh_banner(true));
    // Each message is built before its time is drawn: one draw per statement.
    auto say = [&](Dir d, const Bytes& message, std::uint64_t extra_us = 0) {
      t = conn_.send(d, next(ctx, t) + extra_us, message);
    };
    say(Dir::kToServer, ssh_banner(false));
    say(Dir::kToServer, ssh_kexinit(rng, false));
    say(Dir::kToClient, ssh_kexinit(rng, true));
    say(Dir::kToServer, ssh_ecdh_init(rng));
    Bytes reply = ssh_ecdh_reply(rng);
    say(Dir::kToClient, concat(std::move(reply), ssh_newkeys(rng)), 2000);  // signing
    // NEWKEYS, then service request/accept, public-key authentication, channel and shell.
    Bytes newkeys = ssh_newkeys(rng);
    say(Dir::kToServer, concat(std::move(newkeys), ssh_encrypted(rng, 24)));
    say(Dir::kToClient, ssh_encrypted(rng, 24));
    static constexpr std::uint32_t kRequests[] = {60, 420, 40, 120, 30};
    static constexpr std::uint32_t kAnswers[] = {300, 16, 24, 0, 600};
    for (std::size_t i = 0; i < std::size(kRequests); ++i) {
      say(Dir::kToServer, ssh_encrypted(rng, kRequests[i]));
      if (kAnswers[i] != 0) say(Dir::kToClient, ssh_encrypted(rng, kAnswers[i]));
    }
    return t;
  }

  std::uint64_t keystroke(SessionContext& ctx, std::uint64_t now) {
    Rng& rng = ctx.rng;
    const std::uint64_t typed = conn_.send(Dir::kToServer, now, ssh_encrypted(rng, 1));
    const std::uint32_t output =
        rng.chance(8) ? static_cast<std::uint32_t>(rng.log_between(200, 8000)) : 1;
    const Bytes echo = ssh_encrypted(rng, output);
    const std::uint64_t echoed = conn_.send(Dir::kToClient, next(ctx, typed), echo);
    const std::uint64_t pause =
        rng.chance(10) ? rng.log_between(kSecond, 5 * kSecond) : rng.log_between(60000, 400000);
    // The client's delayed ACK, unless the next keystroke carries it first.
    if (pause > 50000) conn_.ack(Dir::kToServer, echoed + 40000);
    return echoed + pause;
  }

  std::uint64_t copy(SessionContext& ctx, std::uint64_t now) {
    const std::uint64_t last =
        conn_.send_round(Dir::kToServer, now, stream_, window_, ctx.rng.between32(20, 400));
    window_ = std::min(window_ * 2, kMaxWindow);
    if (stream_.remaining() > 0) return std::max(now + rtt_, last + kWireGapUs);
    state_ = State::kInteractive;
    end_ = last;  // closes at the next step
    return last + ctx.rng.between(1000, 50000);
  }

  std::uint64_t close(SessionContext& ctx, std::uint64_t now) {
    conn_.close(ctx.rng.chance(80) ? Dir::kToServer : Dir::kToClient, now, rtt_);
    return kDone;
  }

  Host client_;
  std::uint32_t rtt_ = 0;
  bool copy_ = false;
  std::uint64_t end_ = 0;
  std::uint32_t window_ = kInitialWindow;
  State state_ = State::kConnect;
  TcpConn conn_;
  MessageStream stream_;
};

}  // namespace

std::unique_ptr<Session> make_dns_lookup(SessionContext& ctx) {
  return std::make_unique<DnsLookup>(ctx);
}
std::unique_ptr<Session> make_web_session(SessionContext& ctx, bool tls) {
  return std::make_unique<WebSession>(ctx, tls);
}
std::unique_ptr<Session> make_ssh_session(SessionContext& ctx) {
  return std::make_unique<SshSession>(ctx);
}

}  // namespace limen::bench
