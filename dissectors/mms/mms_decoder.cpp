#include "dissectors/mms/mms_decoder.h"

#include "common/byte_reader.h"
#include "dissectors/mms/mms_ber.h"
#include "dissectors/mms/mms_constants.h"

namespace limen::dissect::mms {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr DecodeResult invalid(std::string_view reason, bool violation = false) {
  return {DecodeStatus::Invalid, 0, reason, violation};
}

DecodeResult from_ber(const ber::Result& r, std::size_t base) {
  if (r.status == ber::Status::NeedMore) return {DecodeStatus::NeedMore, base + r.needed, {}};
  return invalid(r.reason);
}

// Depth-first search for the first domain-specific ObjectName ([1] {VisibleString,
// VisibleString}) and the first GraphicString (a file name component), bounded in depth and
// in elements visited.
struct Walk {
  Pdu& pdu;
  bool cut;
  std::size_t budget = kMaxWalkElements;

  void run(Bytes level, std::size_t depth) {
    while (!level.empty() && budget > 0) {
      --budget;
      ber::Tlv tlv;
      if (ber::read(level, tlv, cut).status != ber::Status::Ok) return;
      level = level.subspan(tlv.size);
      if (tlv.first == 0x19 && pdu.file.empty()) pdu.file = tlv.content;
      if (!tlv.constructed || depth + 1 >= kMaxWalkDepth) continue;
      if (tlv.first == 0xA1 && pdu.domain.empty() && domain_specific(tlv.content)) continue;
      run(tlv.content, depth + 1);
    }
  }

