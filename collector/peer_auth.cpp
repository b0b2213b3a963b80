#include "collector/peer_auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zmq.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/printable.h"

namespace limen::collector {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr std::size_t kZapFrames = 7;  // version, request id, domain, address, identity,
                                       // mechanism, credentials (RFC 27, CURVE)
// Connections whose address is remembered; a flood of half-open ones cannot grow it further.
constexpr std::size_t kMaxPeers = 16384;
constexpr int kMonitorEvents = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

// Receives one whole multipart message without waiting; empty when none is queued.
std::vector<std::string> receive_all(void* socket) {
  std::vector<std::string> frames;
  int more = 1;
  while (more != 0) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    const int flags = frames.empty() ? ZMQ_DONTWAIT : 0;
    if (zmq_msg_recv(&msg, socket, flags) < 0) {
      zmq_msg_close(&msg);
      if (!frames.empty() && zmq_errno() == EINTR) continue;
      break;
    }
    if (frames.size() < 16)
      frames.emplace_back(static_cast<const char*>(zmq_msg_data(&msg)), zmq_msg_size(&msg));
    more = zmq_msg_more(&msg);
    zmq_msg_close(&msg);
  }
  return frames;
}

void send_all(void* socket, const std::vector<std::string>& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i)
    (void)zmq_send(socket, frames[i].data(), frames[i].size(),
                   i + 1 < frames.size() ? ZMQ_SNDMORE : 0);
}

std::string peer_address(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return {};
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size());
    return std::string(text.data()) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in->sin6_addr, text.data(), text.size());
    return "[" + std::string(text.data()) + "]:" + std::to_string(ntohs(in->sin6_port));
  }
  return "a local socket";  // ipc://
}

std::string protocol_failure(std::uint32_t code) {
  switch (code) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
      return "it does not speak CURVE (a plain-text client, or --insecure on one side only)";
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
      return "its handshake does not decrypt (it does not hold this collector's public key)";
    default: {
      std::array<char, 16> hex{};
      std::snprintf(hex.data(), hex.size(), "%#x", code);
      return std::string("ZeroMQ protocol error ") + hex.data();
    }
  }
}

}  // namespace

PeerAuth::PeerAuth(void* context, curve::AllowList allow, Report report)
    : context_(context), allow_(std::move(allow)), report_(std::move(report)) {}

PeerAuth::~PeerAuth() {
  if (zap_ != nullptr) zmq_close(zap_);
  if (monitor_ != nullptr) zmq_close(monitor_);
}

std::unique_ptr<PeerAuth> PeerAuth::start(void* context, curve::AllowList allow, Report report,
                                          std::string& error) {
  std::unique_ptr<PeerAuth> auth(new PeerAuth(context, std::move(allow), std::move(report)));
  auth->zap_ = zmq_socket(context, ZMQ_REP);
  const int linger = 0;
  if (auth->zap_ == nullptr ||
      zmq_setsockopt(auth->zap_, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
      zmq_bind(auth->zap_, kZapEndpoint) != 0) {
    error = std::string("cannot start the authentication handler: ") + zmq_strerror(zmq_errno());
    return nullptr;
  }
  return auth;
}

bool PeerAuth::watch(void* socket, std::string& error) {
  const std::string endpoint =
      "inproc://limen-monitor-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
  monitor_ = zmq_socket(context_, ZMQ_PAIR);
  const int linger = 0;
  if (monitor_ == nullptr || zmq_socket_monitor(socket, endpoint.c_str(), kMonitorEvents) != 0 ||
      zmq_setsockopt(monitor_, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
      zmq_connect(monitor_, endpoint.c_str()) != 0) {
    error = std::string("cannot watch connections: ") + zmq_strerror(zmq_errno());
    return false;
  }
  return true;
}

void PeerAuth::serve_zap() {
  while (true) {
    auto request = receive_all(zap_);
    if (request.empty()) return;
    if (request.size() < 2) {  // not ZAP: libzmq itself is the only client of this endpoint
      send_all(zap_, {"1.0", "", "500", "malformed request", "", ""});
      continue;
    }
    const std::string& address = request.size() > 3 ? request[3] : std::string();
    std::vector<std::string> reply{"1.0", request[1], "400", "", "", ""};
    if (request.size() != kZapFrames || request[0] != "1.0" || request[5] != "CURVE" ||
        request[6].size() != 32) {
      reply[3] = "not a CURVE handshake";
      ++counters_.handshake;
      report_("refused a connection from " + printable(address) + ": not a CURVE handshake");
      send_all(zap_, reply);
      continue;
    }
    curve::Key key{};
    std::memcpy(key.data(), request[6].data(), key.size());
    if (const std::string* name = allow_.name_of(key)) {
      ++counters_.accepted;
      reply[2] = "200";
      reply[3] = "OK";
      reply[4] = *name;
    } else {
      ++counters_.unknown_key;
      reply[3] = "key not allowed";
      report_("refused a connection from " + printable(address) + ": its key " + curve::z85(key) +
              " is not in the allow list");
    }
    send_all(zap_, reply);
  }
}

void PeerAuth::serve_monitor() {
  if (monitor_ == nullptr) return;
  while (true) {
    const auto event = receive_all(monitor_);
    if (event.empty()) return;
    if (event[0].size() < 6) continue;
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    std::memcpy(&id, event[0].data(), sizeof id);  // host order, as libzmq writes it
    std::memcpy(&value, event[0].data() + 2, sizeof value);
    on_event(id, value);
  }
}

void PeerAuth::on_event(std::uint16_t event, std::uint32_t value) {
  const int fd = static_cast<int>(value);
  switch (event) {
    case ZMQ_EVENT_ACCEPTED:
      // The connection may already be gone; then its address is unknown, not wrong: the
      // descriptor is only reused after the DISCONNECTED event that erases it.
      if (peers_.size() >= kMaxPeers) peers_.clear();
      peers_[fd] = peer_address(fd);
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      pending_failure_ = protocol_failure(value);
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      pending_failure_ =
          std::string("it closed or broke the handshake (") + zmq_strerror(static_cast<int>(value)) + ")";
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      pending_failure_.clear();  // the ZAP handler counted and reported it
      break;
    case ZMQ_EVENT_DISCONNECTED: {
      // libzmq emits a connection's failure and its disconnect together, on one I/O thread.
      const auto it = peers_.find(fd);
      std::string address = it != peers_.end() && !it->second.empty() ? it->second : "";
      if (it != peers_.end()) peers_.erase(it);
      if (pending_failure_.empty()) break;
      ++counters_.handshake;
      report_("refused a connection from " + (address.empty() ? "an unknown address" : address) +
              ": " + pending_failure_);
      pending_failure_.clear();
      break;
    }
    default:
      break;
  }
}

}  // namespace limen::collector
