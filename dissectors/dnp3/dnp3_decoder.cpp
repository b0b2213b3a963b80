#include "dissectors/dnp3/dnp3_decoder.h"

#include <algorithm>
#include <initializer_list>

#include "common/byte_reader.h"

namespace limen::dissect::dnp3 {
namespace {

constexpr std::array<std::uint16_t, 256> make_crc_table() {
  std::array<std::uint16_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1U) != 0 ? (crc >> 1) ^ 0xA6BCU : crc >> 1;
    table[i] = static_cast<std::uint16_t>(crc);
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

// Reads a CRC'd block: `n` data bytes followed by their little-endian CRC.
bool block_ok(ByteReader& r, std::size_t n) {
  const auto data = r.bytes(n);
  const std::uint16_t crc = r.le16();
  return r.ok() && crc16(data) == crc;
}

// Functions whose request object headers carry no object data (clause 4.4).
constexpr bool request_without_data(std::uint8_t function) {
  switch (function) {
    case 1: case 7: case 8: case 9: case 10: case 20: case 21: case 22: return true;
    default: return false;
  }
}

// Prefix and size codes 1, 2, 3 mean fields of 1, 2 and 4 bytes.
std::size_t field_size(std::uint8_t code) { return code == 3 ? 4U : code; }

// Walks the object headers after the application header, skipping object data.
void walk_objects(ByteReader& r, AppMessage& m) {
  const bool request = !is_response_function(m.function);
  const bool no_data = request && request_without_data(m.function);
  auto stop = [&m](ObjectStop why, std::string_view reason) {
    m.objects_stop = why;
    m.objects_reason = reason;
  };
  while (!r.empty()) {
    if (m.object_count == m.objects.size()) {
      stop(ObjectStop::TooMany, "more object headers than listed");
      return;
    }
    ObjectHeader h;
    h.group = r.u8();
    h.variation = r.u8();
    h.qualifier = r.u8();
    const std::uint8_t prefix = (h.qualifier >> 4) & 0x07;
    const std::uint8_t range = h.qualifier & 0x0F;
    if ((h.qualifier & 0x80) != 0 || prefix == 7) {
      stop(ObjectStop::Malformed, "reserved qualifier");
      return;
    }
    std::uint64_t count = 0;
    switch (range) {
      case 0: case 1: case 2: case 3: case 4: case 5: {
        // Start/stop indexes (0..2) or virtual addresses (3..5) of 1, 2 or 4 bytes.
        const std::size_t n = std::size_t{1} << (range % 3);
        const std::uint64_t first = n == 1 ? r.u8() : n == 2 ? r.le16() : r.le32();
        const std::uint64_t last = n == 1 ? r.u8() : n == 2 ? r.le16() : r.le32();
        if (r.ok() && last < first) {
          stop(ObjectStop::Malformed, "range stop before start");
          return;
        }
        count = last - first + 1;
        break;
      }
      case 6: break;
      case 7: count = r.u8(); break;
      case 8: count = r.le16(); break;
      case 9: count = r.le32(); break;
      case 0xB: count = r.u8(); break;
      default:
        stop(ObjectStop::Malformed, "reserved qualifier range");
        return;
    }
    if (!r.ok()) {
      stop(ObjectStop::Malformed, "object header truncated");
      return;
    }
    h.count = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, 0xFFFFFFFFU));
    m.objects[m.object_count++] = h;
    if (h.group == 60 || range == 6 || count == 0) continue;
    if (range == 0xB && prefix < 4) {
      stop(ObjectStop::Malformed, "free-format qualifier without size prefix");
      return;
    }
    if (prefix >= 4) {
      // Size-prefixed objects carry data even in READ requests (file transport): each says how
      // long it is. Every pass consumes at least the prefix, so a hostile count cannot spin.
      const std::size_t psize = field_size(static_cast<std::uint8_t>(prefix - 3));
      for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
        const std::uint64_t size = psize == 1 ? r.u8() : psize == 2 ? r.le16() : r.le32();
        if (size > r.remaining()) r.fail();
        r.skip(static_cast<std::size_t>(size));
      }
    } else if (no_data) {
      // Requests such as READ name points without data: only index prefixes follow.
      const std::uint64_t each = prefix == 0 ? 0 : field_size(prefix);
      if (each != 0 && count > r.remaining() / each) r.fail();
      r.skip(static_cast<std::size_t>(count * each));
    } else {
      const std::size_t bits = object_bits(h.group, h.variation);
      if (bits == 0 || (prefix != 0 && bits % 8 != 0)) {
        stop(ObjectStop::UnknownSize, "object size unknown");
        return;
      }
      if (prefix == 0) {
        // Packed objects (1 or 2 bits) round up to whole bytes; count is at most 2^32.
        const std::uint64_t bytes = (count * bits + 7) / 8;
        if (bytes > r.remaining()) r.fail();
        r.skip(static_cast<std::size_t>(bytes));
      } else {
        const std::uint64_t each = field_size(prefix) + bits / 8;
        if (count > r.remaining() / each) r.fail();
        r.skip(static_cast<std::size_t>(count * each));
      }
    }
    if (!r.ok()) {
      stop(ObjectStop::Malformed, "object data runs past the fragment");
      return;
    }
  }
}

}  // namespace

std::uint16_t crc16(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0;
  for (const std::uint8_t b : bytes)
    crc = static_cast<std::uint16_t>((crc >> 8) ^ kCrcTable[(crc ^ b) & 0xFFU]);
  return static_cast<std::uint16_t>(~crc);
}

