#include "it_messages.h"

#include <string>

#include "byte_writer.h"

namespace limen::bench {
namespace {

void random_bytes(ByteWriter& w, Rng& rng, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) w.u8(static_cast<std::uint32_t>(rng.next()));
}

// Starts a TLS record and a handshake message; returns the offsets whose lengths end_handshake()
// fills in.
struct Handshake {
  std::size_t record_len;
  std::size_t body_len;
};
Handshake begin_handshake(ByteWriter& w, std::uint32_t record_version, std::uint32_t type) {
  w.u8(0x16);  // handshake record
  w.be16(record_version);
  const std::size_t record_len = w.size();
  w.be16(0);
  w.u8(type);
  const std::size_t body_len = w.size();
  w.be24(0);
  return {record_len, body_len};
}
void end_handshake(ByteWriter& w, const Handshake& h) {
  w.put_be16(h.record_len, w.size() - h.record_len - 2);
  w.put_be24(h.body_len, w.size() - h.body_len - 3);
}
// An extension: type, then a 16-bit length patched when `fill` has written the data.
template <typename Fill>
void extension(ByteWriter& w, std::uint32_t type, Fill fill) {
  w.be16(type);
  const std::size_t at = w.size();
  w.be16(0);
  fill();
  w.put_be16(at, w.size() - at - 2);
}

void change_cipher_spec(ByteWriter& w) {
  w.u8(0x14);
  w.be16(0x0303);
  w.be16(1);
  w.u8(1);
}
void application_data(ByteWriter& w, Rng& rng, std::uint32_t n) {
  w.u8(0x17);
  w.be16(0x0303);
  w.be16(n);
  random_bytes(w, rng, n);
}

void dns_name(ByteWriter& w, std::string_view name) {
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    w.u8(static_cast<std::uint32_t>(label.size()));
    w.str(label);
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  w.u8(0);
}

void ssh_string(ByteWriter& w, std::string_view s) {
  w.be32(static_cast<std::uint32_t>(s.size()));
  w.str(s);
}
void ssh_random_string(ByteWriter& w, Rng& rng, std::uint32_t n) {
  w.be32(n);
  random_bytes(w, rng, n);
}
// Binary packet framing before encryption: length, padding length, payload, 4+ random bytes of
// padding so that the whole is a multiple of 8.
Bytes ssh_packet(Rng& rng, const Bytes& payload) {
  std::size_t padding = 8 - (payload.size() + 5) % 8;
  if (padding < 4) padding += 8;
  Bytes out;
  ByteWriter w(out);
  w.be32(static_cast<std::uint32_t>(payload.size() + padding + 1));
  w.u8(static_cast<std::uint32_t>(padding));
  w.bytes(payload);
  random_bytes(w, rng, padding);
  return out;
}

}  // namespace

Bytes http_get(std::string_view host, std::string_view path) {
  std::string s = "GET ";
  s.append(path);
  s += " HTTP/1.1\r\nHost: ";
  s.append(host);
  s += "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
       "\r\nAccept: */*\r\nAccept-Language: en-GB,en;q=0.5\r\nConnection: keep-alive\r\n\r\n";
  return {s.begin(), s.end()};
}

Bytes http_ok_header(std::uint64_t content_length) {
  std::string s =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Mon, 02 Mar 2026 08:00:00 GMT\r\n"
      "Content-Type: application/octet-stream\r\nContent-Length: ";
  s += std::to_string(content_length);
  s += "\r\nConnection: keep-alive\r\nAccept-Ranges: bytes\r\n\r\n";
  return {s.begin(), s.end()};
}

