#include "dissectors/goose/goose_decoder.h"

#include <limits>

#include "common/byte_reader.h"
#include "dissectors/goose/goose_constants.h"

namespace limen::dissect::goose {
namespace {

struct Tlv {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> value;
};

// One BER TLV from `r`; false with `reason` set when it cannot be read. Tags are one octet
// (every GOOSE/SV tag is), lengths short or long with at most 2 octets, never indefinite.
bool read_tlv(ByteReader& r, Tlv& out, std::string_view& reason) {
  out.tag = r.u8();
  const std::uint8_t first = r.u8();
  if (!r.ok()) {
    reason = "BER header past its parent";
    return false;
  }
  if ((out.tag & 0x1FU) == 0x1FU) {
    reason = "BER multi-octet tag";
    return false;
  }
  std::size_t length = first;
  if (first == 0x81U) {
    length = r.u8();
  } else if (first == 0x82U) {
    length = r.be16();
  } else if (first >= 0x80U) {
    reason = first == 0x80U ? "BER indefinite length" : "BER length of more than 2 octets";
    return false;
  }
  out.value = r.bytes(length);
  if (!r.ok()) {
    reason = "BER length past its parent";
    return false;
  }
  return true;
}

// A non-negative BER INTEGER that fits `max`: 1..9 content octets, a 9th only as a leading 0.
bool read_unsigned(std::span<const std::uint8_t> v, std::uint64_t max, std::uint64_t& out) {
  if (v.empty() || v.size() > 9 || (v[0] & 0x80U) != 0) return false;
  if (v.size() == 9 && v[0] != 0) return false;
  std::uint64_t n = 0;
  for (const auto b : v) n = (n << 8) | b;
  out = n;
  return n <= max;
}

bool read_u32(std::span<const std::uint8_t> v, std::uint32_t& out) {
  std::uint64_t n = 0;
  if (!read_unsigned(v, std::numeric_limits<std::uint32_t>::max(), n)) return false;
  out = static_cast<std::uint32_t>(n);
  return true;
}

bool read_bool(std::span<const std::uint8_t> v, bool& out) {
  if (v.size() != 1) return false;
  out = v[0] != 0;
  return true;
}

DecodeResult invalid(std::string_view reason) { return {DecodeStatus::Invalid, 0, reason}; }

// The 8-byte header and the span of the APDU it frames (padding cut off).
DecodeResult read_header(std::span<const std::uint8_t> frame, LinkHeader& h,
                         std::span<const std::uint8_t>& apdu) {
  if (frame.size() < kHeaderSize) return {DecodeStatus::NeedMore, kHeaderSize, {}};
  ByteReader r(frame);
  h.appid = r.be16();
  h.length = r.be16();
  h.reserved1 = r.be16();
  h.reserved2 = r.be16();
  if (h.length < kHeaderSize) return invalid("header length below 8");
  if (h.length > frame.size()) return {DecodeStatus::NeedMore, h.length, {}};
  apdu = frame.subspan(kHeaderSize, h.length - kHeaderSize);
  return {DecodeStatus::Ok, h.length, {}};
}

// The goosePdu members after the outer tag; `reason` set on the first bad one.
std::string_view decode_goose_members(ByteReader& r, GoosePdu& out) {
  std::uint32_t seen = 0;
  int last = -1;
  std::string_view reason;
  while (!r.empty()) {
    Tlv t;
    if (!read_tlv(r, t, reason)) return reason;
    if ((t.tag & 0xC0U) != 0x80U) return "goosePdu member is not context-specific";
    const int number = t.tag & 0x1F;
    if (number > static_cast<int>(GooseTag::Security)) return "unknown goosePdu member";
    if (number <= last) return "goosePdu members out of order";
    last = number;
    seen |= 1U << static_cast<unsigned>(number);
    const bool constructed = (t.tag & 0x20U) != 0;
    if (constructed != (number == static_cast<int>(GooseTag::AllData) ||
                        number == static_cast<int>(GooseTag::Security)))
      return "goosePdu member has the wrong form";
    bool good = true;
    switch (static_cast<GooseTag>(number)) {
      case GooseTag::GocbRef: out.gocb_ref = t.value; break;
      case GooseTag::DatSet: out.dataset = t.value; break;
      case GooseTag::GoId:
        out.go_id = t.value;
        out.has_go_id = true;
        break;
      case GooseTag::TimeAllowedToLive:
        good = read_unsigned(t.value, std::numeric_limits<std::uint32_t>::max(),
                             out.time_allowed_to_live);
        break;
      case GooseTag::Time:
        good = t.value.size() == 8;
        if (good) out.utc_time = ByteReader(t.value).be64();
        break;
      case GooseTag::StNum: good = read_u32(t.value, out.st_num); break;
      case GooseTag::SqNum: good = read_u32(t.value, out.sq_num); break;
      case GooseTag::Simulation: good = read_bool(t.value, out.simulation); break;
      case GooseTag::ConfRev: good = read_u32(t.value, out.conf_rev); break;
      case GooseTag::NdsCom: good = read_bool(t.value, out.nds_com); break;
      case GooseTag::NumDatSetEntries: good = read_u32(t.value, out.num_dat_set_entries); break;
      case GooseTag::AllData: {
        ByteReader data(t.value);
        std::uint32_t count = 0;
        while (!data.empty()) {
          Tlv element;
          if (!read_tlv(data, element, reason)) return reason;
          ++count;  // bounded: each element takes at least 2 of at most 65535 bytes
        }
        out.all_data_count = count;
        break;
      }
      case GooseTag::Security: out.has_security = true; break;
    }
    if (!good) return "goosePdu member has a bad value";
  }
  constexpr std::uint32_t kMandatory =
      (1U << 0) | (1U << 1) | (1U << 2) | (1U << 4) | (1U << 5) | (1U << 6) | (1U << 7) |
      (1U << 8) | (1U << 9) | (1U << 10) | (1U << 11);
  if ((seen & kMandatory) != kMandatory) return "goosePdu lacks a mandatory member";
  return {};
}

std::string_view decode_asdu(std::span<const std::uint8_t> bytes, SvAsdu& out) {
  ByteReader r(bytes);
  std::uint32_t seen = 0;
  int last = -1;
  std::string_view reason;
  while (!r.empty()) {
    Tlv t;
    if (!read_tlv(r, t, reason)) return reason;
    if ((t.tag & 0xE0U) != 0x80U) return "ASDU member is not context-specific primitive";
    const int number = t.tag & 0x1F;
    if (number > static_cast<int>(AsduTag::SmpMod)) return "unknown ASDU member";
    if (number <= last) return "ASDU members out of order";
    last = number;
    seen |= 1U << static_cast<unsigned>(number);
    bool good = true;
    switch (static_cast<AsduTag>(number)) {
      case AsduTag::SvId: out.sv_id = t.value; break;
      case AsduTag::SmpCnt:
        good = t.value.size() == 2;
        if (good) out.smp_cnt = ByteReader(t.value).be16();
        break;
      case AsduTag::ConfRev:
        good = t.value.size() == 4;
        if (good) out.conf_rev = ByteReader(t.value).be32();
        break;
      case AsduTag::SmpSynch:
        good = t.value.size() == 1;
        if (good) out.smp_synch = t.value[0];
        break;
      case AsduTag::DatSet:
      case AsduTag::RefrTm:
      case AsduTag::SmpRate:
      case AsduTag::Sample:
      case AsduTag::SmpMod: break;
    }
    if (!good) return "ASDU member has a bad value";
  }
  constexpr std::uint32_t kMandatory = (1U << 0) | (1U << 2) | (1U << 3) | (1U << 5) | (1U << 7);
  if ((seen & kMandatory) != kMandatory) return "ASDU lacks a mandatory member";
  return {};
}

}  // namespace

std::int64_t utc_time_usec(std::uint64_t utc_time) {
  const auto seconds = static_cast<std::int64_t>(utc_time >> 32);
  const auto fraction = static_cast<std::int64_t>((utc_time >> 8) & 0xFFFFFFU);
  return seconds * 1'000'000 + ((fraction * 1'000'000) >> 24);
}

DecodeResult decode_goose(std::span<const std::uint8_t> frame, GoosePdu& out) {
  out = GoosePdu{};
  std::span<const std::uint8_t> apdu;
  DecodeResult head = read_header(frame, out.header, apdu);
  if (head.status != DecodeStatus::Ok) return head;
  ByteReader r(apdu);
  Tlv pdu;
  std::string_view reason;
  if (!read_tlv(r, pdu, reason)) return invalid(reason);
  if (pdu.tag != kTagGoosePdu) return invalid("not a goosePdu");
  ByteReader members(pdu.value);
  reason = decode_goose_members(members, out);
  if (!reason.empty()) return invalid(reason);
  return head;
}

DecodeResult decode_sv(std::span<const std::uint8_t> frame, SvPdu& out) {
  out.header = LinkHeader{};
  out.no_asdu = 0;
  out.asdu_count = 0;
  std::span<const std::uint8_t> apdu;
  DecodeResult head = read_header(frame, out.header, apdu);
  if (head.status != DecodeStatus::Ok) return head;
  ByteReader r(apdu);
  Tlv pdu;
  std::string_view reason;
  if (!read_tlv(r, pdu, reason)) return invalid(reason);
  if (pdu.tag != kTagSavPdu) return invalid("not a savPdu");
  ByteReader members(pdu.value);
  Tlv t;
  if (!read_tlv(members, t, reason)) return invalid(reason);
  if (t.tag != 0x80U || !read_u32(t.value, out.no_asdu)) return invalid("savPdu lacks noASDU");
  if (out.no_asdu == 0 || out.no_asdu > SvPdu::kMaxAsdus) return invalid("noASDU out of range");
  if (!read_tlv(members, t, reason)) return invalid(reason);
  if (t.tag == 0x81U && !read_tlv(members, t, reason)) return invalid(reason);  // security
  if (t.tag != 0xA2U) return invalid("savPdu lacks seqASDU");
  if (!members.empty()) return invalid("bytes after seqASDU");
  ByteReader seq(t.value);
  while (!seq.empty()) {
    Tlv asdu;
    if (!read_tlv(seq, asdu, reason)) return invalid(reason);
    if (asdu.tag != kTagSequence) return invalid("seqASDU element is not a SEQUENCE");
    if (out.asdu_count == out.no_asdu) return invalid("more ASDUs than noASDU");
    SvAsdu& a = out.asdus[out.asdu_count];
    a = SvAsdu{};
    reason = decode_asdu(asdu.value, a);
    if (!reason.empty()) return invalid(reason);
    ++out.asdu_count;
  }
  if (out.asdu_count != out.no_asdu) return invalid("fewer ASDUs than noASDU");
  return head;
}

}  // namespace limen::dissect::goose
