#include "probe/classify/ndpi_classifier.h"

#include <ndpi_api.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <utility>

namespace limen::classify {
namespace {

constexpr std::size_t kChunkFlows = 1024;

// The wire protocol (master) names what crosses the boundary: DNS for a query about google.com,
// TLS for a session to a bank. Rules are written against that, so it wins over the app label.
std::uint16_t pick(std::uint16_t master, std::uint16_t app) {
  return master != NDPI_PROTOCOL_UNKNOWN ? master : app;
}

}  // namespace

std::unique_ptr<NdpiClassifier> NdpiClassifier::create(const ClassifierConfig& config,
                                                       std::string& error) {
  // The module's own allocations come from a region of its own (see ndpi_memory.h).
  auto memory = std::make_unique<ModuleMemory>();
  ndpi_detection_module_struct* module = nullptr;
  {
    const ModuleMemory::Building building(*memory);
    module = ndpi_init_detection_module(ndpi_no_prefs);
    if (module == nullptr) {
      error = "nDPI: cannot initialise the detection module";
      return nullptr;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(module, &all);
    ndpi_finalize_initialization(module);
  }
  return std::unique_ptr<NdpiClassifier>(new NdpiClassifier(std::move(memory), module, config));
}

NdpiClassifier::NdpiClassifier(std::unique_ptr<ModuleMemory> memory,
                               ndpi_detection_module_struct* module, const ClassifierConfig& config)
    : memory_(std::move(memory)), module_(module), config_(config) {
  const unsigned count = ndpi_get_num_supported_protocols(module_);
  names_.reserve(count);
  for (unsigned id = 0; id < count; ++id) {
    const char* raw = ndpi_get_proto_name(module_, static_cast<std::uint16_t>(id));
    std::string name = raw != nullptr ? raw : "";
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    names_.push_back(std::move(name));
  }
}

NdpiClassifier::~NdpiClassifier() {
  // Flows still holding a slot own per-flow allocations inside nDPI; the slots themselves are
  // freed with the chunks. Callers release states before destroying the classifier.
  ndpi_exit_detection_module(module_);
}

ndpi_flow_struct* NdpiClassifier::acquire() {
  if (free_.empty()) {
    if (allocated_ >= config_.max_active) return nullptr;
    const std::size_t n = std::min(kChunkFlows, config_.max_active - allocated_);
    auto chunk = std::make_unique<std::uint8_t[]>(n * sizeof(ndpi_flow_struct));
    for (std::size_t i = 0; i < n; ++i)
      free_.push_back(static_cast<ndpi_flow_struct*>(
          static_cast<void*>(chunk.get() + i * sizeof(ndpi_flow_struct))));
    chunks_.push_back(std::move(chunk));
    allocated_ += n;
  }
  ndpi_flow_struct* flow = free_.back();
  free_.pop_back();
  ++counters_.held;
  counters_.held_peak = std::max(counters_.held_peak, counters_.held);
  std::memset(static_cast<void*>(flow), 0, sizeof(ndpi_flow_struct));  // nDPI requires zeroed state
  return flow;
}

void NdpiClassifier::give_back(ndpi_flow_struct* flow) {
  ndpi_free_flow_data(flow);  // frees what nDPI allocated inside (host names, certificates ...)
  free_.push_back(flow);
  --counters_.held;
}

void NdpiClassifier::decide(ClassifyState& state, std::uint16_t master, std::uint16_t app) {
  state.protocol = pick(master, app);
  state.final = true;
  if (state.protocol == NDPI_PROTOCOL_UNKNOWN)
    ++counters_.unknown;
  else
    ++counters_.classified;
  release(state);
}

namespace {

// The client's SYN, rebuilt from the server's SYN+ACK (addresses and ports swapped, seq = the
// SYN+ACK's ack - 1, no options), so that nDPI joining at the answer sees a whole handshake and
// takes the right side for the client. Returns its length, 0 when the header is not one we
// rebuild (IPv4, or IPv6 without extension headers, carrying TCP).
std::size_t rebuild_syn(std::span<const std::uint8_t> ip, std::array<std::uint8_t, 80>& out) {
  std::size_t ip_len = 0;
  if (ip.size() >= 20 && (ip[0] >> 4) == 4) {
    ip_len = static_cast<std::size_t>(ip[0] & 0x0F) * 4;
    if (ip_len < 20 || ip[9] != 6) return 0;
  } else if (ip.size() >= 40 && (ip[0] >> 4) == 6) {
    ip_len = 40;
    if (ip[6] != 6) return 0;
  } else {
    return 0;
  }
  if (ip.size() < ip_len + 20) return 0;
  std::memcpy(out.data(), ip.data(), ip_len + 20);
  const std::size_t addr = ip_len == 40 && (ip[0] >> 4) == 6 ? 8 : 12;
  const std::size_t addr_len = addr == 8 ? 16 : 4;
  std::swap_ranges(out.begin() + static_cast<std::ptrdiff_t>(addr),
                   out.begin() + static_cast<std::ptrdiff_t>(addr + addr_len),
                   out.begin() + static_cast<std::ptrdiff_t>(addr + addr_len));
  if (addr == 12) {
    const auto total = static_cast<std::uint16_t>(ip_len + 20);
    out[2] = static_cast<std::uint8_t>(total >> 8);
    out[3] = static_cast<std::uint8_t>(total & 0xFF);
  } else {
    out[4] = 0;
    out[5] = 20;
  }
  std::uint8_t* tcp = out.data() + ip_len;
  std::swap_ranges(tcp, tcp + 2, tcp + 2);  // ports
  const std::uint32_t ack = (std::uint32_t{tcp[8]} << 24) | (std::uint32_t{tcp[9]} << 16) |
                            (std::uint32_t{tcp[10]} << 8) | tcp[11];
  const std::uint32_t seq = ack - 1;
  for (int i = 0; i < 4; ++i) {
    tcp[4 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
    tcp[8 + i] = 0;
  }
  tcp[12] = 5 << 4;  // header without options
  tcp[13] = 0x02;    // SYN
  return ip_len + 20;
}

}  // namespace

bool NdpiClassifier::process(ClassifyState& state, std::span<const std::uint8_t> ip_packet,
                             bool has_payload, const TcpHandshake& handshake, Timestamp ts) {
  if (state.final) return false;
  ++state.packets;
  if (!has_payload) {
    ++state.empty_run;
    if (state.empty_run >= config_.max_empty_packets || state.packets >= config_.max_packets) {
      finish(state);
      return true;
    }
    // Before the server answers or the first payload, nDPI is not involved; after, it sees
    // every packet, as it would on its own (its TCP tracking counts them).
    if (state.ndpi == nullptr && !(handshake.this_is_syn_ack && handshake.syn)) return false;
  } else {
    state.empty_run = 0;
  }
  if (state.ndpi == nullptr) {
    state.ndpi = acquire();
    if (state.ndpi == nullptr) {
      ++counters_.pool_exhausted;
      state.final = true;
      ++counters_.unknown;
      return true;
    }
    // nDPI skipped the handshake: tell it what was seen, or it takes the flow for one picked up
    // mid-stream and some dissectors (FTP data, for one) never run.
    std::array<std::uint8_t, 60 + 20> syn{};
    const std::size_t syn_len =
        handshake.this_is_syn_ack && handshake.syn ? rebuild_syn(ip_packet, syn) : 0;
    if (syn_len != 0) {
      (void)ndpi_detection_process_packet(module_, state.ndpi, syn.data(),
                                          static_cast<unsigned short>(syn_len),
                                          static_cast<std::uint64_t>(ts.millis()));
    } else if (handshake.syn || handshake.syn_ack || handshake.ack) {  // l4 is a union: TCP only
      state.ndpi->l4.tcp.seen_syn = handshake.syn ? 1 : 0;
      state.ndpi->l4.tcp.seen_syn_ack = handshake.syn_ack ? 1 : 0;
      state.ndpi->l4.tcp.seen_ack = handshake.ack ? 1 : 0;
    }
  }
  const auto len = static_cast<unsigned short>(std::min<std::size_t>(ip_packet.size(), 65535));
  const ndpi_protocol p = ndpi_detection_process_packet(module_, state.ndpi, ip_packet.data(), len,
                                                        static_cast<std::uint64_t>(ts.millis()));
  const bool detected =
      p.master_protocol != NDPI_PROTOCOL_UNKNOWN || p.app_protocol != NDPI_PROTOCOL_UNKNOWN;
  if (detected) {
    decide(state, p.master_protocol, p.app_protocol);
    return true;
  }
  if (state.packets >= config_.max_packets) {
    finish(state);
    return true;
  }
  return false;
}

void NdpiClassifier::finish(ClassifyState& state) {
  if (state.final) return;
  if (state.ndpi == nullptr) {
    decide(state, NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_UNKNOWN);
    return;
  }
  // No guessing: a guess from the port number alone would let any bytes sent to tcp/502 pass
  // an `allow ... modbus` rule. What nDPI recognised in the payload is kept.
  std::uint8_t guessed = 0;
  const ndpi_protocol p = ndpi_detection_giveup(module_, state.ndpi, 0, &guessed);
  decide(state, p.master_protocol, p.app_protocol);
}

void NdpiClassifier::release(ClassifyState& state) {
  if (state.ndpi != nullptr) give_back(state.ndpi);
  state.ndpi = nullptr;
}

std::string_view NdpiClassifier::app_name(const ClassifyState& state) const {
  if (state.protocol == NDPI_PROTOCOL_UNKNOWN || state.protocol >= names_.size()) return "unknown";
  return names_[state.protocol];
}

std::vector<std::string> NdpiClassifier::protocol_names() const {
  // Protocol 0 is nDPI's "unknown": not an application a rule may name.
  std::vector<std::string> out;
  for (std::size_t id = 1; id < names_.size(); ++id)
    if (!names_[id].empty()) out.push_back(names_[id]);
  return out;
}

}  // namespace limen::classify