Bytes tls_client_hello(std::string_view sni, Rng& rng, const Bytes& session_id) {
  Bytes out;
  ByteWriter w(out);
  const Handshake h = begin_handshake(w, 0x0301, 1);
  w.be16(0x0303);
  random_bytes(w, rng, 32);
  w.u8(static_cast<std::uint32_t>(session_id.size()));
  w.bytes(session_id);
  static constexpr std::uint16_t kSuites[] = {0x1301, 0x1303, 0x1302, 0xC02B, 0xC02F, 0xCCA9,
                                              0xCCA8, 0xC02C, 0xC030, 0xC013, 0xC014, 0x009C};
  w.be16(static_cast<std::uint32_t>(2 * std::size(kSuites)));
  for (auto suite : kSuites) w.be16(suite);
  w.u8(1);  // compression methods: null only
  w.u8(0);
  const std::size_t ext_len = w.size();
  w.be16(0);
  extension(w, 0x0000, [&] {  // server_name
    w.be16(static_cast<std::uint32_t>(sni.size() + 3));
    w.u8(0);  // host_name
    w.be16(static_cast<std::uint32_t>(sni.size()));
    w.str(sni);
  });
  extension(w, 0x0017, [] {});             // extended_master_secret
  extension(w, 0xFF01, [&] { w.u8(0); });  // renegotiation_info
  extension(w, 0x000A, [&] {               // supported_groups: x25519, secp256r1, secp384r1
    w.be16(6);
    w.be16(0x001D);
    w.be16(0x0017);
    w.be16(0x0018);
  });
  extension(w, 0x000B, [&] {  // ec_point_formats: uncompressed
    w.u8(1);
    w.u8(0);
  });
  extension(w, 0x0010, [&] {  // ALPN
    w.be16(12);
    w.u8(2);
    w.str("h2");
    w.u8(8);
    w.str("http/1.1");
  });
  extension(w, 0x0033, [&] {  // key_share: one x25519 share
    w.be16(36);
    w.be16(0x001D);
    w.be16(32);
    random_bytes(w, rng, 32);
  });
  extension(w, 0x002B, [&] {  // supported_versions: TLS 1.3, TLS 1.2
    w.u8(4);
    w.be16(0x0304);
    w.be16(0x0303);
  });
  extension(w, 0x000D, [&] {  // signature_algorithms
    static constexpr std::uint16_t kAlgs[] = {0x0403, 0x0804, 0x0401, 0x0503,
                                              0x0805, 0x0501, 0x0806, 0x0601};
    w.be16(static_cast<std::uint32_t>(2 * std::size(kAlgs)));
    for (auto alg : kAlgs) w.be16(alg);
  });
  extension(w, 0x002D, [&] {  // psk_key_exchange_modes: psk_dhe_ke
    w.u8(1);
    w.u8(1);
  });
  w.put_be16(ext_len, w.size() - ext_len - 2);
  end_handshake(w, h);
  return out;
}

Bytes tls_server_flight(Rng& rng, const Bytes& session_id, std::uint32_t encrypted) {
  Bytes out;
  ByteWriter w(out);
  const Handshake h = begin_handshake(w, 0x0303, 2);
  w.be16(0x0303);
  random_bytes(w, rng, 32);
  w.u8(static_cast<std::uint32_t>(session_id.size()));
  w.bytes(session_id);
  w.be16(0x1301);
  w.u8(0);
  const std::size_t ext_len = w.size();
  w.be16(0);
  extension(w, 0x0033, [&] {
    w.be16(0x001D);
    w.be16(32);
    random_bytes(w, rng, 32);
  });
  extension(w, 0x002B, [&] { w.be16(0x0304); });
  w.put_be16(ext_len, w.size() - ext_len - 2);
  end_handshake(w, h);
  change_cipher_spec(w);
  // EncryptedExtensions, Certificate, CertificateVerify and Finished, as one or two records.
  while (encrypted > 0) {
    const std::uint32_t n = encrypted > 16401 ? 16401 : encrypted;
    application_data(w, rng, n);
    encrypted -= n;
  }
  return out;
}

Bytes tls_client_finished(Rng& rng) {
  Bytes out;
  ByteWriter w(out);
  change_cipher_spec(w);
  application_data(w, rng, 53);
  return out;
}

