#pragma once
// Builders for EtherNet/IP test messages: an encapsulation header around command data, the CPF
// of send_rr_data (null address + unconnected data) and send_unit_data (connected address +
// connected data with a sequence count), and CIP requests and responses.

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace limen::dissect::enip::test {

using Bytes = std::vector<std::uint8_t>;

inline void le16(Bytes& b, unsigned v) {
  b.push_back(static_cast<std::uint8_t>(v & 0xFFU));
  b.push_back(static_cast<std::uint8_t>((v >> 8) & 0xFFU));
}
inline void le32(Bytes& b, std::uint32_t v) {
  le16(b, v & 0xFFFFU);
  le16(b, v >> 16);
}
inline void append(Bytes& b, const Bytes& tail) {
  for (const std::uint8_t x : tail) b.push_back(x);  // (insert trips a GCC 12 false positive)
}
inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}

inline Bytes encap(std::uint16_t command, const Bytes& data, std::uint32_t session = 0x1234,
                   std::uint32_t context = 0, std::uint32_t status = 0) {
  Bytes b;
  le16(b, command);
  le16(b, static_cast<unsigned>(data.size()));
  le32(b, session);
  le32(b, status);
  le32(b, context);
  le32(b, 0);  // context, high half
  le32(b, 0);  // options
  append(b, data);
  return b;
}

// send_rr_data: interface handle, timeout, null address item, unconnected data item.
inline Bytes rr(const Bytes& cip, std::uint32_t context = 1, std::uint32_t status = 0) {
  Bytes d;
  le32(d, 0);
  le16(d, 5);
  le16(d, 2);
  le16(d, 0x0000);
  le16(d, 0);
  le16(d, 0x00B2);
  le16(d, static_cast<unsigned>(cip.size()));
  append(d, cip);
  return encap(0x006F, d, 0x1234, context, status);
}

// send_unit_data: connected address item, connected data item with a sequence count.
inline Bytes unit(const Bytes& cip, std::uint32_t connection, std::uint16_t sequence) {
  Bytes d;
  le32(d, 0);
  le16(d, 0);
  le16(d, 2);
  le16(d, 0x00A1);
  le16(d, 4);
  le32(d, connection);
  le16(d, 0x00B1);
  le16(d, static_cast<unsigned>(cip.size() + 2));
  le16(d, sequence);
  append(d, cip);
  return encap(0x0070, d);
}

// A CIP request: service, path size in words, path (padded by the caller), data.
inline Bytes request(std::uint8_t service, const Bytes& path, const Bytes& data = {}) {
  Bytes b{service, static_cast<std::uint8_t>(path.size() / 2)};
  append(b, path);
  append(b, data);
  return b;
}
inline Bytes response(std::uint8_t service, std::uint8_t status = 0, const Bytes& extended = {},
                      const Bytes& data = {}) {
  Bytes b{static_cast<std::uint8_t>(service | 0x80U), 0, status,
          static_cast<std::uint8_t>(extended.size() / 2)};
  append(b, extended);
  append(b, data);
  return b;
}
// Class / instance / attribute, 8-bit logical segments.
inline Bytes path(std::uint8_t cls, std::uint8_t instance) { return {0x20, cls, 0x24, instance}; }
inline Bytes path(std::uint8_t cls, std::uint8_t instance, std::uint8_t attribute) {
  return {0x20, cls, 0x24, instance, 0x30, attribute};
}

// Unconnected Send (0x52 to the connection manager) around `embedded`, routed to port 1 slot 0.
inline Bytes unconnected_send(const Bytes& embedded) {
  Bytes data{0x0A, 0xF0};
  le16(data, static_cast<unsigned>(embedded.size()));
  append(data, embedded);
  if (embedded.size() % 2 != 0) data.push_back(0);
  append(data, {0x01, 0x00, 0x01, 0x00});  // route path: 1 word, reserved, port 1 link 0
  return request(0x52, path(0x06, 0x01), data);
}

// Multiple Service Packet data: count, offsets (from the count field), members.
inline Bytes multiple_data(std::initializer_list<Bytes> members) {
  Bytes b;
  le16(b, static_cast<unsigned>(members.size()));
  std::size_t offset = 2 + 2 * members.size();
  for (const auto& m : members) {
    le16(b, static_cast<unsigned>(offset));
    offset += m.size();
  }
  for (const auto& m : members) append(b, m);
  return b;
}

}  // namespace limen::dissect::enip::test
