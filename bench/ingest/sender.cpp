// limen-bench-ingest-send: plays one probe at full speed against a collector, for
// bench/collector_ingest. Sends N findings in the probe wire format (common/wire.h) over CURVE,
// at most --window unacknowledged, and waits until the collector has acknowledged the last one,
// that is until every finding is committed. Prints one line:
//   NAME N START_US END_US
// (wall clock, microseconds), so the script can add up several senders running at once.
//
// The findings vary as a site's would (addresses, ports, rules, severities, zones), so the
// collector's indexes see realistic keys.

#include <zmq.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "common/curve_keys.h"
#include "common/wire.h"

namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string finding(const std::string& probe, std::uint64_t seq) {
  static constexpr std::array<const char*, 4> kSeverity{"low", "medium", "high", "critical"};
  static constexpr std::array<const char*, 3> kKind{"unauthorized_flow", "alert",
                                                    "unauthorized_operation"};
  const auto host = [](std::uint64_t n) {
    return "10." + std::to_string(20 + n % 4) + "." + std::to_string(n / 250 % 250) + "." +
           std::to_string(1 + n % 250);
  };
  const std::uint64_t second = seq / 1000;
  char time[64];
  std::snprintf(time, sizeof time, "2026-03-02T%02llu:%02llu:%02llu.%06lluZ",
                static_cast<unsigned long long>(8 + second / 3600 % 12),
                static_cast<unsigned long long>(second / 60 % 60),
                static_cast<unsigned long long>(second % 60),
                static_cast<unsigned long long>(seq % 1000 * 1000));
  return std::string(R"({"timestamp":")") + time + R"(","event_type":"finding","probe":")" + probe +
         R"(","seq":)" + std::to_string(seq) + R"(,"flow_id":)" + std::to_string(seq * 7919) +
         R"(,"community_id":"1:bench)" + std::to_string(seq % 9973) + R"(=","src_ip":")" +
         host(seq * 31) + R"(","src_port":)" + std::to_string(40000 + seq % 20000) +
         R"(,"dest_ip":")" + host(seq % 97) + R"(","dest_port":502,"proto":"TCP",)"
         R"("app_proto":"modbus","finding":{"kind":")" + kKind[seq % kKind.size()] +
         R"(","rule_id":)" + std::to_string(seq % 40) + R"(,"action":"alert","severity":")" +
         kSeverity[seq % kSeverity.size()] +
         R"(","message":"benchmark finding","src_zone":"vendor","dest_zone":"plc_cell",)"
         R"("rule_location":"site.rules:)" + std::to_string(10 + seq % 40) + R"("}})";
}

int usage() {
  std::cerr << "usage: limen-bench-ingest-send --endpoint E --collector-key FILE --key DIR "
               "--name NAME --count N [--window W]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint, collector_key, key_dir, name;
  std::uint64_t count = 0, window = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string opt = argv[i], value = argv[i + 1];
    if (opt == "--endpoint") endpoint = value;
    else if (opt == "--collector-key") collector_key = value;
    else if (opt == "--key") key_dir = value;
    else if (opt == "--name") name = value;
    else if (opt == "--count") count = std::strtoull(value.c_str(), nullptr, 10);
    else if (opt == "--window") window = std::strtoull(value.c_str(), nullptr, 10);
    else return usage();
  }
  if (endpoint.empty() || name.empty() || count == 0 || window == 0) return usage();
  std::string error;
  limen::curve::KeyPair own;
  limen::curve::Key server{};
  const bool curve = !collector_key.empty();
  if (curve && (!limen::curve::load_key_pair(key_dir, own, error) ||
                !limen::curve::load_public_key(collector_key, server, error))) {
    std::cerr << "limen-bench-ingest-send: " << error << '\n';
    return 1;
  }
  // The events are built before the clock starts: the collector is measured, not this loop.
  std::vector<std::string> events;
  events.reserve(count);
  for (std::uint64_t seq = 1; seq <= count; ++seq) events.push_back(finding(name, seq));

  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::sndhwm, static_cast<int>(window) + 1024);
  socket.set(zmq::sockopt::linger, 0);
  if (curve) {
    socket.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.data(), server.size()));
    socket.set(zmq::sockopt::curve_publickey, zmq::const_buffer(own.public_key.data(), 32));
    socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(own.secret_key.data(), 32));
  }
  socket.connect(endpoint);
  const std::uint64_t run = static_cast<std::uint64_t>(now_us());
  std::uint64_t next = 1, acked = 0;
  const std::int64_t start = now_us();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (acked < count) {
    while (next <= count && next - acked <= window) {
      const auto position = limen::wire::encode_position(run, next);
      socket.send(zmq::buffer(limen::wire::kProtocol), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(name), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(position), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(events[next - 1]), zmq::send_flags::none);
      ++next;
    }
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    std::array<zmq::message_t, limen::wire::kAckFrameCount> parts;
    while (socket.recv(parts[0], zmq::recv_flags::dontwait)) {
      std::size_t frames = 1;
      while (parts[frames - 1].more() && frames < parts.size()) (void)socket.recv(parts[frames++]);
      std::array<std::string_view, limen::wire::kAckFrameCount> views;
      for (std::size_t i = 0; i < frames; ++i) views[i] = parts[i].to_string_view();
      limen::wire::Ack ack;
      // Contiguous from the first unacknowledged, as the probe's spool demands.
      if (frames == views.size() && limen::wire::decode_ack(views, ack).empty() && ack.run == run &&
          ack.first_run == run && ack.first_seq == acked + 1 && ack.seq > acked)
        acked = ack.seq;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "limen-bench-ingest-send: " << name << ": only " << acked << " of " << count
                << " acknowledged after 10 minutes\n";
      return 1;
    }
  }
  std::cout << name << ' ' << count << ' ' << start << ' ' << now_us() << std::endl;
  return 0;
}
