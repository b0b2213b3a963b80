// DNP3 and S7comm messages (Modbus, IEC 104 and EtherNet/IP: ics_messages.cpp).

#include <algorithm>

#include "byte_writer.h"
#include "ics_messages.h"

namespace limen::bench {

// DNP3 (IEEE 1815-2012: link layer clause 9, transport clause 8, application clause 4).
namespace {

constexpr std::size_t kLinkBlock = 16;
constexpr std::size_t kSegmentData = 249;     // 250 bytes of user data less the transport header
constexpr std::uint8_t kLinkUserData = 0x44;  // PRM, unconfirmed user data
constexpr std::uint8_t kLinkDir = 0x80;       // set on frames from the master
constexpr std::uint8_t kFir = 0x40;
constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kCon = 0x20;
constexpr std::uint8_t kUns = 0x10;

void crc_after(ByteWriter& w, const Bytes& out, std::size_t from) {
  w.le16(dnp3_crc({out.data() + from, out.size() - from}));
}

// One link frame carrying `user` (transport header + application bytes), CRC per block.
void link_frame(ByteWriter& w, const Bytes& out, const Dnp3Link& link, bool from_master,
                std::span<const std::uint8_t> user) {
  const std::size_t start = w.size();
  w.u8(0x05);
  w.u8(0x64);
  w.u8(static_cast<std::uint32_t>(5 + user.size()));
  w.u8(kLinkUserData | (from_master ? kLinkDir : 0U));
  w.le16(from_master ? link.outstation : link.master);
  w.le16(from_master ? link.master : link.outstation);
  crc_after(w, out, start);
  for (std::size_t at = 0; at < user.size(); at += kLinkBlock) {
    const std::size_t block = w.size();
    w.bytes(user.subspan(at, std::min(kLinkBlock, user.size() - at)));
    crc_after(w, out, block);
  }
}

// An application fragment cut into transport segments, each in its own link frame.
Bytes fragment(Dnp3Link& link, bool from_master, const Bytes& app) {
  Bytes out;
  ByteWriter w(out);
  std::uint8_t& seq = link.transport_seq[from_master ? 0 : 1];
  Bytes user;
  for (std::size_t at = 0; at < app.size(); at += kSegmentData) {
    const std::size_t n = std::min(kSegmentData, app.size() - at);
    user.clear();
    user.push_back(static_cast<std::uint8_t>((at == 0 ? kFir : 0U) |
                                             (at + n == app.size() ? kFin : 0U) | seq));
    seq = static_cast<std::uint8_t>((seq + 1) & 0x3F);
    user.insert(user.end(), app.begin() + static_cast<std::ptrdiff_t>(at),
                app.begin() + static_cast<std::ptrdiff_t>(at + n));
    link_frame(w, out, link, from_master, user);
  }
  return out;
}

void request_header(ByteWriter& w, std::uint8_t app_seq, std::uint8_t function) {
  w.u8(kFir | kFin | (app_seq & 0x0FU));
  w.u8(function);
}
void response_header(ByteWriter& w, std::uint8_t app_seq, bool unsolicited) {
  w.u8(kFir | kFin | (app_seq & 0x0FU) | (unsolicited ? kCon | kUns : 0U));
  w.u8(unsolicited ? 130 : 129);
  w.u8(0);  // IIN1
  w.u8(0);  // IIN2
}
// Object header with 16-bit start/stop range (qualifier 0x01).
void range_header(ByteWriter& w, std::uint8_t group, std::uint8_t variation, std::uint16_t count) {
  w.u8(group);
  w.u8(variation);
  w.u8(0x01);
  w.le16(0);
  w.le16(count - 1U);
}
// Control relay output block (g12v1) at `index`, with a 16-bit count and index prefix (0x28).
void crob(ByteWriter& w, std::uint16_t index) {
  w.u8(12);
  w.u8(1);
  w.u8(0x28);
  w.le16(1);
  w.le16(index);
  w.u8(0x41);    // pulse on, close
  w.u8(1);       // count
  w.le32(1000);  // on time, ms
  w.le32(0);     // off time
  w.u8(0);       // status
}

}  // namespace

std::uint16_t dnp3_crc(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0;
  for (const std::uint8_t b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) {
      crc = static_cast<std::uint16_t>((crc & 1U) != 0 ? (crc >> 1) ^ 0xA6BCU : crc >> 1);
    }
  }
  return static_cast<std::uint16_t>(~crc);
}

Bytes dnp3_read_classes(Dnp3Link& link, std::uint8_t app_seq, std::uint8_t classes) {
  Bytes app;
  ByteWriter w(app);
  request_header(w, app_seq, 1);
  for (std::uint32_t c = 0; c < 4; ++c) {
    if ((classes & (1U << c)) == 0) continue;
    w.u8(60);     // class objects
    w.u8(c + 1);  // variation 1: class 0 ... 4: class 3
    w.u8(0x06);   // all objects
  }
  return fragment(link, true, app);
}

