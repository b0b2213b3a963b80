// Modbus/TCP, IEC 60870-5-104 and EtherNet/IP messages (DNP3 and S7comm: dnp3_s7_messages.cpp).

#include <algorithm>
#include <bit>

#include "byte_writer.h"
#include "ics_messages.h"

namespace limen::bench {
namespace {

// MBAP header; returns the offset of its length field, which counts the unit id and the PDU.
std::size_t mbap(ByteWriter& w, std::uint16_t transaction, std::uint8_t unit) {
  w.be16(transaction);
  w.be16(0);  // protocol: Modbus
  const std::size_t at = w.size();
  w.be16(0);
  w.u8(unit);
  return at;
}
void end_mbap(ByteWriter& w, std::size_t at) {
  w.put_be16(at, w.size() - at - 2);
}

bool is_register_function(std::uint8_t function) {
  return function == 3 || function == 4;
}

}  // namespace

Bytes modbus_read(std::uint16_t transaction, std::uint8_t unit, std::uint8_t function,
                  std::uint16_t address, std::uint16_t quantity) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = mbap(w, transaction, unit);
  w.u8(function);
  w.be16(address);
  w.be16(quantity);
  end_mbap(w, at);
  return out;
}

Bytes modbus_read_response(Rng& rng, std::uint16_t transaction, std::uint8_t unit,
                           std::uint8_t function, std::uint16_t quantity) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = mbap(w, transaction, unit);
  w.u8(function);
  const std::uint32_t count = is_register_function(function) ? 2U * quantity : (quantity + 7U) / 8U;
  w.u8(count);
  for (std::uint32_t i = 0; i < count; ++i) w.u8(rng.between32(0, 255));
  end_mbap(w, at);
  return out;
}

Bytes modbus_write_registers(Rng& rng, std::uint16_t transaction, std::uint8_t unit,
                             std::uint16_t address, std::uint16_t quantity) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = mbap(w, transaction, unit);
  w.u8(16);
  w.be16(address);
  w.be16(quantity);
  w.u8(2U * quantity);
  for (std::uint16_t i = 0; i < quantity; ++i) w.be16(rng.between32(0, 4000));
  end_mbap(w, at);
  return out;
}

Bytes modbus_write_response(std::uint16_t transaction, std::uint8_t unit, std::uint16_t address,
                            std::uint16_t quantity) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = mbap(w, transaction, unit);
  w.u8(16);
  w.be16(address);
  w.be16(quantity);
  end_mbap(w, at);
  return out;
}

// IEC 60870-5-104 (IEC 60870-5-104:2006 clause 5 for the APCI, IEC 60870-5-101 clause 7 for the
// ASDU).
namespace {

constexpr std::uint8_t kApciStart = 0x68;
constexpr std::uint8_t kTypeSingleCommand = 45;
constexpr std::uint8_t kTypeInterrogation = 100;
constexpr std::uint8_t kTypeFloat = 13;      // M_ME_NC_1
constexpr std::uint8_t kTypeFloatTime = 36;  // M_ME_TF_1
constexpr std::uint8_t kCauseSpontaneous = 3;
constexpr std::uint8_t kCauseInterrogated = 20;
constexpr std::size_t kMaxApdu = 253;

// Starts an I frame with the next send number; returns the offset of the APCI length.
std::size_t begin_i(ByteWriter& w, Iec104Seq& seq) {
  w.u8(kApciStart);
  const std::size_t at = w.size();
  w.u8(0);
  w.le16(static_cast<std::uint32_t>(seq.send) << 1);
  w.le16(static_cast<std::uint32_t>(seq.receive) << 1);
  seq.send = static_cast<std::uint16_t>((seq.send + 1) & 0x7FFF);
  return at;
}
void end_i(Bytes& out, std::size_t at) {
  out.at(at) = static_cast<std::uint8_t>(out.size() - 2);
}

void asdu_header(ByteWriter& w, std::uint8_t type, std::uint8_t vsq, std::uint8_t cause,
                 std::uint16_t common_address) {
  w.u8(type);
  w.u8(vsq);
  w.u8(cause);
  w.u8(0);  // originator address
  w.le16(common_address);
}

// A process value of a few hundred units with two decimals, as an IEEE 754 single.
std::uint32_t measured_value(Rng& rng) {
  return std::bit_cast<std::uint32_t>(static_cast<float>(rng.between(0, 50000)) / 100.0F);
}

// CP56Time2a (IEC 60870-5-4 6.8) of a Unix time in µs, UTC; days to civil date after
// H. Hinnant's algorithm.
void cp56time(ByteWriter& w, std::uint64_t ts_us) {
  const std::uint64_t ms_total = ts_us / 1000;
  const std::uint64_t day_ms = ms_total % 86400000;
  const auto days = static_cast<std::int64_t>(ms_total / 86400000);
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const std::int64_t weekday = (days + 3) % 7 + 1;  // 1970-01-01 was a Thursday; Monday is 1
  w.le16(static_cast<std::uint32_t>(day_ms % 60000));
  w.u8(static_cast<std::uint32_t>(day_ms / 60000 % 60));
  w.u8(static_cast<std::uint32_t>(day_ms / 3600000));
  w.u8(static_cast<std::uint32_t>(day | (weekday << 5)));
  w.u8(static_cast<std::uint32_t>(month));
  w.u8(static_cast<std::uint32_t>(year % 100));
}

}  // namespace

