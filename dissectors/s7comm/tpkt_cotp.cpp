#include "dissectors/s7comm/tpkt_cotp.h"

#include <algorithm>

#include "common/byte_reader.h"

namespace limen::dissect::cotp {

namespace {

bool known_code(std::uint8_t high_nibble) {
  switch (high_nibble) {
    case 0x10: case 0x20: case 0x50: case 0x60: case 0x70: case 0x80: case 0xC0: case 0xD0:
    case 0xE0: case 0xF0:
      return true;
    default:
      return false;
  }
}

}  // namespace

TpktResult decode_tpkt(std::span<const std::uint8_t> bytes) {
  TpktResult out;
  ByteReader r(bytes);
  if (bytes.size() < kTpktHeaderBytes) {
    // Reject a wrong version early, so garbage does not wait for more bytes.
    if (!bytes.empty() && bytes[0] != kTpktVersion) {
      out.reason = "TPKT version is not 3";
      return out;
    }
    if (bytes.size() >= 2 && bytes[1] != 0) {
      out.reason = "TPKT reserved byte is not 0";
      return out;
    }
    out.status = Status::NeedMore;
    out.frame_bytes = kTpktHeaderBytes;
    return out;
  }
  const std::uint8_t version = r.u8();
  const std::uint8_t reserved = r.u8();
  const std::uint16_t length = r.be16();
  if (version != kTpktVersion) {
    out.reason = "TPKT version is not 3";
    return out;
  }
  if (reserved != 0) {
    out.reason = "TPKT reserved byte is not 0";
    return out;
  }
  if (length < kTpktMinLength) {
    out.reason = "TPKT length below 7";
    return out;
  }
  out.frame_bytes = length;
  if (bytes.size() < length) {
    out.status = Status::NeedMore;
    return out;
  }
  out.status = Status::Ok;
  out.tpdu = bytes.subspan(kTpktHeaderBytes, length - kTpktHeaderBytes);
  return out;
}

std::string_view tpdu_name(TpduCode code) {
  switch (code) {
    case TpduCode::Ed: return "expedited_data";
    case TpduCode::Ea: return "expedited_data_ack";
    case TpduCode::Rj: return "reject";
    case TpduCode::Ak: return "data_ack";
    case TpduCode::Er: return "tpdu_error";
    case TpduCode::Dr: return "disconnect_request";
    case TpduCode::Dc: return "disconnect_confirm";
    case TpduCode::Cc: return "connect_confirm";
    case TpduCode::Cr: return "connect_request";
    case TpduCode::Dt: return "data";
  }
  return "unknown";
}

TpduResult decode_tpdu(std::span<const std::uint8_t> bytes) {
  TpduResult out;
  ByteReader r(bytes);
  const std::uint8_t li = r.u8();
  if (!r.ok()) {
    out.reason = "COTP header missing";
    return out;
  }
  // LI counts the header after itself; 255 is reserved (ISO 8073 13.2.1).
  if (li == 0 || li == 255 || li > r.remaining()) {
    out.reason = "COTP length indicator does not fit the TPKT frame";
    return out;
  }
  ByteReader h = r.sub(li);
  const std::uint8_t code_byte = h.u8();
  const auto high = static_cast<std::uint8_t>(code_byte & 0xF0);
  if (!known_code(high)) {
    out.reason = "unknown COTP TPDU code";
    return out;
  }
  Tpdu& t = out.tpdu;
  t.code = static_cast<TpduCode>(high);
  switch (t.code) {
    case TpduCode::Dt:
    case TpduCode::Ed: {
      // Class 0/1 (LI 2) has no destination reference; classes 2-4 normal format have one.
      if (li >= 4) t.dst_ref = h.be16();
      const std::uint8_t nr = h.u8();
      t.eot = (nr & 0x80) != 0;
      t.number = static_cast<std::uint8_t>(nr & 0x7F);
      break;
    }
    case TpduCode::Cr:
    case TpduCode::Cc:
    case TpduCode::Dr:
      t.dst_ref = h.be16();
      t.src_ref = h.be16();
      t.class_option = h.u8();
      break;
    case TpduCode::Dc:
      t.dst_ref = h.be16();
      t.src_ref = h.be16();
      break;
    case TpduCode::Er:
      t.dst_ref = h.be16();
      t.class_option = h.u8();
      break;
    case TpduCode::Ak:
    case TpduCode::Rj:
    case TpduCode::Ea:
      t.dst_ref = h.be16();
      t.number = h.u8();
      break;
  }
  if (!h.ok()) {
    out.reason = "COTP header shorter than its TPDU type needs";
    return out;
  }
  t.parameters = h.rest();
  t.user_data = r.rest();
  out.status = Status::Ok;
  return out;
}

DtRun scan_dt_run(std::span<const std::uint8_t> bytes, std::size_t max_user_bytes,
                  std::size_t max_frames) {
  DtRun run;
  std::size_t pos = 0;
  while (true) {
    const TpktResult frame = decode_tpkt(bytes.subspan(pos));
    if (frame.status == Status::NeedMore) {
      run.status = Status::NeedMore;
      return run;
    }
    if (frame.status == Status::Invalid) {
      run.reason = frame.reason;
      return run;
    }
    const TpduResult tpdu = decode_tpdu(frame.tpdu);
    if (tpdu.status != Status::Ok) {
      run.reason = tpdu.reason;
      return run;
    }
    if (tpdu.tpdu.code != TpduCode::Dt) {
      run.reason = "COTP TSDU interrupted by another TPDU before EOT";
      return run;
    }
    pos += frame.frame_bytes;
    run.frame_bytes = pos;
    ++run.frames;
    run.user_bytes += tpdu.tpdu.user_data.size();
    if (run.user_bytes > max_user_bytes || run.frames > max_frames) {
      run.over_limit = true;
      run.reason = "COTP TSDU over the reassembly limit";
      return run;
    }
    if (tpdu.tpdu.eot) {
      run.status = Status::Ok;
      return run;
    }
  }
}

std::size_t gather_dt_run(std::span<const std::uint8_t> bytes, std::size_t frames,
                          std::span<std::uint8_t> out) {
  std::size_t pos = 0;
  std::size_t written = 0;
  for (std::size_t i = 0; i < frames; ++i) {
    const TpktResult frame = decode_tpkt(bytes.subspan(pos));
    if (frame.status != Status::Ok) break;
    const TpduResult tpdu = decode_tpdu(frame.tpdu);
    if (tpdu.status != Status::Ok) break;
    pos += frame.frame_bytes;
    const auto data = tpdu.tpdu.user_data;
    const std::size_t n = std::min(data.size(), out.size() - written);
    std::copy_n(data.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(written));
    written += n;
  }
  return written;
}

bool plausible_frame_start(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 6 || bytes[0] != kTpktVersion || bytes[1] != 0) return false;
  const auto length = static_cast<std::size_t>((bytes[2] << 8) | bytes[3]);
  const std::size_t li = bytes[4];
  if (length < kTpktMinLength || li < 2 || li == 255 || li + 5 > length) return false;
  return known_code(static_cast<std::uint8_t>(bytes[5] & 0xF0));
}

}  // namespace limen::dissect::cotp