Bytes dnp3_static_response(Dnp3Link& link, Rng& rng, std::uint8_t app_seq, std::uint16_t analogs,
                           std::uint16_t binaries) {
  // The fragment must stay within the 2048 bytes a station may assume (clause 4.2.2.5).
  analogs = std::clamp<std::uint16_t>(analogs, 1, 300);
  binaries = std::clamp<std::uint16_t>(binaries, 1, 400);
  Bytes app;
  ByteWriter w(app);
  response_header(w, app_seq, false);
  range_header(w, 30, 1, analogs);  // 32-bit analog input with flag
  for (std::uint16_t i = 0; i < analogs; ++i) {
    w.u8(0x01);  // online
    w.le32(rng.between32(0, 40000));
  }
  range_header(w, 1, 2, binaries);  // binary input with flags
  for (std::uint16_t i = 0; i < binaries; ++i) w.u8(0x01U | (rng.chance(30) ? 0x80U : 0U));
  return fragment(link, false, app);
}

Bytes dnp3_event_response(Dnp3Link& link, Rng& rng, std::uint8_t app_seq, std::uint16_t events,
                          bool unsolicited) {
  events = std::min<std::uint16_t>(events, 200);
  Bytes app;
  ByteWriter w(app);
  response_header(w, app_seq, unsolicited);
  if (events > 0) {
    w.u8(32);  // analog input event, 32-bit with flag
    w.u8(1);
    w.u8(0x28);
    w.le16(events);
    for (std::uint16_t i = 0; i < events; ++i) {
      w.le16(rng.between32(0, 299));
      w.u8(0x01);
      w.le32(rng.between32(0, 40000));
    }
  }
  return fragment(link, false, app);
}

Bytes dnp3_direct_operate(Dnp3Link& link, std::uint8_t app_seq, std::uint16_t index,
                          bool response) {
  Bytes app;
  ByteWriter w(app);
  if (response) {
    response_header(w, app_seq, false);
  } else {
    request_header(w, app_seq, 5);
  }
  crob(w, index);
  return fragment(link, !response, app);
}

Bytes dnp3_confirm(Dnp3Link& link, std::uint8_t app_seq, bool unsolicited) {
  Bytes app;
  ByteWriter w(app);
  w.u8(kFir | kFin | (app_seq & 0x0FU) | (unsolicited ? kUns : 0U));
  w.u8(0);
  return fragment(link, true, app);
}

// S7comm over TPKT (RFC 1006) and COTP class 0 (ISO 8073); S7comm layout as Wireshark's
// packet-s7comm.c documents it.
namespace {

constexpr std::uint8_t kProtocolId = 0x32;
constexpr std::uint8_t kJob = 0x01;
constexpr std::uint8_t kAckData = 0x03;
constexpr std::uint8_t kSetupCommunication = 0xF0;
constexpr std::uint8_t kReadVar = 0x04;
constexpr std::uint8_t kWriteVar = 0x05;
constexpr std::uint8_t kAreaDataBlock = 0x84;

// TPKT header; returns the offset of its length, which counts the whole frame.
std::size_t tpkt(ByteWriter& w) {
  const std::size_t start = w.size();
  w.u8(3);
  w.u8(0);
  w.be16(0);
  return start;
}
void end_tpkt(ByteWriter& w, std::size_t start) {
  w.put_be16(start + 2, w.size() - start);
}

void cotp_connection(ByteWriter& w, std::uint8_t code, std::uint16_t dst_ref, std::uint16_t src_ref,
                     std::uint8_t rack, std::uint8_t slot) {
  w.u8(17);  // length indicator: the 6 fixed bytes and 11 of parameters
  w.u8(code);
  w.be16(dst_ref);
  w.be16(src_ref);
  w.u8(0);     // class 0
  w.u8(0xC0);  // TPDU size: 1024
  w.u8(1);
  w.u8(0x0A);
  w.u8(0xC1);  // calling TSAP: PG/PC
  w.u8(2);
  w.be16(0x0100);
  w.u8(0xC2);  // called TSAP: rack and slot of the CPU
  w.u8(2);
  w.u8(0x01);
  w.u8((static_cast<std::uint32_t>(rack) << 5) | slot);
}

// A DT TPDU (last data unit) carrying one S7comm PDU; `fill` writes parameters, then data,
// and says where the data starts.
template <typename Fill>
Bytes s7_pdu(std::uint8_t rosctr, std::uint16_t pdu_ref, Fill fill) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t start = tpkt(w);
  w.u8(2);  // COTP DT: length indicator
  w.u8(0xF0);
  w.u8(0x80);  // EOT, TPDU number 0
  w.u8(kProtocolId);
  w.u8(rosctr);
  w.be16(0);  // reserved
  w.be16(pdu_ref);
  const std::size_t lengths = w.size();
  w.be16(0);
  w.be16(0);
  if (rosctr == kAckData) w.be16(0);  // error class and code: none
  const std::size_t params = w.size();
  const std::size_t data = fill(w);
  w.put_be16(lengths, data - params);
  w.put_be16(lengths + 2, w.size() - data);
  end_tpkt(w, start);
  return out;
}