  bool domain_specific(Bytes content) {
    ber::Tlv domain;
    ber::Tlv item;
    if (ber::read(content, domain, cut).status != ber::Status::Ok || domain.first != 0x1A)
      return false;
    const Bytes rest = content.subspan(domain.size);
    if (ber::read(rest, item, cut).status != ber::Status::Ok || item.first != 0x1A ||
        item.size != rest.size())
      return false;
    pdu.domain = domain.content;
    pdu.item = item.content;
    return true;
  }
};

// ServiceError ::= SEQUENCE { errorClass [0] CHOICE { <class> [n] IMPLICIT INTEGER } ... }
void read_service_error(Bytes content, Pdu& out, bool cut) {
  Bytes error_class;
  ber::Tlv choice;
  if (!ber::find(content, 0xA0, error_class, cut) ||
      ber::read(error_class, choice, cut).status != ber::Status::Ok)
    return;
  out.has_error = true;
  out.error_class = choice.number;
  (void)ber::to_uint(choice.content, out.error_code);
}

DecodeResult decode_mms(Bytes bytes, std::size_t base, Pdu& out, bool cut) {
  ber::Tlv pdu;
  const ber::Result r = ber::read(bytes, pdu, cut);
  if (r.status != ber::Status::Ok) return from_ber(r, base);
  if (pdu.cls != ber::kContext || pdu.number >= kPduTypes)
    return invalid("not an MMS PDU tag", true);
  out.has_mms = true;
  out.type = static_cast<std::uint8_t>(pdu.number);
  const Bytes c = pdu.content;
  switch (static_cast<PduType>(pdu.number)) {
    case PduType::ConfirmedRequest:
    case PduType::ConfirmedResponse: {
      ber::Tlv field;
      if (ber::read(c, field, cut).status != ber::Status::Ok || field.first != 0x02 ||
          !ber::to_uint(field.content, out.invoke_id))
        return invalid("MMS confirmed PDU without an invoke id");
      out.has_invoke_id = true;
      Bytes rest = c.subspan(field.size);
      if (ber::read(rest, field, cut).status == ber::Status::Ok && field.first == 0x30 &&
          pdu.number == 0)
        rest = rest.subspan(field.size);  // listOfModifier
      // Some servers answer with the invoke id alone (or an empty SEQUENCE): the PDU still
      // pairs with its request, it just names no service of its own.
      if (rest.empty()) return {DecodeStatus::Ok, 0, {}};
      const ber::Result sr = ber::read(rest, field, cut);
      if (sr.status != ber::Status::Ok)
        return from_ber(sr, base + static_cast<std::size_t>(rest.data() - bytes.data()));
      if (field.cls != ber::kContext) return {DecodeStatus::Ok, 0, {}};
      out.has_service = true;
      out.service = field.number;
      if (field.constructed) Walk{out, cut}.run(field.content, 0);
      return {DecodeStatus::Ok, 0, {}};
    }
    case PduType::ConfirmedError:
    case PduType::CancelError: {
      Bytes v;
      if (ber::find(c, 0x80, v, cut) && ber::to_uint(v, out.invoke_id)) out.has_invoke_id = true;
      if (ber::find(c, pdu.number == 2 ? 0xA2 : 0xA1, v, cut)) read_service_error(v, out, cut);
      return {DecodeStatus::Ok, 0, {}};
    }
    case PduType::Unconfirmed: {
      ber::Tlv service;
      if (ber::read(c, service, cut).status != ber::Status::Ok || service.cls != ber::kContext)
        return invalid("MMS unconfirmed PDU with a malformed service");
      out.has_service = true;
      out.service = service.number;
      if (service.constructed) Walk{out, cut}.run(service.content, 0);
      return {DecodeStatus::Ok, 0, {}};
    }
    case PduType::Reject: {
      Bytes level = c;
      while (!level.empty()) {
        ber::Tlv field;
        if (ber::read(level, field, cut).status != ber::Status::Ok)
          return invalid("MMS reject PDU malformed");
        level = level.subspan(field.size);
        if (field.first == 0x80) {
          out.has_invoke_id = ber::to_uint(field.content, out.invoke_id);
        } else if (field.cls == ber::kContext && !out.has_reject) {
          out.has_reject = true;
          out.reject_type = field.number;
          (void)ber::to_uint(field.content, out.reject_code);
        }
      }
      return {DecodeStatus::Ok, 0, {}};
    }
    case PduType::CancelRequest:
    case PduType::CancelResponse:
      out.has_invoke_id = ber::to_uint(c, out.invoke_id);
      return {DecodeStatus::Ok, 0, {}};
    case PduType::InitiateError:
    case PduType::ConcludeError:
      read_service_error(c, out, cut);
      return {DecodeStatus::Ok, 0, {}};
    default:
      return {DecodeStatus::Ok, 0, {}};  // initiate and conclude: nothing more is reported
  }
}

// Presentation user data (ISO 8823 Fully-encoded-data, [APPLICATION 1]) -> the first PDV's
// single ASN.1 value, then ACSE (AARQ/AARE carry MMS in user-information) or MMS itself.
DecodeResult decode_presentation(Bytes user_data, std::size_t base, Pdu& out, bool cut) {
  Bytes data = user_data;
  if (!data.empty() && data[0] == 0x31) {
    // CP/CPA-PPDU: SET { mode-selector [0], normal-mode-parameters [2] { ..., user-data } }
    Bytes set;
    Bytes normal;
    if (!ber::find(data, 0x31, set, cut) || !ber::find(set, 0xA2, normal, cut))
      return {DecodeStatus::Ok, 0, {}};  // x.410 mode or no parameters: no MMS to read
    data = normal;
    if (!ber::find(data, 0x61, data, cut)) return {DecodeStatus::Ok, 0, {}};
  } else {
    ber::Tlv fully;
    const ber::Result r = ber::read(data, fully, cut);
    if (r.status != ber::Status::Ok) return from_ber(r, base);
    if (fully.first != 0x61) return invalid("presentation data is not fully-encoded-data", true);
    data = fully.content;
  }
  Bytes pdv;
  Bytes value;
  if (!ber::find(data, 0x30, pdv, cut)) return invalid("presentation data without a PDV list");
  if (!ber::find(pdv, 0xA0, value, cut) && !ber::find(pdv, 0x81, value, cut))
    return invalid("presentation PDV without a single ASN.1 value");
  if (value.empty()) return invalid("presentation PDV empty");
  const std::uint8_t first = value[0];
  if (first >= 0x60 && first <= 0x64) {
    out.acse = first;
    if (first != 0x60 && first != 0x61) return {DecodeStatus::Ok, 0, {}};
    Bytes apdu;
    Bytes info;
    Bytes external;
    Bytes mms;
    if (!ber::find(value, first, apdu, cut) || !ber::find(apdu, 0xBE, info, cut))
      return {DecodeStatus::Ok, 0, {}};  // an association without user information
    if (!ber::find(info, 0x28, external, cut) || !ber::find(external, 0xA0, mms, cut))
      return invalid("ACSE user information is not a single ASN.1 EXTERNAL");
    return decode_mms(mms, base, out, cut);
  }
  return decode_mms(value, base, out, cut);
}

}  // namespace

