#include "dissectors/s7comm/s7comm_decoder.h"

#include "common/byte_reader.h"
#include "dissectors/s7comm/s7comm_constants.h"

namespace limen::dissect::s7comm {

namespace {

constexpr std::size_t kHeaderBytes = 10;
constexpr std::size_t kAckHeaderBytes = 12;
constexpr std::uint8_t kItemSpecTag = 0x12;
constexpr std::uint8_t kSyntaxS7Any = 0x10;
constexpr std::uint8_t kUserdataHead = 0x12;  // third byte of the userdata parameter head

DecodeResult invalid(std::string_view reason) {
  return DecodeResult{DecodeStatus::Invalid, 0, reason};
}

int hex_digit(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// "0A00001P": block type as two hex digits, five decimal digits, a file-system letter. Anything
// else leaves has_block false: the name is reported as absent, not guessed.
void parse_block_name(std::span<const std::uint8_t> name, Pdu& out) {
  if (name.size() < 7) return;
  const int hi = hex_digit(name[0]);
  const int lo = hex_digit(name[1]);
  if (hi < 0 || lo < 0) return;
  std::uint32_t number = 0;
  for (std::size_t i = 2; i < 7; ++i) {
    if (name[i] < '0' || name[i] > '9') return;
    number = number * 10 + static_cast<std::uint32_t>(name[i] - '0');
  }
  out.has_block = true;
  out.block_type = static_cast<std::uint8_t>(hi * 16 + lo);
  out.block_number = number;
}

void decode_job_params(ByteReader& p, Pdu& out) {
  switch (static_cast<Function>(out.function)) {
    case Function::SetupCommunication:
      p.skip(1);
      out.max_amq_calling = p.be16();
      out.max_amq_called = p.be16();
      out.pdu_size = p.be16();
      break;
    case Function::ReadVar:
    case Function::WriteVar:
      out.item_count = p.u8();
      if (out.rosctr == static_cast<std::uint8_t>(Rosctr::Job)) out.items = p.rest();
      break;
    case Function::RequestDownload:
    case Function::DownloadBlock:
    case Function::DownloadEnded:
    case Function::StartUpload: {
      if (out.rosctr != static_cast<std::uint8_t>(Rosctr::Job)) break;
      p.skip(1 + 2 + 4);  // function status, unknown, upload id
      const std::uint8_t name_length = p.u8();
      const auto name = p.bytes(name_length);
      // "_" then the block name.
      if (p.ok() && !name.empty() && name[0] == '_') parse_block_name(name.subspan(1), out);
      break;
    }
    case Function::PiService: {
      if (out.rosctr != static_cast<std::uint8_t>(Rosctr::Job)) break;
      p.skip(7);
      const std::uint16_t block_length = p.be16();
      out.pi_parameter = p.bytes(block_length);
      const std::uint8_t name_length = p.u8();
      out.pi_service = p.bytes(name_length);
      // _INSE/_DELE name blocks: a count, a reserved byte, then 8-character block names.
      if (p.ok() && out.pi_parameter.size() >= 10 && out.pi_parameter[0] >= 1)
        parse_block_name(out.pi_parameter.subspan(2), out);
      break;
    }
    case Function::PlcStop: {
      if (out.rosctr != static_cast<std::uint8_t>(Rosctr::Job)) break;
      p.skip(5);
      const std::uint8_t name_length = p.u8();
      out.pi_service = p.bytes(name_length);
      break;
    }
    default:
      break;
  }
}

DecodeResult decode_userdata(Pdu& out) {
  ByteReader p(out.params);
  const std::uint8_t head0 = p.u8();
  const std::uint8_t head1 = p.u8();
  const std::uint8_t head2 = p.u8();
  const std::uint8_t length = p.u8();
  if (!p.ok()) return invalid("userdata parameter shorter than its head");
  // Mode-transition pushes carry head 01 00 10 and a length byte that does not count the
  // parameter (Wireshark reads them the same way): their 4 bytes follow regardless.
  const bool mode_push = head0 != 0x00 || head1 != 0x01 || head2 != kUserdataHead;
  if (!mode_push && length != 4 && length != 8)
    return invalid("userdata parameter length is not 4 or 8");
  ByteReader body = p.sub(mode_push ? 4 : length);
  body.skip(1);  // method: 0x11 request, 0x12 response; the type nibble below is authoritative
  const std::uint8_t type_group = body.u8();
  out.ud_type = static_cast<std::uint8_t>(type_group >> 4);
  out.ud_group = static_cast<std::uint8_t>(type_group & 0x0F);
  out.ud_subfunction = body.u8();
  out.ud_sequence = body.u8();
  if (!mode_push && length == 8) {
    body.skip(2);  // data unit reference, last data unit
    out.ud_error = body.be16();
  }
  if (!body.ok()) return invalid("userdata parameter shorter than its length");

  ByteReader d(out.data);
  if (d.remaining() < 4) return DecodeResult{};  // no data part: nothing more to read
  out.ud_return_code = d.u8();
  d.skip(1);  // transport size
  const std::uint16_t data_length = d.be16();
  ByteReader value = d.sub(data_length);
  if (!d.ok()) return invalid("userdata data length exceeds the data part");
  if (out.ud_group == static_cast<std::uint8_t>(UserdataGroup::CpuFunctions) &&
      out.ud_subfunction == 0x01 && value.remaining() >= 4) {
    out.has_szl = true;
    out.szl_id = value.be16();
    out.szl_index = value.be16();
  }
  return DecodeResult{};
}

}  // namespace

DecodeResult decode_pdu(std::span<const std::uint8_t> bytes, Pdu& out) {
  out = Pdu{};
  ByteReader r(bytes);
  if (bytes.size() >= 1 && bytes[0] != kProtocolId)
    return invalid("S7comm protocol id is not 0x32");
  if (bytes.size() >= 2) {
    const std::uint8_t rosctr = bytes[1];
    if (rosctr != 1 && rosctr != 2 && rosctr != 3 && rosctr != 7)
      return invalid("unknown S7comm ROSCTR");
  }
  const bool ack = bytes.size() >= 2 && (bytes[1] == 2 || bytes[1] == 3);
  const std::size_t header = ack ? kAckHeaderBytes : kHeaderBytes;
  if (bytes.size() < header) return DecodeResult{DecodeStatus::NeedMore, header, "S7comm header"};
  r.skip(1);
  out.rosctr = r.u8();
  r.skip(2);  // redundancy identification
  out.pdu_ref = r.be16();
  out.param_length = r.be16();
  out.data_length = r.be16();
  if (ack) {
    out.has_error = true;
    out.error_class = r.u8();
    out.error_code = r.u8();
  }
  const std::size_t total = header + out.param_length + out.data_length;
  if (total > bytes.size())
    return DecodeResult{DecodeStatus::NeedMore, total, "S7comm parameter/data lengths"};
  out.params = r.bytes(out.param_length);
  out.data = r.bytes(out.data_length);

  if (out.rosctr == static_cast<std::uint8_t>(Rosctr::Userdata)) return decode_userdata(out);
  if (out.params.empty()) {
    // Only an ack may go without a function (e.g. an error answer).
    if (out.rosctr == static_cast<std::uint8_t>(Rosctr::Job))
      return invalid("S7comm job without a parameter part");
    return DecodeResult{};
  }
  ByteReader p(out.params);
  out.has_function = true;
  out.function = p.u8();
  decode_job_params(p, out);
  if (!p.ok()) return invalid("S7comm parameter shorter than its function needs");
  return DecodeResult{};
}

ItemIterator::ItemIterator(const Pdu& pdu) : rest_(pdu.items), left_(pdu.item_count) {}

bool ItemIterator::next(VarItem& item) {
  if (left_ == 0 || !ok_) return false;
  ByteReader r(rest_);
  const std::uint8_t tag = r.u8();
  const std::uint8_t spec_length = r.u8();
  ByteReader spec = r.sub(spec_length);
  if (!r.ok() || tag != kItemSpecTag || spec_length == 0) {
    ok_ = false;
    return false;
  }
  item = VarItem{};
  item.syntax_id = spec.u8();
  if (item.syntax_id == kSyntaxS7Any && spec_length >= 10) {
    item.transport_size = spec.u8();
    item.length = spec.be16();
    item.db = spec.be16();
    item.area = spec.u8();
    item.address = spec.be24();
  }
  rest_ = r.peek_rest();
  --left_;
  return true;
}

ReturnCodeIterator::ReturnCodeIterator(const Pdu& pdu)
    : rest_(pdu.data),
      left_(pdu.item_count),
      with_values_(pdu.function == static_cast<std::uint8_t>(Function::ReadVar)) {}

bool ReturnCodeIterator::next(std::uint8_t& code) {
  if (left_ == 0 || !ok_) return false;
  ByteReader r(rest_);
  code = r.u8();
  if (with_values_) {
    const std::uint8_t transport_size = r.u8();
    std::size_t length = r.be16();
    // Bit, byte/word/dword and integer sizes count bits; the others count bytes.
    if (transport_size == 0x03 || transport_size == 0x04 || transport_size == 0x05)
      length = (length + 7) / 8;
    r.skip(length);
    // Items are padded to an even length, except the last.
    if (left_ > 1 && (length % 2) != 0) r.skip(1);
  }
  if (!r.ok()) {
    ok_ = false;
    return false;
  }
  rest_ = r.peek_rest();
  --left_;
  return true;
}

namespace {

bool known_opcode(std::uint8_t v) { return v == 0x31 || v == 0x32 || v == 0x33 || v == 0x02; }

constexpr std::size_t kPlusHeaderBytes = 4;
constexpr std::uint8_t kDigestLength = 32;

}  // namespace

bool plus_has_trailer(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kPlusHeaderBytes) return false;
  const std::size_t at = kPlusHeaderBytes + ((std::size_t{bytes[2]} << 8) | bytes[3]);
  return bytes.size() >= at + 4 && bytes[at] == kPlusProtocolId && bytes[at + 2] == 0 &&
         bytes[at + 3] == 0;
}

DecodeResult decode_plus(std::span<const std::uint8_t> bytes, PlusPdu& out) {
  out = PlusPdu{};
  ByteReader r(bytes);
  if (!bytes.empty() && bytes[0] != kPlusProtocolId)
    return invalid("S7comm-plus protocol id is not 0x72");
  if (bytes.size() < kPlusHeaderBytes + 1)
    return DecodeResult{DecodeStatus::NeedMore, kPlusHeaderBytes + 1, "S7comm-plus header"};
  r.skip(1);
  out.version = r.u8();
  out.data_length = r.be16();
  if (out.version == 0xFE) {
    out.keep_alive = true;
    return DecodeResult{};
  }
  if (out.version < 1 || out.version > 3)
    return invalid("S7comm-plus unparseable: unknown protocol version");
  out.integrity_protected = out.version == 3;
  out.has_trailer = plus_has_trailer(bytes);
  std::size_t at = kPlusHeaderBytes;
  if (!known_opcode(bytes[at])) {
    // An integrity part (length 32, then the digest) may come before the opcode.
    const std::size_t after = at + 1 + kDigestLength;
    if (bytes[at] != kDigestLength)
      return invalid("S7comm-plus unparseable: unknown opcode");
    if (bytes.size() <= after)
      return DecodeResult{DecodeStatus::NeedMore, after + 1, "S7comm-plus integrity part"};
    if (!known_opcode(bytes[after]))
      return invalid("S7comm-plus unparseable: unknown opcode after integrity part");
    out.integrity_protected = true;
    at = after;
  }
  r = ByteReader(bytes.subspan(at));
  out.opcode = r.u8();
  if (out.opcode == static_cast<std::uint8_t>(PlusOpcode::Notification)) return DecodeResult{};
  r.skip(2);  // reserved
  const std::uint16_t function = r.be16();
  r.skip(2);  // reserved
  const std::uint16_t sequence = r.be16();
  if (!r.ok()) return DecodeResult{DecodeStatus::NeedMore, at + 9, "S7comm-plus opcode header"};
  out.has_function = true;
  out.function = function;
  out.sequence = sequence;
  return DecodeResult{};
}

}  // namespace limen::dissect::s7comm
