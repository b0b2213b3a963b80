#pragma once
// The registry of application dissectors: every protocol Limen dissects, with its transport,
// well-known ports and published fields. Reading this file tells what exists; nothing registers
// itself anywhere else. The probe attaches a dissector to a flow from this table (by the
// server's port), the rule compiler resolves field names through it, and the JSON writer names
// fields from it.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "dissectors/bacnet/bacnet_fields.h"
#include "dissectors/core/transaction.h"
#include "dissectors/dnp3/dnp3_fields.h"
#include "dissectors/enip/enip_fields.h"
#include "dissectors/iec104/iec104_fields.h"
#include "dissectors/mms/mms_fields.h"
#include "dissectors/modbus/modbus_fields.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/opcua/opcua_fields.h"
#include "dissectors/s7comm/s7comm_fields.h"

namespace limen::dissect {

struct DissectorInfo {
  Protocol protocol;
  std::uint8_t ip_proto;       // 6 TCP, 17 UDP
  std::uint16_t port;          // server port that selects the dissector
  std::span<const FieldSpec> (*schema)();
  std::string_view summary;
};

inline constexpr std::array kDissectors{
    DissectorInfo{Protocol::Modbus, 6, 502, &modbus::modbus_schema,
                  "Modbus/TCP: MBAP, function codes, addresses, written values, exceptions"},
    DissectorInfo{Protocol::Dnp3, 6, 20000, &dnp3::schema,
                  "DNP3 over TCP: link CRCs, transport reassembly, functions, objects, IIN"},
    DissectorInfo{Protocol::Dnp3, 17, 20000, &dnp3::schema,
                  "DNP3 over UDP: one datagram carries whole link frames"},
    DissectorInfo{Protocol::Iec104, 6, 2404, &iec104::iec104_schema,
                  "IEC 60870-5-104: APCI I/S/U frames, ASDU type, cause, addresses"},
    DissectorInfo{Protocol::S7comm, 6, 102, &s7comm::schema,
                  "S7comm over TPKT/COTP: jobs, functions, blocks, userdata; S7comm-plus opcodes"},
    // tcp/102 also carries MMS: the probe decides between the two at the first COTP data unit
    // (mms::looks_like_mms); this entry publishes MMS's fields.
    DissectorInfo{Protocol::Mms, 6, 102, &mms::mms_schema,
                  "IEC 61850 MMS over TPKT/COTP/session/presentation: confirmed services"},
    DissectorInfo{Protocol::Enip, 6, 44818, &enip::enip_schema,
                  "EtherNet/IP + CIP: encapsulation commands, CIP services, paths, status"},
    DissectorInfo{Protocol::Enip, 17, 44818, &enip::enip_schema,
                  "EtherNet/IP over UDP: list identity and other encapsulation commands"},
    DissectorInfo{Protocol::Bacnet, 17, 47808, &bacnet::bacnet_schema,
                  "BACnet/IP: BVLC, NPCI, APDU types, services, object/property, errors"},
    DissectorInfo{Protocol::Mqtt, 6, 1883, &mqtt::mqtt_schema,
                  "MQTT 3.1.1/5.0: connect, publish topics, subscriptions, acks"},
    DissectorInfo{Protocol::Opcua, 6, 4840, &opcua::opcua_schema,
                  "OPC UA binary: secure channel, security mode, services (when not encrypted)"},
};

// The dissector for a flow whose server listens on `port` over `ip_proto`, or nullptr.
constexpr const DissectorInfo* find_dissector(std::uint8_t ip_proto, std::uint16_t port) {
  for (const auto& d : kDissectors)
    if (d.ip_proto == ip_proto && d.port == port) return &d;
  return nullptr;
}

}  // namespace limen::dissect