void item_count(ByteWriter& w, std::uint8_t function, std::size_t count) {
  w.u8(function);
  w.u8(static_cast<std::uint32_t>(count));
}
void any_pointer(ByteWriter& w, const S7Item& item) {
  w.u8(0x12);  // variable specification
  w.u8(0x0A);
  w.u8(0x10);  // S7ANY
  w.u8(0x02);  // transport size: BYTE
  w.be16(item.length);
  w.be16(item.db);
  w.u8(kAreaDataBlock);
  w.be24(item.byte_address * 8);  // bit address
}
void data_item(ByteWriter& w, Rng& rng, std::uint8_t return_code, const S7Item& item) {
  w.u8(return_code);
  w.u8(0x04);  // transport size: bytes, length in bits
  w.be16(static_cast<std::uint32_t>(item.length) * 8);
  for (std::uint16_t i = 0; i < item.length; ++i) w.u8(rng.between32(0, 255));
}

}  // namespace

Bytes cotp_connect_request(std::uint16_t src_ref, std::uint8_t rack, std::uint8_t slot) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t start = tpkt(w);
  cotp_connection(w, 0xE0, 0, src_ref, rack, slot);
  end_tpkt(w, start);
  return out;
}

Bytes cotp_connect_confirm(std::uint16_t dst_ref, std::uint16_t src_ref, std::uint8_t rack,
                           std::uint8_t slot) {
  Bytes out;
  ByteWriter w(out);
  const std::size_t start = tpkt(w);
  cotp_connection(w, 0xD0, dst_ref, src_ref, rack, slot);
  end_tpkt(w, start);
  return out;
}

Bytes s7_setup_communication(std::uint16_t pdu_ref) {
  return s7_pdu(kJob, pdu_ref, [](ByteWriter& w) {
    w.u8(kSetupCommunication);
    w.u8(0);
    w.be16(1);    // max AmQ calling
    w.be16(1);    // max AmQ called
    w.be16(960);  // PDU size asked for
    return w.size();
  });
}

Bytes s7_setup_communication_ack(std::uint16_t pdu_ref, std::uint16_t pdu_size) {
  return s7_pdu(kAckData, pdu_ref, [&](ByteWriter& w) {
    w.u8(kSetupCommunication);
    w.u8(0);
    w.be16(1);
    w.be16(1);
    w.be16(pdu_size);
    return w.size();
  });
}

Bytes s7_read_var(std::uint16_t pdu_ref, std::span<const S7Item> items) {
  return s7_pdu(kJob, pdu_ref, [&](ByteWriter& w) {
    item_count(w, kReadVar, items.size());
    for (const auto& item : items) any_pointer(w, item);
    return w.size();
  });
}

Bytes s7_read_var_ack(Rng& rng, std::uint16_t pdu_ref, std::span<const S7Item> items) {
  return s7_pdu(kAckData, pdu_ref, [&](ByteWriter& w) {
    item_count(w, kReadVar, items.size());
    const std::size_t data = w.size();
    for (std::size_t i = 0; i < items.size(); ++i) {
      data_item(w, rng, 0xFF, items[i]);
      // Every item but the last is padded to an even length.
      if (i + 1 < items.size() && items[i].length % 2 != 0) w.u8(0);
    }
    return data;
  });
}

Bytes s7_write_var(Rng& rng, std::uint16_t pdu_ref, const S7Item& item) {
  return s7_pdu(kJob, pdu_ref, [&](ByteWriter& w) {
    item_count(w, kWriteVar, 1);
    any_pointer(w, item);
    const std::size_t data = w.size();
    data_item(w, rng, 0x00, item);  // the reserved byte in a request
    return data;
  });
}

Bytes s7_write_var_ack(std::uint16_t pdu_ref) {
  return s7_pdu(kAckData, pdu_ref, [](ByteWriter& w) {
    item_count(w, kWriteVar, 1);
    const std::size_t data = w.size();
    w.u8(0xFF);  // success
    return data;
  });
}

}  // namespace limen::bench
