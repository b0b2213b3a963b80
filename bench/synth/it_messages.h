#pragma once
// Messages of the IT protocols in the mix, valid enough for tshark and nDPI to dissect them:
// HTTP/1.1, a TLS 1.3 handshake with SNI, DNS over UDP, and SSH up to its NEWKEYS.

#include <cstdint>
#include <string_view>
#include <vector>

#include "rng.h"

namespace limen::bench {

using Bytes = std::vector<std::uint8_t>;

Bytes http_get(std::string_view host, std::string_view path);
// The response headers of a 200 OK carrying content_length bytes of an octet stream.
Bytes http_ok_header(std::uint64_t content_length);

// Record + handshake of a ClientHello offering TLS 1.3 and 1.2, with server_name = sni, ALPN
// h2/http1.1 and an x25519 key share. session_id is 32 bytes.
Bytes tls_client_hello(std::string_view sni, Rng& rng, const Bytes& session_id);
// ServerHello choosing TLS 1.3 (TLS_AES_128_GCM_SHA256), then the compatibility
// ChangeCipherSpec record and `encrypted` bytes of application-data records, which is what the
// encrypted rest of a TLS 1.3 server flight looks like on the wire.
Bytes tls_server_flight(Rng& rng, const Bytes& session_id, std::uint32_t encrypted);
// The client's ChangeCipherSpec and its encrypted Finished.
Bytes tls_client_finished(Rng& rng);
// One application-data record of n encrypted bytes (n <= 16401), e.g. an HTTP/2 request.
Bytes tls_application_data(Rng& rng, std::uint32_t n);

// A recursive query for an A record, and the answer (one A record, or NXDOMAIN).
Bytes dns_query(std::uint16_t id, std::string_view name);
Bytes dns_answer(std::uint16_t id, std::string_view name, std::uint32_t address, bool nxdomain);

// SSH transport (RFC 4253): the version line, KEXINIT, curve25519 key exchange, NEWKEYS.
Bytes ssh_banner(bool server);
Bytes ssh_kexinit(Rng& rng, bool server);
Bytes ssh_ecdh_init(Rng& rng);
Bytes ssh_ecdh_reply(Rng& rng);
Bytes ssh_newkeys(Rng& rng);
// An encrypted packet (aes128-ctr + hmac-sha2-256 sizes) of about `payload` bytes.
Bytes ssh_encrypted(Rng& rng, std::uint32_t payload);

}  // namespace limen::bench
