#include "collector/syslog_forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "collector/schema.h"
#include "common/printable.h"

namespace limen::collector {
namespace {

constexpr auto kIdlePoll = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr int kIoTimeoutMs = 10'000;

std::string os_error() { return std::strerror(errno); }

std::string ssl_error() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "TLS error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// local0 (16) and the finding's severity.
int priority(std::string_view severity) {
  const int level = severity == "critical" ? 2 : severity == "high" ? 3 : severity == "medium" ? 4 : 5;
  return 16 * 8 + level;
}

// An RFC 5424 header field: printable US-ASCII without spaces, at most `max`, or "-".
std::string header_field(std::string_view text, std::size_t max) {
  std::string out;
  for (const char c : text.substr(0, max)) out.push_back(c > 32 && c < 127 ? c : '_');
  return out.empty() ? "-" : out;
}

}  // namespace

std::string parse_forward_target(const std::string& text, ForwardTarget& out) {
  ForwardTarget t;
  std::string_view rest(text);
  if (rest.rfind("syslog+tcp://", 0) == 0) {
    rest.remove_prefix(13);
  } else if (rest.rfind("syslog+tls://", 0) == 0) {
    rest.remove_prefix(13);
    t.tls = true;
  } else {
    return "'" + text + "' is not syslog+tcp://HOST:PORT or syslog+tls://HOST:PORT";
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return "'" + text + "' has no HOST:PORT";
  t.host = std::string(rest.substr(0, colon));
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']')
    t.host = t.host.substr(1, t.host.size() - 2);
  const auto port_text = rest.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return "'" + text + "': the port must be 1..65535";
  t.port = static_cast<std::uint16_t>(port);
  out = t;
  return {};
}

// One TCP (optionally TLS) connection to the SIEM.
class SyslogForwarder::Connection {
 public:
  ~Connection() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }

  bool open(const ForwardTarget& t, std::string& error) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(t.port);
    if (const int rc = ::getaddrinfo(t.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      error = "cannot resolve " + t.host + ": " + gai_strerror(rc);
      return false;
    }
    error = "no address";
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      const timeval timeout{kIoTimeoutMs / 1000, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
      } else {
        error = os_error();
        ::close(fd);
      }
    }
    ::freeaddrinfo(found);
    if (fd_ < 0) {
      error = "cannot connect: " + error;
      return false;
    }
    return !t.tls || start_tls(t, error);
  }

  // Writes everything, then waits until the peer's TCP has acknowledged every byte (the kernel's
  // send queue is empty): only then may the position move past these messages.
  bool send(const std::string& data, std::string& error) {
    std::size_t done = 0;
    while (done < data.size()) {
      long n = 0;
      if (ssl_ != nullptr) {
        n = SSL_write(ssl_, data.data() + done, static_cast<int>(data.size() - done));
        if (n <= 0) {
          error = "TLS write failed: " + ssl_error();
          return false;
        }
      } else {
        n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          error = "write failed: " + os_error();
          return false;
        }
      }
      done += static_cast<std::size_t>(n);
    }
    for (int waited = 0; waited < kIoTimeoutMs; waited += 5) {
      int queued = 0;
      if (::ioctl(fd_, SIOCOUTQ, &queued) != 0) {
        error = "cannot read the send queue: " + os_error();
        return false;
      }
      if (queued == 0) return alive(error);
      ::usleep(5000);
    }
    error = "the SIEM did not take the data within " + std::to_string(kIoTimeoutMs / 1000) + " s";
    return false;
  }

  // False when the SIEM closed the connection. What it sends is read and dropped (syslog
  // receivers do not talk, but TLS 1.3 servers send session tickets after the handshake).
  bool alive(std::string& error) {
    const int flags = ::fcntl(fd_, F_GETFL);
    ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
    bool open = true;
    char scratch[4096];
    while (true) {
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, scratch, sizeof scratch);
        if (n > 0) continue;
        const int why = SSL_get_error(ssl_, n);
        open = why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE;
      } else {
        const long n = ::recv(fd_, scratch, sizeof scratch, 0);
        if (n > 0) continue;
        open = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
      }
      break;
    }
    ::fcntl(fd_, F_SETFL, flags);
    if (!open) error = "the SIEM closed the connection";
    return open;
  }

 private:
  bool start_tls(const ForwardTarget& t, std::string& error) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) {
      error = "TLS: " + ssl_error();
      return false;
    }
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    const bool loaded = t.ca_file.empty()
                            ? SSL_CTX_set_default_verify_paths(ctx_) == 1
                            : SSL_CTX_load_verify_locations(ctx_, t.ca_file.c_str(), nullptr) == 1;
    if (!loaded) {
      error = "TLS: cannot load the CA " + (t.ca_file.empty() ? "store" : t.ca_file) + ": " +
              ssl_error();
      return false;
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    // The certificate must name the host we asked for (an address: its IP SAN).
    in6_addr ip{};
    const bool literal = ::inet_pton(AF_INET, t.host.c_str(), &ip) == 1 ||
                         ::inet_pton(AF_INET6, t.host.c_str(), &ip) == 1;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (literal)
      X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str());
    else {
      // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
      SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(t.host.c_str()));
      SSL_set1_host(ssl_, t.host.c_str());
    }
    if (SSL_connect(ssl_) != 1) {
      const long verify = SSL_get_verify_result(ssl_);
      error = "TLS handshake failed: " + (verify != X509_V_OK
                                              ? std::string(X509_verify_cert_error_string(verify))
                                              : ssl_error());
      return false;
    }
    return true;
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