DecodeResult decode(std::span<const std::uint8_t> tsdu, Pdu& out, bool cut) {
  out = Pdu{};
  ByteReader r(tsdu);
  if (r.remaining() < 2) return {DecodeStatus::NeedMore, 2, {}};
  // Some stacks (and crafted captures) put the MMS PDU straight into COTP, with no session or
  // presentation layer; no SPDU identifier is a context-class tag, so the two cannot be confused.
  if ((tsdu[0] & 0xC0U) == 0x80U) return decode_mms(tsdu, 0, out, cut);
  const std::uint8_t si = r.u8();
  std::size_t li = r.u8();
  if (li == 0xFF) {
    if (r.remaining() < 2) return {DecodeStatus::NeedMore, 4, {}};
    li = r.be16();
  }
  out.spdu = si;
  if (li > r.remaining()) return {DecodeStatus::NeedMore, r.offset() + li, {}};
  Bytes parameters = r.bytes(li);
  switch (static_cast<Spdu>(si)) {
    case Spdu::GiveTokensOrData: {
      // GT (category 0) is always followed by DT (SI 1); the user data follows DT's header.
      if (r.remaining() < 2) return {DecodeStatus::NeedMore, r.offset() + 2, {}};
      if (r.u8() != 0x01) return invalid("session GT not followed by DT", true);
      const std::size_t dt_li = r.u8();
      if (dt_li == 0xFF) return invalid("session DT with parameters", true);
      if (dt_li > r.remaining()) return {DecodeStatus::NeedMore, r.offset() + dt_li, {}};
      r.skip(dt_li);
      const std::size_t base = r.offset();
      if (r.empty()) return {DecodeStatus::NeedMore, base + 1, {}};
      return decode_presentation(r.rest(), base, out, cut);
    }
    case Spdu::Connect:
    case Spdu::Accept:
    case Spdu::Finish:
    case Spdu::Disconnect:
    case Spdu::Abort:
    case Spdu::Refuse:
    case Spdu::NotFinished: {
      // PI/PGI units: code, length (1 byte, or 0xFF and 2 bytes); user data is PGI 193/194.
      ByteReader p(parameters);
      while (!p.empty()) {
        const std::uint8_t code = p.u8();
        std::size_t len = p.u8();
        if (len == 0xFF) len = p.be16();
        const Bytes value = p.bytes(len);
        if (!p.ok()) return invalid("session parameter longer than its SPDU");
        if ((code == 0xC1 || code == 0xC2) && !value.empty()) {
          const std::size_t base = static_cast<std::size_t>(value.data() - tsdu.data());
          return decode_presentation(value, base, out, cut);
        }
      }
      return {DecodeStatus::Ok, 0, {}};
    }
  }
  return invalid("not an ISO session SPDU carrying MMS", true);
}

bool looks_like_mms(std::span<const std::uint8_t> cotp_user_data) {
  Pdu pdu;
  const DecodeResult r = decode(cotp_user_data, pdu, true);
  return r.status == DecodeStatus::Ok && (pdu.has_mms || pdu.acse != 0);
}

}  // namespace limen::dissect::mms
