#pragma once
// Test-only builders of OPC UA binary messages (little-endian fields, strings, NodeIds, chunk
// headers) shared by the decoder and session tests.

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace limen::dissect::opcua::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts)
    for (const std::uint8_t b : p) out.push_back(b);  // (insert trips a GCC 12 false positive)
  return out;
}
inline Bytes le32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}
inline Bytes str(std::string_view s) {
  Bytes out = le32(static_cast<std::uint32_t>(s.size()));
  for (const char c : s) out.push_back(static_cast<std::uint8_t>(c));
  return out;
}
inline Bytes null_str() { return le32(0xFFFFFFFFU); }
inline Bytes node4(std::uint16_t id) {
  return {0x01, 0x00, static_cast<std::uint8_t>(id), static_cast<std::uint8_t>(id >> 8)};
}
// A UA TCP chunk: 3-letter type, chunk type, size (header included), body.
inline Bytes chunk(std::string_view type, char chunk_type, const Bytes& body) {
  const Bytes head{static_cast<std::uint8_t>(type[0]), static_cast<std::uint8_t>(type[1]),
                   static_cast<std::uint8_t>(type[2]), static_cast<std::uint8_t>(chunk_type)};
  return cat({head, le32(static_cast<std::uint32_t>(body.size() + 8)), body});
}
inline Bytes request_header() {
  return cat({{0x02, 0x01, 0x00}, le32(5), Bytes(8, 0), le32(1), le32(0), null_str(), le32(0),
              {0x00, 0x00, 0x00}});
}
inline Bytes response_header(std::uint32_t status) {
  return cat({Bytes(8, 0), le32(1), le32(status), {0x00}, le32(0xFFFFFFFFU), {0x00, 0x00, 0x00}});
}
inline constexpr std::string_view kPolicyNone = "http://opcfoundation.org/UA/SecurityPolicy#None";
inline constexpr std::string_view kPolicyBasic =
    "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256";

inline Bytes hello(std::string_view url) {
  return chunk("HEL", 'F', cat({le32(0), le32(65535), le32(65535), le32(0), le32(0), str(url)}));
}
inline Bytes ack() {
  return chunk("ACK", 'F', cat({le32(0), le32(65535), le32(65535), le32(0), le32(0)}));
}
inline Bytes open_request(std::uint32_t request_id, std::uint32_t mode,
                          std::string_view policy = kPolicyNone) {
  return chunk("OPN", 'F', cat({le32(0), str(policy), null_str(), null_str(), le32(1),
                                le32(request_id), node4(446), request_header(), le32(0), le32(0),
                                le32(mode), null_str(), le32(600000)}));
}
inline Bytes open_response(std::uint32_t request_id, std::uint32_t channel) {
  return chunk("OPN", 'F', cat({le32(channel), str(kPolicyNone), null_str(), null_str(), le32(51),
                                le32(request_id), node4(449), response_header(0), le32(0),
                                le32(channel), le32(1), Bytes(8, 0), le32(600000), null_str()}));
}
// A MSG chunk whose body starts with the service's type id and `rest`.
inline Bytes message(std::uint32_t request_id, std::uint16_t service, const Bytes& rest,
                     char chunk_type = 'F', std::uint32_t channel = 7) {
  return chunk("MSG", chunk_type, cat({le32(channel), le32(1), le32(request_id + 100),
                                       le32(request_id), node4(service), rest}));
}
inline Bytes activate_request(std::uint32_t request_id, std::uint16_t identity) {
  return message(request_id, 467,
                 cat({request_header(), null_str(), null_str(), le32(0xFFFFFFFFU), le32(1),
                      str("en"), node4(identity), {0x01}, str("user"), null_str(),
                      null_str()}));
}

}  // namespace limen::dissect::opcua::test
