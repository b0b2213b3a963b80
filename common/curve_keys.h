#pragma once
// CURVE key files shared by limen-probe and limen-collector: a key pair lives in one folder as
// `secret.key` (mode 0600) and `public.key` (0644), each a text file whose key line is the
// 40-character Z85 form ZeroMQ uses, with `#` comment lines around it. An allow list binds
// probe names to public keys: a file of `NAME PUBLIC_KEY` lines, or a folder of public key files
// named `NAME.key` or `NAME.pub`.
//
// Everything here reports errors as text naming the file (and line); nothing throws. A secret key
// readable by group or others is refused, as ssh refuses such an identity file.

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace limen::curve {

using Key = std::array<std::uint8_t, 32>;

struct KeyPair {
  Key public_key{};
  Key secret_key{};
};

// The 40-character Z85 text of a key.
[[nodiscard]] std::string z85(const Key& key);
// A key from its Z85 text; nullopt unless `text` is exactly 40 Z85 characters.
[[nodiscard]] std::optional<Key> from_z85(std::string_view text);

// False with `error` set when this libzmq was built without CURVE (libsodium).
[[nodiscard]] bool available(std::string& error);

// A new random key pair (libsodium's generator, through libzmq).
[[nodiscard]] std::optional<KeyPair> new_key_pair(std::string& error);

// Writes a new key pair into `dir` (created with mode 0700 when absent). Refuses to overwrite an
// existing secret.key or public.key. `who` goes into the files' comment ("limen-probe" ...).
[[nodiscard]] bool generate(const std::filesystem::path& dir, std::string_view who,
                            std::string& error);

// Reads DIR/secret.key and derives its public key.
[[nodiscard]] bool load_key_pair(const std::filesystem::path& dir, KeyPair& out,
                                 std::string& error);

// Reads a public key file: its one key line.
[[nodiscard]] bool load_public_key(const std::filesystem::path& file, Key& out,
                                   std::string& error);

// Which probe name each allowed public key may write under.
class AllowList {
 public:
  // From a file of `NAME PUBLIC_KEY` lines (`#` comments, blank lines) or a folder of
  // NAME.key / NAME.pub public key files. An invalid name or key, a name or key given twice, or
  // an empty list is an error.
  [[nodiscard]] static std::optional<AllowList> load(const std::filesystem::path& path,
                                                     std::string& error);
  // The probe name bound to `key`, or nullptr when the key is not listed.
  [[nodiscard]] const std::string* name_of(const Key& key) const;
  [[nodiscard]] std::size_t size() const { return names_.size(); }
  // Adds one binding; false with `error` when the name or the key is already bound.
  bool add(const std::string& name, const Key& key, std::string& error);

 private:
  std::map<Key, std::string> names_;
};

}  // namespace limen::curve