Bytes tls_application_data(Rng& rng, std::uint32_t n) {
  Bytes out;
  ByteWriter w(out);
  application_data(w, rng, n);
  return out;
}

Bytes dns_query(std::uint16_t id, std::string_view name) {
  Bytes out;
  ByteWriter w(out);
  w.be16(id);
  w.be16(0x0100);  // standard query, recursion desired
  w.be16(1);
  w.be16(0);
  w.be16(0);
  w.be16(0);
  dns_name(w, name);
  w.be16(1);  // A
  w.be16(1);  // IN
  return out;
}

Bytes dns_answer(std::uint16_t id, std::string_view name, std::uint32_t address, bool nxdomain) {
  Bytes out;
  ByteWriter w(out);
  w.be16(id);
  w.be16(nxdomain ? 0x8183 : 0x8180);  // response, RD, RA; rcode 3 = NXDOMAIN
  w.be16(1);
  w.be16(nxdomain ? 0 : 1);
  w.be16(0);
  w.be16(0);
  dns_name(w, name);
  w.be16(1);
  w.be16(1);
  if (!nxdomain) {
    w.be16(0xC00C);  // pointer to the question's name
    w.be16(1);
    w.be16(1);
    w.be32(300);
    w.be16(4);
    w.be32(address);
  }
  return out;
}

Bytes ssh_banner(bool server) {
  const std::string_view s = server ? "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
                                    : "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n";
  return {s.begin(), s.end()};
}

Bytes ssh_kexinit(Rng& rng, bool server) {
  Bytes payload;
  ByteWriter w(payload);
  w.u8(20);  // SSH_MSG_KEXINIT
  random_bytes(w, rng, 16);
  ssh_string(w, server ? "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256"
                       : "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
                         "ext-info-c");
  ssh_string(w, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
  for (int dir = 0; dir < 2; ++dir) ssh_string(w, "aes128-ctr,aes256-ctr");
  for (int dir = 0; dir < 2; ++dir) ssh_string(w, "hmac-sha2-256,hmac-sha2-512");
  for (int dir = 0; dir < 2; ++dir) ssh_string(w, "none,zlib@openssh.com");
  ssh_string(w, "");
  ssh_string(w, "");
  w.u8(0);  // first_kex_packet_follows
  w.be32(0);
  return ssh_packet(rng, payload);
}

Bytes ssh_ecdh_init(Rng& rng) {
  Bytes payload;
  ByteWriter w(payload);
  w.u8(30);  // SSH_MSG_KEX_ECDH_INIT
  ssh_random_string(w, rng, 32);
  return ssh_packet(rng, payload);
}

Bytes ssh_ecdh_reply(Rng& rng) {
  Bytes payload;
  ByteWriter w(payload);
  w.u8(31);    // SSH_MSG_KEX_ECDH_REPLY
  w.be32(51);  // host key blob: string "ssh-ed25519", string key
  ssh_string(w, "ssh-ed25519");
  ssh_random_string(w, rng, 32);
  ssh_random_string(w, rng, 32);  // server's ephemeral public key
  w.be32(83);                     // signature blob: string "ssh-ed25519", string signature
  ssh_string(w, "ssh-ed25519");
  ssh_random_string(w, rng, 64);
  return ssh_packet(rng, payload);
}

Bytes ssh_newkeys(Rng& rng) {
  return ssh_packet(rng, Bytes{21});
}

Bytes ssh_encrypted(Rng& rng, std::uint32_t payload) {
  // Ciphertext of a whole number of 16-byte blocks, then a 32-byte MAC.
  const std::uint32_t blocks = (payload + 5 + 4 + 15) / 16;
  Bytes out;
  ByteWriter w(out);
  random_bytes(w, rng, 16 * std::size_t{blocks} + 32);
  return out;
}

}  // namespace limen::bench
