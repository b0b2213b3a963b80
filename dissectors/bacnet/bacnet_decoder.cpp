#include "dissectors/bacnet/bacnet_decoder.h"

#include "common/byte_reader.h"
#include "dissectors/bacnet/bacnet_constants.h"

namespace limen::dissect::bacnet {
namespace {

constexpr std::size_t kMaxTags = 64;   // tags looked at per message: bounds the work
constexpr std::size_t kMaxDepth = 8;   // constructed-tag nesting the scan follows
constexpr std::uint8_t kAppEnumerated = 9;
constexpr std::uint8_t kAppObjectId = 12;

// Where a service's parameters sit: a context tag number at a nesting depth, the first
// application-tagged object identifier (kApp), or nowhere (kNone).
constexpr int kNone = -1;
constexpr int kApp = -2;
struct ParamSpec {
  int object = kNone;
  std::size_t object_depth = 0;
  int property = kNone;
  std::size_t property_depth = 0;
  int state = kNone;
};

ParamSpec confirmed_spec(std::uint8_t service) {
  switch (service) {
    case 8: case 9: case 12: case 15: case 26: return {0, 0, 1, 0, kNone};
    case 14: case 16: return {0, 0, 0, 1, kNone};
    case 5: case 28: return {1, 0, kNone, 0, kNone};
    case 1: return {2, 0, kNone, 0, kNone};
    case 6: case 7: case 11: return {kApp, 0, kNone, 0, kNone};
    case 10: return {1, 1, kNone, 0, kNone};  // [0] object specifier: [1] identifier
    case 17: return {kNone, 0, kNone, 0, 1};
    case 20: return {kNone, 0, kNone, 0, 0};
    default: return {};
  }
}

ParamSpec unconfirmed_spec(std::uint8_t service) {
  switch (service) {
    case 0: case 1: return {kApp, 0, kNone, 0, kNone};
    case 2: case 7: return {2, 0, kNone, 0, kNone};
    default: return {};
  }
}

ParamSpec ack_spec(std::uint8_t service) {
  switch (service) {
    case 12: case 26: return {0, 0, 1, 0, kNone};
    case 14: return {0, 0, 2, 1, kNone};
    case 10: return {kApp, 0, kNone, 0, kNone};
    default: return {};
  }
}

bool unsigned_value(std::span<const std::uint8_t> v, std::uint32_t& out) {
  if (v.empty() || v.size() > 4) return false;
  ByteReader r(v);
  out = 0;
  while (!r.empty()) out = (out << 8) | r.u8();
  return true;
}

// Walks the service parameters once, picking what `spec` asks for. Problems are returned as
// static text (empty when none); a scan cut short by a segment boundary is not a problem.
std::string_view scan_params(const ParamSpec& spec, bool error_pdu, bool partial, Apdu& a) {
  std::span<const std::uint8_t> rest = a.data;
  std::size_t depth = 0;
  std::size_t enumerated_seen = 0;
  // create_object's specifier may name only a type: [0] inside the [0] opening tag.
  const bool create = !error_pdu && spec.object == 1 && spec.object_depth == 1;
  for (std::size_t n = 0; n < kMaxTags && !rest.empty(); ++n) {
    Tag t;
    std::size_t used = 0;
    if (!read_tag(rest, t, used)) return partial ? std::string_view{} : "tag runs past the APDU";
    rest = rest.subspan(used);
    if (t.opening) {
      if (++depth > kMaxDepth) return "tags nested too deep";
      continue;
    }
    if (t.closing) {
      if (depth == 0) return "closing tag without opening tag";
      --depth;
      continue;
    }
    std::uint32_t v = 0;
    if (error_pdu) {
      if (t.context || t.number != kAppEnumerated) continue;
      if (!unsigned_value(t.value, v)) return "error enumeration length not 1..4";
      if (enumerated_seen++ == 0) {
        a.error_class = v;
      } else {
        a.error_code = v;
        a.has_error = true;
        return {};
      }
      continue;
    }
    const bool object_tag = spec.object == kApp
                                ? (!t.context && t.number == kAppObjectId)
                                : (t.context && spec.object >= 0 &&
                                   t.number == spec.object);
    if (!a.has_object && depth == spec.object_depth && object_tag) {
      if (t.value.size() != 4) return "object identifier length not 4";
      ByteReader r(t.value);
      const std::uint32_t id = r.be32();
      a.object_type = static_cast<std::uint16_t>(id >> 22);
      a.object_instance = id & 0x3FFFFFU;
      a.has_object = true;
    } else if (create && !a.has_object && depth == 1 && t.context && t.number == 0) {
      if (!unsigned_value(t.value, v)) return "object type length not 1..4";
      a.object_type = static_cast<std::uint16_t>(v & 0xFFFFU);
      a.object_instance = 0x3FFFFFU;  // no instance asked for: the device picks one
      a.has_object = true;
    } else if (!a.has_property && spec.property >= 0 && t.context &&
               t.number == spec.property &&
               depth == spec.property_depth) {
      if (!unsigned_value(t.value, v)) return "property identifier length not 1..4";
      a.property = v;
      a.has_property = true;
    } else if (!a.has_state && spec.state >= 0 && depth == 0 && t.context &&
               t.number == spec.state) {
      if (!unsigned_value(t.value, v)) return "enumeration length not 1..4";
      a.state = v;
      a.has_state = true;
    }
  }
  if (error_pdu && !a.has_error && !partial) return "error PDU without error class and code";
  return {};
}

// Decodes the APDU header; false (with `reason`) when the fixed part is impossible.
bool decode_apdu(ByteReader& r, Apdu& a, std::string_view& reason, std::string_view& anomaly) {
  const std::uint8_t b0 = r.u8();
  a.pdu_type = static_cast<std::uint8_t>(b0 >> 4);
  switch (static_cast<PduType>(a.pdu_type)) {
    case PduType::ConfirmedRequest:
      a.segmented = (b0 & 0x08U) != 0;
      a.more_follows = (b0 & 0x04U) != 0;
      r.skip(1);  // max segments / max APDU accepted
      a.invoke_id = r.u8();
      a.has_invoke_id = true;
      if (a.segmented) {
        a.sequence_number = r.u8();
        r.skip(1);  // proposed window size
      }
      a.service = r.u8();
      a.has_service = true;
      break;
    case PduType::UnconfirmedRequest:
      a.service = r.u8();
      a.has_service = true;
      break;
    case PduType::SimpleAck:
    case PduType::Error:
      a.invoke_id = r.u8();
      a.has_invoke_id = true;
      a.service = r.u8();
      a.has_service = true;
      break;
    case PduType::ComplexAck:
      a.segmented = (b0 & 0x08U) != 0;
      a.more_follows = (b0 & 0x04U) != 0;
      a.invoke_id = r.u8();
      a.has_invoke_id = true;
      if (a.segmented) {
        a.sequence_number = r.u8();
        r.skip(1);
      }
      a.service = r.u8();
      a.has_service = true;
      break;
    case PduType::SegmentAck:
      a.server = (b0 & 0x01U) != 0;
      a.invoke_id = r.u8();
      a.has_invoke_id = true;
      a.sequence_number = r.u8();
      r.skip(1);  // actual window size
      break;
    case PduType::Reject:
    case PduType::Abort:
      a.server = (b0 & 0x01U) != 0;
      a.invoke_id = r.u8();
      a.has_invoke_id = true;
      a.reason = r.u8();
      break;
    default:
      reason = "reserved APDU type";
      return false;
  }
  if (!r.ok()) {
    reason = "APDU header truncated";
    return false;
  }
  a.data = r.rest();
  const auto type = static_cast<PduType>(a.pdu_type);
  ParamSpec spec;
  if (type == PduType::ConfirmedRequest) spec = confirmed_spec(a.service);
  if (type == PduType::UnconfirmedRequest) spec = unconfirmed_spec(a.service);
  if (type == PduType::ComplexAck) spec = ack_spec(a.service);
  const bool error_pdu = type == PduType::Error;
  // Only the first segment starts with the parameters; it may cut them anywhere.
  if (a.segmented && a.sequence_number != 0) return true;
  const bool partial = a.segmented && a.more_follows;
  if (error_pdu || spec.object != kNone || spec.property != kNone || spec.state != kNone)
    anomaly = scan_params(spec, error_pdu, partial, a);
  return true;
}

bool decode_npdu(ByteReader& r, Message& m, DecodeResult& res) {
  Npdu& n = m.npdu;
  if (r.u8() != kNpduVersion) {
    res = {DecodeStatus::Invalid, 0, "NPDU version not 1", true};
    return false;
  }
  n.control = r.u8();
  n.network_message = (n.control & 0x80U) != 0;
  n.has_dnet = (n.control & 0x20U) != 0;
  n.has_snet = (n.control & 0x08U) != 0;
  n.expecting_reply = (n.control & 0x04U) != 0;
  n.priority = static_cast<std::uint8_t>(n.control & 0x03U);
  if ((n.control & 0x50U) != 0) m.anomaly = "NPDU control reserved bits set";
  if (n.has_dnet) {
    n.dnet = r.be16();
    n.dadr = r.bytes(r.u8());  // length 0: broadcast on the destination network
  }
  if (n.has_snet) {
    n.snet = r.be16();
    const std::uint8_t slen = r.u8();
    if (r.ok() && (slen == 0 || n.snet == 0xFFFF)) {
      res = {DecodeStatus::Invalid, 0, "NPDU source network or address invalid", false};
      return false;
    }
    n.sadr = r.bytes(slen);
  }
  if (n.has_dnet) n.hop_count = r.u8();
  if (n.network_message) {
    n.message_type = r.u8();
    if (n.message_type >= 0x80) n.vendor_id = r.be16();
  }
  if (!r.ok()) {
    res = {DecodeStatus::Invalid, 0, "NPCI runs past the message", false};
    return false;
  }
  m.has_npdu = true;
  return true;
}

}  // namespace

bool read_tag(std::span<const std::uint8_t> data, Tag& out, std::size_t& consumed) {
  ByteReader r(data);
  const std::uint8_t b = r.u8();
  out = Tag{};
  out.number = static_cast<std::uint8_t>(b >> 4);
  out.context = (b & 0x08U) != 0;
  const std::uint8_t lvt = b & 0x07U;
  if (out.number == 15) out.number = r.u8();
  if (out.context && lvt == 6) {
    out.opening = true;
  } else if (out.context && lvt == 7) {
    out.closing = true;
  } else if (!out.context && out.number == 1) {
    out.length = 0;  // application boolean: the value is in the length bits
  } else if (lvt == 5) {
    out.length = r.u8();
    if (out.length == 254) {
      out.length = r.be16();
    } else if (out.length == 255) {
      out.length = r.be32();
    }
  } else {
    out.length = lvt;
  }
  if (r.ok() && out.length > r.remaining()) return false;  // hostile length: never trusted
  out.value = r.bytes(out.length);
  consumed = r.offset();
  return r.ok();
}

DecodeResult decode(std::span<const std::uint8_t> bytes, Message& out) {
  out = Message{};
  ByteReader head(bytes);
  const std::uint8_t type = head.u8();
  out.bvlc_function = head.u8();
  out.bvlc_length = head.be16();
  if (!head.ok()) return {DecodeStatus::NeedMore, kBvlcHeader, {}, false};
  if (type != kBvlcType) return {DecodeStatus::Invalid, 0, "BVLC type not 0x81", true};
  if (out.bvlc_length < kBvlcHeader)
    return {DecodeStatus::Invalid, 0, "BVLC length below 4", false};
  if (out.bvlc_function > static_cast<std::uint8_t>(BvlcFunction::SecureBvll))
    return {DecodeStatus::Invalid, 0, "unknown BVLC function", false};
  if (out.bvlc_length > bytes.size()) return {DecodeStatus::NeedMore, out.bvlc_length, {}, false};
  if (out.bvlc_length < bytes.size()) out.anomaly = "bytes after the BVLC length";
  if (out.bvlc_length > kMaxMessage) out.anomaly = "BVLC length above the BACnet/IP maximum";
  ByteReader r(bytes.first(out.bvlc_length));
  r.skip(kBvlcHeader);
  DecodeResult res{DecodeStatus::Ok, out.bvlc_length, {}, false};
  switch (static_cast<BvlcFunction>(out.bvlc_function)) {
    case BvlcFunction::Result:
      out.bvlc_result = r.be16();
      out.has_bvlc_result = r.ok();
      if (!r.ok()) return {DecodeStatus::Invalid, 0, "BVLC result truncated", false};
      return res;
    case BvlcFunction::ForwardedNpdu:
      out.origin = r.bytes(6);
      if (!r.ok()) return {DecodeStatus::Invalid, 0, "forwarded NPDU origin truncated", false};
      break;
    case BvlcFunction::DistributeBroadcastToNetwork:
    case BvlcFunction::OriginalUnicastNpdu:
    case BvlcFunction::OriginalBroadcastNpdu:
      break;
    default:
      return res;  // BBMD management and secure BVLL: no NPDU to decode
  }
  if (!decode_npdu(r, out, res)) return res;
  if (out.npdu.network_message) return res;
  std::string_view reason;
  std::string_view apdu_anomaly;
  if (!decode_apdu(r, out.apdu, reason, apdu_anomaly))
    return {DecodeStatus::Invalid, 0, reason, false};
  out.has_apdu = true;
  if (out.anomaly.empty()) out.anomaly = apdu_anomaly;
  return res;
}

}  // namespace limen::dissect::bacnet
