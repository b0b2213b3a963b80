#pragma once
// Test-only TCP payload extraction for the application-dissector tests: reads a capture with
// libpcap, keeps the TCP conversations with one server port, and replays each into a session
// the way the TCP reassembler will (in-order bytes per direction, unconsumed bytes presented
// again, holes reported as gaps). Retransmitted bytes are dropped by sequence number; segments
// out of order are treated as a gap. Shared by the Modbus and IEC 104 tests until the real
// reassembler lands.

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/packet/packet_decoder.h"

namespace limen::testing {

struct Segment {
  dissect::Direction dir = dissect::Direction::ToServer;
  std::vector<std::uint8_t> bytes;
  Timestamp ts;
  std::size_t gap = 0;  // bytes missing before this segment
};

using Conversation = std::vector<Segment>;

inline std::vector<Conversation> tcp_conversations(const std::filesystem::path& file,
                                                   std::uint16_t server_port) {
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  pcap_t* p = pcap_open_offline(file.c_str(), err.data());
  if (p == nullptr) {
    ADD_FAILURE() << file << ": " << err.data();
    return {};
  }
  int dlt = pcap_datalink(p);
  const auto link = (dlt == DLT_RAW || dlt == 12 || dlt == 14)
                        ? decode::LinkType::Raw
                        : static_cast<decode::LinkType>(dlt);
  using Key = std::tuple<IpAddress, std::uint16_t, IpAddress, std::uint16_t>;
  struct State {
    std::size_t index = 0;
    std::array<std::optional<std::uint32_t>, 2> next{};
  };
  std::map<Key, State> flows;
  std::vector<Conversation> out;
  decode::PacketDecoder decoder;
  decode::DecodedPacket pkt;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &hdr, &data) == 1) {
    const Timestamp ts = Timestamp::from_parts(hdr->ts.tv_sec, hdr->ts.tv_usec);
    if (decoder.decode(link, std::span(data, hdr->caplen), ts, pkt) != decode::DecodeStatus::Ok)
      continue;
    if (pkt.ip_proto != decode::kProtoTcp) continue;
    const bool to_server = pkt.dst_port == server_port;
    if (!to_server && pkt.src_port != server_port) continue;
    const Key key = to_server ? Key{pkt.src, pkt.src_port, pkt.dst, pkt.dst_port}
                              : Key{pkt.dst, pkt.dst_port, pkt.src, pkt.src_port};
    auto [it, fresh] = flows.try_emplace(key);
    if (fresh) {
      it->second.index = out.size();
      out.emplace_back();
    }
    auto& next = it->second.next[to_server ? 0 : 1];
    if ((pkt.tcp_flags & 0x02U) != 0) {  // SYN: data starts at seq + 1
      next = pkt.tcp_seq + 1;
      continue;
    }
    auto payload = pkt.payload;
    if (payload.empty()) continue;
    if (!next) next = pkt.tcp_seq;
    const auto diff = static_cast<std::int32_t>(pkt.tcp_seq - *next);
    std::size_t gap = 0;
    if (diff > 0) {
      gap = static_cast<std::size_t>(diff);
    } else if (diff < 0) {
      const auto seen = static_cast<std::size_t>(-static_cast<std::int64_t>(diff));
      if (seen >= payload.size()) continue;  // a retransmission of bytes already delivered
      payload = payload.subspan(seen);
    }
    next = static_cast<std::uint32_t>(*next + gap + payload.size());
    out[it->second.index].push_back(
        Segment{to_server ? dissect::Direction::ToServer : dissect::Direction::ToClient,
                {payload.begin(), payload.end()}, ts, gap});
  }
  pcap_close(p);
  return out;
}

// Feeds a conversation to a fresh-per-call session and closes it.
template <class Session>
void replay(const Conversation& conversation, Session& session, dissect::TransactionSink& sink) {
  std::array<std::vector<std::uint8_t>, 2> pending;
  Timestamp last;
  for (const Segment& s : conversation) {
    auto& buf = pending[static_cast<std::size_t>(s.dir)];
    if (s.gap > 0) {
      buf.clear();
      session.on_gap(s.dir, s.gap);
    }
    buf.insert(buf.end(), s.bytes.begin(), s.bytes.end());
    const std::size_t used = session.on_data(s.dir, buf, s.ts, sink);
    EXPECT_LE(used, buf.size());
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    last = s.ts;
  }
  session.on_close(last, sink);
}

// Records what a session reports, as text, so runs can be compared and inspected.
class RecordingSink : public dissect::TransactionSink {
 public:
  RecordingSink() = default;
  RecordingSink(const RecordingSink&) = default;
  RecordingSink& operator=(const RecordingSink&) = default;
  virtual ~RecordingSink() = default;
  void on_transaction(const dissect::Transaction& t) override {
    transactions.push_back(describe(t));
    operations.push_back(t.operation);
  }
  void on_anomaly(const dissect::Anomaly& a) override {
    anomalies.push_back(std::string(a.reason) + (a.violation ? " (violation)" : ""));
  }

  static std::string describe(const dissect::Transaction& t) {
    std::string s(dissect::operation_name(t.operation));
    s += t.has_request ? " req" : "";
    s += t.has_response ? " resp" : "";
    for (const auto& v : t.values()) {
      const auto& spec = t.schema()[v.field];
      s += ' ';
      s += spec.name.substr(spec.name.find('.') + 1);
      s += '=';
      if (spec.type == dissect::FieldType::Text) {
        s += t.text(v);
      } else if (spec.type == dissect::FieldType::UintList) {
        for (const auto n : t.list(v)) s += std::to_string(n) + ",";
      } else {
        s += std::to_string(v.number);
      }
    }
    return s;
  }

  std::vector<std::string> transactions;
  std::vector<dissect::Operation> operations;
  std::vector<std::string> anomalies;
};

}  // namespace limen::testing