SyslogForwarder::SyslogForwarder(std::string db_path, ForwardTarget target, std::ostream* log)
    : db_path_(std::move(db_path)), target_(std::move(target)), log_(log) {}

std::string SyslogForwarder::describe() const {
  return std::string(target_.tls ? "syslog+tls://" : "syslog+tcp://") + target_.host + ":" +
         std::to_string(target_.port);
}

std::unique_ptr<SyslogForwarder> SyslogForwarder::start(const std::string& db_path,
                                                        const ForwardTarget& target,
                                                        std::ostream* log, std::string& error) {
  std::unique_ptr<SyslogForwarder> f(new SyslogForwarder(db_path, target, log));
  // One position file per target, so that two SIEMs each get everything.
  std::string slug;
  for (const char c : target.host + "-" + std::to_string(target.port))
    slug.push_back(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ? c : '-');
  f->position_file_ = db_path + ".forward-" + (target.tls ? "tls-" : "tcp-") + slug;
  std::ifstream in(f->position_file_);
  if (in) {
    std::string text;
    std::getline(in, text);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), f->position_);
    if (ec != std::errc{} || f->position_ < 0) {
      error = "forward position " + f->position_file_ + " is damaged ('" + printable(text) +
              "'): remove it to resend every stored finding";
      return nullptr;
    }
  }
  f->thread_ = std::thread([raw = f.get()] { raw->loop(); });
  pthread_setname_np(f->thread_.native_handle(), "limen-forward");
  return f;
}

SyslogForwarder::~SyslogForwarder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyslogForwarder::say(const std::string& line) {
  // One write per line: the receiver's thread logs to the same stream.
  if (log_ != nullptr) *log_ << ("limen-collector: forward " + describe() + ": " + line + "\n");
}

bool SyslogForwarder::save_position(std::int64_t id) {
  const std::string tmp = position_file_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << id << '\n';
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, position_file_, ec);
  if (ec) return false;
  position_ = id;
  return true;
}

bool SyslogForwarder::step() {
  std::string error;
  auto db = open_query_database(db_path_, error);
  if (!db) return false;
  // Retention may have overtaken a forwarder that was down: count what it took.
  const auto oldest = db->query_int("SELECT COALESCE(MIN(id), 0) FROM findings", error);
  const auto newest = db->query_int("SELECT COALESCE(MAX(id), 0) FROM findings", error);
  if (!oldest || !newest) return false;
  if (*oldest > position_ + 1 && *newest >= *oldest) {
    const auto pruned = static_cast<std::uint64_t>(*oldest - position_ - 1);
    counters_.lost += pruned;
    say(std::to_string(pruned) + " findings were deleted by retention before they were sent");
    (void)save_position(*oldest - 1);
  }
  counters_.backlog = static_cast<std::uint64_t>(std::max<std::int64_t>(0, *newest - position_));
  if (*newest <= position_) return false;
  auto stmt = db->prepare(
      "SELECT id, raw, time, probe, kind, severity FROM findings WHERE id > ?1 ORDER BY id "
      "LIMIT " + std::to_string(kBatch),
      error);
  if (!stmt.valid()) return false;
  stmt.bind_int(1, position_);
  std::string batch;
  std::int64_t last = position_;
  std::size_t count = 0;
  while (stmt.step() == SQLITE_ROW) {
    last = stmt.column_int(0);
    const std::string time = stmt.column_is_null(2) ? "-" : header_field(stmt.column_text(2), 64);
    std::string message = "<" + std::to_string(priority(stmt.column_text(5))) + ">1 " + time +
                          " " + header_field(stmt.column_text(3), 255) + " limen - " +
                          header_field(stmt.column_text(4), 32) + " - \xEF\xBB\xBF";
    message += stmt.column_text(1);
    batch += std::to_string(message.size()) + " " + message;
    ++count;
  }
  if (count == 0) return false;
  if (connection_ && !connection_->alive(error)) {
    say(error + "; reconnecting");
    connection_.reset();
  }
  if (!connection_) {
    auto c = std::make_unique<Connection>();
    if (!c->open(target_, error)) {
      ++counters_.failures;
      say(error);
      return false;
    }
    connection_ = std::move(c);
    say("connected; sending from finding " + std::to_string(position_ + 1));
  }
  if (!connection_->send(batch, error)) {
    ++counters_.failures;
    say(error + "; will resend from finding " + std::to_string(position_ + 1));
    connection_.reset();
    return false;
  }
  counters_.sent += count;
  if (!save_position(last)) say("cannot save the position in " + position_file_);
  counters_.backlog = static_cast<std::uint64_t>(std::max<std::int64_t>(0, *newest - position_));
  return true;
}

void SyslogForwarder::loop() {
  auto backoff = std::chrono::milliseconds(500);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    lock.unlock();
    const bool sent = step();
    const bool failed = !sent && counters_.backlog.load() > 0;
    idle_ = !sent && !failed;
    lock.lock();
    if (sent) {
      backoff = std::chrono::milliseconds(500);
      continue;  // more may be waiting
    }
    const auto wait = failed ? backoff : std::chrono::duration_cast<std::chrono::milliseconds>(kIdlePoll);
    if (failed) backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    wake_.wait_for(lock, wait, [this] { return stop_; });
  }
}

bool SyslogForwarder::drain(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (idle_.load() && counters_.backlog.load() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace limen::collector