LinkResult decode_link_frame(std::span<const std::uint8_t> bytes) {
  LinkResult out;
  ByteReader r(bytes);
  if (bytes.size() >= 1 && bytes[0] != kStart0) {
    out.reason = "bad start bytes";
    return out;
  }
  if (bytes.size() >= 2 && bytes[1] != kStart1) {
    out.reason = "bad start bytes";
    return out;
  }
  if (bytes.size() < kLinkHeaderSize) {
    out.status = Status::NeedMore;
    out.needed = kLinkHeaderSize;
    return out;
  }
  r.skip(2);
  LinkHeader& h = out.frame.header;
  h.length = r.u8();
  h.control = r.u8();
  h.dst = r.le16();
  h.src = r.le16();
  const std::uint16_t header_crc = r.le16();
  if (crc16(bytes.first(8)) != header_crc) {
    out.reason = "link header CRC mismatch";
    return out;
  }
  if (h.length < kMinLinkLength) {
    out.reason = "link length below 5";
    return out;
  }
  const std::size_t total = link_frame_size(h.length);
  if (bytes.size() < total) {
    out.status = Status::NeedMore;
    out.needed = total;
    return out;
  }
  out.header_valid = true;
  out.frame.wire = bytes.first(total);
  for (std::size_t left = h.user_data_size(); left > 0;) {
    const std::size_t n = std::min(left, kBlockSize);
    if (!block_ok(r, n)) {
      out.reason = "link data CRC mismatch";
      return out;
    }
    left -= n;
  }
  out.status = Status::Ok;
  return out;
}

std::size_t copy_user_data(const LinkFrame& frame, std::span<std::uint8_t> out) {
  const std::size_t size = frame.header.user_data_size();
  if (out.size() < size || frame.wire.size() < link_frame_size(frame.header.length)) return 0;
  ByteReader r(frame.wire.subspan(kLinkHeaderSize));
  std::size_t written = 0;
  while (written < size) {
    const std::size_t n = std::min(size - written, kBlockSize);
    const auto block = r.bytes(n);
    r.skip(2);
    std::copy(block.begin(), block.end(), out.begin() + static_cast<std::ptrdiff_t>(written));
    written += n;
  }
  return written;
}

AppResult decode_application(std::span<const std::uint8_t> fragment) {
  AppResult out;
  ByteReader r(fragment);
  AppMessage& m = out.message;
  m.control = r.u8();
  m.function = r.u8();
  m.has_iin = is_response_function(m.function);
  if (m.has_iin) m.iin = r.be16();
  if (!r.ok()) {
    out.status = Status::NeedMore;
    out.needed = m.has_iin ? 4 : 2;
    return out;
  }
  m.object_data = r.peek_rest();
  walk_objects(r, m);
  out.status = Status::Ok;
  return out;
}

std::size_t object_bits(std::uint8_t group, std::uint8_t v) {
  // Sizes in bytes per variation, index 0 unused (variation 0 means "any" and has no data).
  auto pick = [v](std::initializer_list<std::uint8_t> sizes) -> std::size_t {
    if (v == 0 || v > sizes.size()) return 0;
    return static_cast<std::size_t>(*(sizes.begin() + (v - 1))) * 8;
  };
  switch (group) {
    case 1: return v == 1 ? 1 : v == 2 ? 8 : 0;      // binary input (packed / with flags)
    case 2: return pick({1, 7, 3});                    // binary input event
    case 3: return v == 1 ? 2 : v == 2 ? 8 : 0;       // double-bit input
    case 4: return pick({1, 7, 3});                    // double-bit input event
    case 10: return v == 1 ? 1 : v == 2 ? 8 : 0;      // binary output
    case 11: return pick({1, 7});                      // binary output event
    case 12: return v == 3 ? 1 : pick({11, 11});       // CROB, PCB, pattern mask
    case 13: return pick({2, 8});                      // binary output command event
    case 20: return pick({5, 3, 5, 3, 4, 2, 4, 2});    // counter
    case 21: return pick({5, 3, 5, 3, 11, 9, 11, 9, 4, 2, 4, 2});  // frozen counter
    case 22: return pick({5, 3, 5, 3, 11, 9, 11, 9});  // counter event
    case 23: return pick({5, 3, 5, 3, 11, 9, 11, 9});  // frozen counter event
    case 30: return pick({5, 3, 4, 2, 5, 9});          // analog input
    case 31: return pick({5, 3, 11, 9, 4, 2, 5, 9});   // frozen analog input
    case 32: return pick({5, 3, 11, 9, 5, 9, 11, 15});  // analog input event
    case 33: return pick({5, 3, 11, 9, 5, 9, 11, 15});  // frozen analog input event
    case 34: return pick({2, 4, 4});                   // analog input deadband
    case 40: return pick({5, 3, 5, 9});                // analog output status
    case 41: return pick({5, 3, 5, 9});                // analog output block
    case 42: return pick({5, 3, 11, 9, 5, 9, 11, 15});  // analog output event
    case 43: return pick({6, 4, 12, 10, 6, 10, 12, 16});  // analog output command event
    case 50: return pick({6, 10, 6, 11});              // time and date
    case 51: return pick({6, 6});                      // common time of occurrence
    case 52: return pick({2, 2});                      // time delay
    case 80: return v == 1 ? 1 : 0;                    // internal indications (packed)
    case 110: case 111: case 112: case 113:            // octet strings, virtual terminal
      return static_cast<std::size_t>(v) * 8;
    default: return 0;
  }
}

}  // namespace limen::dissect::dnp3
