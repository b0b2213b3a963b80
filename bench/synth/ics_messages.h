#pragma once
// Messages of the industrial protocols in the mix, as a polling master and its outstation put
// them on the wire: Modbus/TCP, DNP3 (link frames with CRCs, transport and application layers),
// IEC 60870-5-104, S7comm over TPKT/COTP, and EtherNet/IP with CIP. Each is valid enough for the
// probe's dissectors and for tshark to decode without a warning; values are plausible, not
// meaningful.

#include <cstdint>
#include <span>
#include <string_view>

#include "it_messages.h"
#include "rng.h"

namespace limen::bench {

// Modbus/TCP (MBAP + PDU). A read of `quantity` registers (function 3 or 4) or coils (1, 2).
Bytes modbus_read(std::uint16_t transaction, std::uint8_t unit, std::uint8_t function,
                  std::uint16_t address, std::uint16_t quantity);
Bytes modbus_read_response(Rng& rng, std::uint16_t transaction, std::uint8_t unit,
                           std::uint8_t function, std::uint16_t quantity);
// Write multiple registers (16) and its response echoing address and quantity.
Bytes modbus_write_registers(Rng& rng, std::uint16_t transaction, std::uint8_t unit,
                             std::uint16_t address, std::uint16_t quantity);
Bytes modbus_write_response(std::uint16_t transaction, std::uint8_t unit, std::uint16_t address,
                            std::uint16_t quantity);

// DNP3 over TCP: one application fragment cut into transport segments and link frames.
// Requests go master -> outstation (DIR set); responses the other way.
struct Dnp3Link {
  std::uint16_t master = 1;
  std::uint16_t outstation = 10;
  std::uint8_t transport_seq[2]{};  // per direction: 0 master, 1 outstation
};
std::uint16_t dnp3_crc(std::span<const std::uint8_t> bytes);
// Read of class data: classes is a bit set of 0..3 (bit 0: class 0, integrity).
Bytes dnp3_read_classes(Dnp3Link& link, std::uint8_t app_seq, std::uint8_t classes);
// Response to a read: `analogs` 32-bit analog inputs with flags and `binaries` binary inputs.
Bytes dnp3_static_response(Dnp3Link& link, Rng& rng, std::uint8_t app_seq, std::uint16_t analogs,
                           std::uint16_t binaries);
// Response with `events` analog change events (or none: a null response to an event poll).
Bytes dnp3_event_response(Dnp3Link& link, Rng& rng, std::uint8_t app_seq, std::uint16_t events,
                          bool unsolicited);
// Direct operate of one control relay output block, and the outstation's echo of it.
Bytes dnp3_direct_operate(Dnp3Link& link, std::uint8_t app_seq, std::uint16_t index, bool response);
// The master's application confirm of an unsolicited response.
Bytes dnp3_confirm(Dnp3Link& link, std::uint8_t app_seq, bool unsolicited);

// IEC 60870-5-104. U frames, an S frame, and I frames carrying one ASDU.
enum class Iec104U : std::uint8_t {
  kStartAct = 0x07,
  kStartCon = 0x0B,
  kTestAct = 0x43,
  kTestCon = 0x83
};
Bytes iec104_u(Iec104U function);
Bytes iec104_s(std::uint16_t receive_seq);
struct Iec104Seq {
  std::uint16_t send = 0;
  std::uint16_t receive = 0;
};
// General interrogation (C_IC_NA_1) with the given cause (6 activation, 7 confirmation, 10
// termination).
Bytes iec104_interrogation(Iec104Seq& seq, std::uint16_t common_address, std::uint8_t cause);
// `count` measured floats (M_ME_NC_1) from IOA `first_ioa` on, as a sequence (SQ=1), with cause
// 20 (interrogated) or 3 (spontaneous, then each with its own IOA and a CP56Time2a: M_ME_TF_1).
Bytes iec104_measurements(Iec104Seq& seq, Rng& rng, std::uint16_t common_address,
                          std::uint32_t first_ioa, std::uint8_t count, bool spontaneous,
                          std::uint64_t ts_us);
// Single command (C_SC_NA_1), select or execute, with cause 6 (act), 7 (con) or 10 (term).
Bytes iec104_single_command(Iec104Seq& seq, std::uint16_t common_address, std::uint32_t ioa,
                            bool on, bool select, std::uint8_t cause);

// S7comm over TPKT/COTP on tcp/102.
Bytes cotp_connect_request(std::uint16_t src_ref, std::uint8_t rack, std::uint8_t slot);
Bytes cotp_connect_confirm(std::uint16_t dst_ref, std::uint16_t src_ref, std::uint8_t rack,
                           std::uint8_t slot);
Bytes s7_setup_communication(std::uint16_t pdu_ref);
Bytes s7_setup_communication_ack(std::uint16_t pdu_ref, std::uint16_t pdu_size);
// Read of `items` data-block areas (S7ANY), each `length` bytes, and its answer.
struct S7Item {
  std::uint16_t db;
  std::uint32_t byte_address;
  std::uint16_t length;
};
Bytes s7_read_var(std::uint16_t pdu_ref, std::span<const S7Item> items);
Bytes s7_read_var_ack(Rng& rng, std::uint16_t pdu_ref, std::span<const S7Item> items);
// Write of one item, and its answer.
Bytes s7_write_var(Rng& rng, std::uint16_t pdu_ref, const S7Item& item);
Bytes s7_write_var_ack(std::uint16_t pdu_ref);

// EtherNet/IP encapsulation and CIP over tcp/44818.
Bytes enip_register_session(std::uint64_t context, std::uint32_t session);
// Read (0x4C) of a Logix tag through Unconnected Send to the controller in slot `slot`, and its
// reply (a DINT or REAL array of `elements`).
Bytes enip_read_tag(std::uint32_t session, std::uint64_t context, std::string_view tag,
                    std::uint16_t elements, std::uint8_t slot);
Bytes enip_read_tag_reply(Rng& rng, std::uint32_t session, std::uint64_t context,
                          std::uint16_t elements, bool real);
// Write (0x4D) of one DINT tag, and its reply.
Bytes enip_write_tag(Rng& rng, std::uint32_t session, std::uint64_t context, std::string_view tag,
                     std::uint8_t slot);
Bytes enip_write_tag_reply(std::uint32_t session, std::uint64_t context);
// Get_Attribute_Single of the identity object's product name (class 1, instance 1, attr 7),
// and its reply.
Bytes enip_get_identity_name(std::uint32_t session, std::uint64_t context);
Bytes enip_get_identity_name_reply(std::uint32_t session, std::uint64_t context,
                                   std::string_view name);

}  // namespace limen::bench
