#pragma once
// Pure decoders for one GOOSE or Sampled Values frame: the bytes after the Ethertype (VLAN tag
// already removed) into a value type whose strings are spans into that input. No state, no I/O,
// no allocation.
//
// Invariants: every length is hostile. The header Length must be at least 8 and within the
// bytes given (a longer one is NeedMore: the frame was cut); bytes past it are Ethernet padding
// and ignored. Every BER length must fit inside its parent; lengths use at most 2 length octets
// (an Ethernet frame cannot need more) and never the indefinite form. goosePdu members must come
// in the order of the ASN.1 SEQUENCE, each at most once, and the mandatory ones must be present.
// A Sampled Values frame holds at most kMaxAsdus ASDUs and exactly noASDU of them.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::goose {

enum class DecodeStatus : std::uint8_t {
  Ok,        // decoded; `size` is the header Length (the frame without padding)
  NeedMore,  // the frame is cut: `size` is the number of bytes it declares
  Invalid,   // not a well-formed GOOSE/SV frame; `reason` says why
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Invalid;
  std::size_t size = 0;
  std::string_view reason;  // static text; empty when Ok
};

struct LinkHeader {
  std::uint16_t appid = 0;
  std::uint16_t length = 0;
  std::uint16_t reserved1 = 0;
  std::uint16_t reserved2 = 0;
};

struct GoosePdu {
  LinkHeader header;
  std::span<const std::uint8_t> gocb_ref;
  std::span<const std::uint8_t> dataset;
  std::span<const std::uint8_t> go_id;  // empty when absent
  bool has_go_id = false;
  std::uint64_t time_allowed_to_live = 0;  // milliseconds
  std::uint64_t utc_time = 0;  // UtcTime as sent: 32-bit seconds, 24-bit fraction, 8-bit quality
  std::uint32_t st_num = 0;
  std::uint32_t sq_num = 0;
  bool simulation = false;  // the PDU's simulation/test member
  std::uint32_t conf_rev = 0;
  bool nds_com = false;
  std::uint32_t num_dat_set_entries = 0;
  std::uint32_t all_data_count = 0;  // top-level Data elements in allData
  bool has_security = false;
};

// UtcTime to microseconds since the epoch (the quality byte is dropped).
std::int64_t utc_time_usec(std::uint64_t utc_time);

struct SvAsdu {
  std::span<const std::uint8_t> sv_id;
  std::uint16_t smp_cnt = 0;
  std::uint32_t conf_rev = 0;
  std::uint8_t smp_synch = 0;  // 0 none, 1 local, 2 global; 5..254 a grandmaster id (Ed.2.1)
};

struct SvPdu {
  static constexpr std::size_t kMaxAsdus = 16;
  LinkHeader header;
  std::uint32_t no_asdu = 0;
  std::size_t asdu_count = 0;
  std::array<SvAsdu, kMaxAsdus> asdus{};
  [[nodiscard]] std::span<const SvAsdu> asdu_list() const { return {asdus.data(), asdu_count}; }
};

// `frame` starts at the APPID (the byte after the Ethertype).
DecodeResult decode_goose(std::span<const std::uint8_t> frame, GoosePdu& out);
DecodeResult decode_sv(std::span<const std::uint8_t> frame, SvPdu& out);

inline std::string_view as_text(std::span<const std::uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};  // NOLINT: bytes as characters
}

}  // namespace limen::dissect::goose