Bytes iec104_u(Iec104U function) {
  return {kApciStart, 4, static_cast<std::uint8_t>(function), 0, 0, 0};
}

Bytes iec104_s(std::uint16_t receive_seq) {
  Bytes out;
  ByteWriter w(out);
  w.u8(kApciStart);
  w.u8(4);
  w.le16(1);
  w.le16(static_cast<std::uint32_t>(receive_seq) << 1);
  return out;
}

Bytes iec104_interrogation(Iec104Seq& seq, std::uint16_t common_address, std::uint8_t cause) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = begin_i(w, seq);
  asdu_header(w, kTypeInterrogation, 1, cause, common_address);
  w.le24(0);
  w.u8(20);  // QOI: station interrogation
  end_i(out, at);
  return out;
}

Bytes iec104_measurements(Iec104Seq& seq, Rng& rng, std::uint16_t common_address,
                          std::uint32_t first_ioa, std::uint8_t count, bool spontaneous,
                          std::uint64_t ts_us) {
  constexpr std::size_t kHead = 2 + 4 + 6;
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = begin_i(w, seq);
  if (spontaneous) {
    constexpr std::size_t kElement = 3 + 5 + 7;
    count =
        static_cast<std::uint8_t>(std::min<std::size_t>(count, (kMaxApdu + 2 - kHead) / kElement));
    asdu_header(w, kTypeFloatTime, count, kCauseSpontaneous, common_address);
    for (std::uint8_t i = 0; i < count; ++i) {
      w.le24(first_ioa + i * 3U);
      w.le32(measured_value(rng));
      w.u8(0);  // QDS: good
      cp56time(w, ts_us);
    }
  } else {
    count = static_cast<std::uint8_t>(std::min<std::size_t>(count, (kMaxApdu + 2 - kHead - 3) / 5));
    asdu_header(w, kTypeFloat, 0x80 | count, kCauseInterrogated, common_address);
    w.le24(first_ioa);
    for (std::uint8_t i = 0; i < count; ++i) {
      w.le32(measured_value(rng));
      w.u8(0);
    }
  }
  end_i(out, at);
  return out;
}

Bytes iec104_single_command(Iec104Seq& seq, std::uint16_t common_address, std::uint32_t ioa,
                            bool on, bool select, std::uint8_t cause) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = begin_i(w, seq);
  asdu_header(w, kTypeSingleCommand, 1, cause, common_address);
  w.le24(ioa);
  w.u8((on ? 0x01U : 0U) | (select ? 0x80U : 0U));  // SCO: state, select/execute
  end_i(out, at);
  return out;
}

// EtherNet/IP (ODVA CIP Vol. 2 ch. 2 for the encapsulation, Vol. 1 for CIP; tag services after
// Rockwell's Logix data access manual).
namespace {

constexpr std::uint16_t kRegisterSession = 0x0065;
constexpr std::uint16_t kSendRrData = 0x006F;
constexpr std::uint16_t kItemNull = 0x0000;
constexpr std::uint16_t kItemUnconnected = 0x00B2;
constexpr std::uint8_t kReadTag = 0x4C;
constexpr std::uint8_t kWriteTag = 0x4D;
constexpr std::uint8_t kGetAttributeSingle = 0x0E;
constexpr std::uint8_t kUnconnectedSend = 0x52;
constexpr std::uint16_t kTypeDint = 0x00C4;
constexpr std::uint16_t kTypeReal = 0x00CA;

// Encapsulation header; returns the offset of its length field.
std::size_t encapsulation(ByteWriter& w, std::uint16_t command, std::uint32_t session,
                          std::uint64_t context) {
  w.le16(command);
  const std::size_t at = w.size();
  w.le16(0);
  w.le32(session);
  w.le32(0);  // status
  w.le32(static_cast<std::uint32_t>(context));
  w.le32(static_cast<std::uint32_t>(context >> 32));
  w.le32(0);  // options
  return at;
}
void end_encapsulation(ByteWriter& w, std::size_t at) {
  w.put_le16(at, w.size() - at - 22);
}

// SendRRData with a null address item and an unconnected data item whose CIP `body` writes.
template <typename Body>
Bytes send_rr_data(std::uint32_t session, std::uint64_t context, bool request, Body body) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = encapsulation(w, kSendRrData, session, context);
  w.le32(0);                 // interface handle: CIP
  w.le16(request ? 10 : 0);  // timeout, seconds
  w.le16(2);
  w.le16(kItemNull);
  w.le16(0);
  w.le16(kItemUnconnected);
  const std::size_t item = w.size();
  w.le16(0);
  body(w);
  w.put_le16(item, w.size() - item - 2);
  end_encapsulation(w, at);
  return out;
}

