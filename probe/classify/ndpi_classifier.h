#pragma once
// NdpiClassifier: application-protocol classification of flows with nDPI (libndpi 4.2).
//
// One classifier per worker (nDPI's module is not thread-safe for detection). A flow keeps a
// small ClassifyState inline; the 688-byte nDPI flow struct comes from a bounded pool only while
// detection runs: it is taken at the server's SYN+ACK (the SYN is rebuilt from it, so nDPI sees
// the handshake it expects, in the right direction) or at the first packet with payload when
// there was no such answer, and it returns to the pool as soon as the
// application is final, or after max_empty_packets packets in a row without payload, so a
// SYN-only scan holds none and memory stays proportional to flows *being classified*. When the pool
// is exhausted the flow is left unclassified ("unknown") and counted, never a crash.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/timestamp.h"
#include "probe/classify/ndpi_memory.h"

struct ndpi_detection_module_struct;
struct ndpi_flow_struct;

namespace limen::classify {

struct ClassifyState {
  ndpi_flow_struct* ndpi = nullptr;  // from the pool while detection runs
  std::uint16_t protocol = 0;        // nDPI protocol id once final (0 = unknown)
  std::uint16_t packets = 0;         // packets of the flow seen by detection
  std::uint8_t empty_run = 0;        // packets without payload in a row
  bool final = false;                // the application will not change any more
};

// What our TCP tracking saw of the handshake, handed to nDPI when it joins a flow late.
struct TcpHandshake {
  bool syn = false;              // the client sent a SYN
  bool syn_ack = false;          // the server answered with SYN+ACK
  bool ack = false;              // the client acknowledged
  bool this_is_syn_ack = false;  // the packet given with it is the server's SYN+ACK
};

struct ClassifierConfig {
  std::size_t max_active = 65536;  // flows under detection at once (pool bound)
  std::uint16_t max_packets = 24;  // give up after this many packets of a flow
  // Give up after this many packets in a row without payload (a SYN-only or ACK-only flow).
  std::uint8_t max_empty_packets = 16;
};

struct ClassifierCounters {
  std::uint64_t classified = 0;      // final with a known protocol
  std::uint64_t unknown = 0;         // final as unknown
  std::uint64_t pool_exhausted = 0;  // flows left unclassified for lack of a pool slot
  std::uint64_t held = 0;            // nDPI flow structs held now
  std::uint64_t held_peak = 0;       // most held at once
};

class NdpiClassifier {
 public:
  // nullptr and `error` set when nDPI cannot be initialised.
  static std::unique_ptr<NdpiClassifier> create(const ClassifierConfig& config, std::string& error);
  ~NdpiClassifier();
  NdpiClassifier(const NdpiClassifier&) = delete;
  NdpiClassifier& operator=(const NdpiClassifier&) = delete;

  // Feeds one packet (the IP datagram) of a flow that is not final yet. Returns true when the
  // flow's application became final with this packet. `has_payload`: the packet carries L4
  // payload; `handshake`: what the flow's TCP handshake showed so far (TCP only).
  bool process(ClassifyState& state, std::span<const std::uint8_t> ip_packet, bool has_payload,
               const TcpHandshake& handshake, Timestamp ts);
  // Ends detection now (end of flow): takes nDPI's best guess, frees the slot.
  void finish(ClassifyState& state);
  // Frees the slot without a decision (flow evicted or state discarded).
  void release(ClassifyState& state);

  // The flow's application name as used in events and rules: lower-case nDPI name ("modbus",
  // "dns", "tls"), "unknown" when none. The name stays valid for the classifier's lifetime.
  [[nodiscard]] std::string_view app_name(const ClassifyState& state) const;
  // Every name app_name() can return, for validating rules.
  [[nodiscard]] std::vector<std::string> protocol_names() const;
  [[nodiscard]] const ClassifierCounters& counters() const { return counters_; }

 private:
  NdpiClassifier(std::unique_ptr<ModuleMemory> memory, ndpi_detection_module_struct* module,
                 const ClassifierConfig& config);
  ndpi_flow_struct* acquire();
  void give_back(ndpi_flow_struct* flow);
  void decide(ClassifyState& state, std::uint16_t master, std::uint16_t app);

  std::unique_ptr<ModuleMemory> memory_;  // outlives module_ (declared first, freed last)
  ndpi_detection_module_struct* module_;
  ClassifierConfig config_;
  std::vector<std::string> names_;                       // lower-case name per nDPI protocol id
  std::vector<std::unique_ptr<std::uint8_t[]>> chunks_;  // pool storage, grown by chunks
  std::vector<ndpi_flow_struct*> free_;
  std::size_t allocated_ = 0;
  ClassifierCounters counters_;
};

}  // namespace limen::classify
