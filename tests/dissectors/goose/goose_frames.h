#pragma once
// Test-only builders of GOOSE and Sampled Values frames (the bytes after the Ethertype), so a
// test states the fields it cares about and the BER/header lengths are computed, or overridden
// to hostile values by the test itself.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace limen::testing {

using Bytes = std::vector<std::uint8_t>;

inline Bytes tlv(std::uint8_t tag, const Bytes& value) {
  Bytes out{tag};
  const std::size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

inline Bytes text(const std::string& s) { return {s.begin(), s.end()}; }

// Minimal BER INTEGER content for an unsigned value (a leading 0 when the top bit is set).
inline Bytes integer(std::uint64_t v) {
  Bytes out;
  do {
    out.insert(out.begin(), static_cast<std::uint8_t>(v & 0xFFU));
    v >>= 8;
  } while (v != 0);
  if ((out[0] & 0x80U) != 0) out.insert(out.begin(), 0);
  return out;
}

inline Bytes be(std::uint64_t v, std::size_t n) {
  Bytes out(n);
  for (std::size_t i = n; i-- > 0; v >>= 8) out[i] = static_cast<std::uint8_t>(v & 0xFFU);
  return out;
}

inline void append(Bytes& to, const Bytes& from) { to.insert(to.end(), from.begin(), from.end()); }

// Header (APPID, Length = 8 + apdu, reserved) in front of `apdu`.
inline Bytes with_header(std::uint16_t appid, const Bytes& apdu, std::uint16_t reserved1 = 0) {
  Bytes out = be(appid, 2);
  append(out, be(8 + apdu.size(), 2));
  append(out, be(reserved1, 2));
  append(out, be(0, 2));
  append(out, apdu);
  return out;
}

struct GooseSpec {
  std::uint16_t appid = 0x3001;
  std::string gocb_ref = "IED1LD0/LLN0$GO$gcb_A";
  std::uint32_t tal = 2000;
  std::string dataset = "IED1LD0/LLN0$DS1";
  std::string go_id = "gcb_A";
  std::uint64_t utc = 0x5F5E100012345600ULL;
  std::uint32_t st_num = 1;
  std::uint32_t sq_num = 0;
  bool simulation = false;
  std::uint32_t conf_rev = 1;
  std::uint32_t entries = 2;
};

inline Bytes goose_members(const GooseSpec& s) {
  Bytes m;
  append(m, tlv(0x80, text(s.gocb_ref)));
  append(m, tlv(0x81, integer(s.tal)));
  append(m, tlv(0x82, text(s.dataset)));
  append(m, tlv(0x83, text(s.go_id)));
  append(m, tlv(0x84, be(s.utc, 8)));
  append(m, tlv(0x85, integer(s.st_num)));
  append(m, tlv(0x86, integer(s.sq_num)));
  append(m, tlv(0x87, {static_cast<std::uint8_t>(s.simulation ? 0xFF : 0)}));
  append(m, tlv(0x88, integer(s.conf_rev)));
  append(m, tlv(0x89, {0}));
  append(m, tlv(0x8A, integer(s.entries)));
  Bytes data;
  for (std::uint32_t i = 0; i < s.entries; ++i) append(data, tlv(0x83, {1}));  // BOOLEAN true
  append(m, tlv(0xAB, data));
  return m;
}

inline Bytes goose_frame(const GooseSpec& s) {
  return with_header(s.appid, tlv(0x61, goose_members(s)));
}

struct AsduSpec {
  std::string sv_id = "MU01";
  std::uint16_t smp_cnt = 0;
  std::uint32_t conf_rev = 1;
  std::uint8_t smp_synch = 2;
};

inline Bytes asdu(const AsduSpec& a) {
  Bytes m;
  append(m, tlv(0x80, text(a.sv_id)));
  append(m, tlv(0x82, be(a.smp_cnt, 2)));
  append(m, tlv(0x83, be(a.conf_rev, 4)));
  append(m, tlv(0x85, {a.smp_synch}));
  append(m, tlv(0x87, Bytes(64, 0)));  // 8 x (INT32 value + quality)
  return tlv(0x30, m);
}

inline Bytes sv_frame(const std::vector<AsduSpec>& asdus, std::uint16_t appid = 0x4000,
                      std::uint64_t no_asdu_override = 0) {
  Bytes seq;
  for (const auto& a : asdus) append(seq, asdu(a));
  Bytes pdu = tlv(0x80, integer(no_asdu_override != 0 ? no_asdu_override : asdus.size()));
  append(pdu, tlv(0xA2, seq));
  return with_header(appid, tlv(0x60, pdu));
}

}  // namespace limen::testing