// An ANSI extended symbol segment naming a tag, padded to a whole number of words.
void symbol_path(ByteWriter& w, std::string_view tag) {
  const std::size_t words = (2 + tag.size() + 1) / 2;
  w.u8(static_cast<std::uint32_t>(words));
  w.u8(0x91);
  w.u8(static_cast<std::uint32_t>(tag.size()));
  w.str(tag);
  if (tag.size() % 2 != 0) w.u8(0);
}

// Unconnected Send to the connection manager, routed to the backplane slot; `embedded` writes
// the request it carries.
template <typename Embedded>
void unconnected_send(ByteWriter& w, std::uint8_t slot, Embedded embedded) {
  w.u8(kUnconnectedSend);
  w.u8(2);
  w.u8(0x20);  // class 6: connection manager
  w.u8(0x06);
  w.u8(0x24);  // instance 1
  w.u8(0x01);
  w.u8(0x0A);  // priority / time tick
  w.u8(0x0E);  // time-out ticks
  const std::size_t size_at = w.size();
  w.le16(0);
  embedded(w);
  const std::size_t size = w.size() - size_at - 2;
  w.put_le16(size_at, size);
  if (size % 2 != 0) w.u8(0);
  w.u8(1);  // route path: one word
  w.u8(0);
  w.u8(0x01);  // port 1 (backplane), link address = slot
  w.u8(slot);
}

void reply_header(ByteWriter& w, std::uint8_t service) {
  w.u8(service | 0x80U);
  w.u8(0);
  w.u8(0);  // general status: success
  w.u8(0);  // no additional status
}

}  // namespace

Bytes enip_register_session(std::uint64_t context, std::uint32_t session) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t at = encapsulation(w, kRegisterSession, session, context);
  w.le16(1);  // protocol version
  w.le16(0);  // options
  end_encapsulation(w, at);
  return out;
}

Bytes enip_read_tag(std::uint32_t session, std::uint64_t context, std::string_view tag,
                    std::uint16_t elements, std::uint8_t slot) {
  return send_rr_data(session, context, true, [&](ByteWriter& w) {
    unconnected_send(w, slot, [&](ByteWriter& e) {
      e.u8(kReadTag);
      symbol_path(e, tag);
      e.le16(elements);
    });
  });
}

Bytes enip_read_tag_reply(Rng& rng, std::uint32_t session, std::uint64_t context,
                          std::uint16_t elements, bool real) {
  return send_rr_data(session, context, false, [&](ByteWriter& w) {
    reply_header(w, kReadTag);
    w.le16(real ? kTypeReal : kTypeDint);
    for (std::uint16_t i = 0; i < elements; ++i) {
      w.le32(real ? measured_value(rng) : rng.between32(0, 100000));
    }
  });
}

Bytes enip_write_tag(Rng& rng, std::uint32_t session, std::uint64_t context, std::string_view tag,
                     std::uint8_t slot) {
  return send_rr_data(session, context, true, [&](ByteWriter& w) {
    unconnected_send(w, slot, [&](ByteWriter& e) {
      e.u8(kWriteTag);
      symbol_path(e, tag);
      e.le16(kTypeDint);
      e.le16(1);
      e.le32(rng.between32(0, 1000));
    });
  });
}

Bytes enip_write_tag_reply(std::uint32_t session, std::uint64_t context) {
  return send_rr_data(session, context, false, [&](ByteWriter& w) { reply_header(w, kWriteTag); });
}

Bytes enip_get_identity_name(std::uint32_t session, std::uint64_t context) {
  return send_rr_data(session, context, true, [&](ByteWriter& w) {
    w.u8(kGetAttributeSingle);
    w.u8(3);
    static constexpr std::uint8_t kPath[] = {0x20, 0x01, 0x24, 0x01, 0x30, 0x07};
    w.bytes(kPath);
  });
}

Bytes enip_get_identity_name_reply(std::uint32_t session, std::uint64_t context,
                                   std::string_view name) {
  return send_rr_data(session, context, false, [&](ByteWriter& w) {
    reply_header(w, kGetAttributeSingle);
    w.u8(static_cast<std::uint32_t>(name.size()));  // SHORT_STRING
    w.str(name);
  });
}

}  // namespace limen::bench
