#include "common/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/wire.h"

namespace limen::curve {
namespace {

constexpr std::size_t kZ85Length = 40;
// A key file is a few lines; anything much larger is not one.
constexpr std::uintmax_t kMaxKeyFileBytes = 4096;
constexpr std::uintmax_t kMaxAllowFileBytes = 16 << 20;

std::string errno_text(int err) { return std::strerror(err); }

bool is_z85_char(char c) {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  return kAlphabet.find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool read_small_file(const std::filesystem::path& file, std::uintmax_t limit, std::string& out,
                     std::string& error) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    error = "cannot read " + file.string() + ": " + ec.message();
    return false;
  }
  if (size > limit) {
    error = file.string() + " is " + std::to_string(size) + " bytes: too large for a key file";
    return false;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "cannot read " + file.string() + ": " + errno_text(errno);
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

// The one key line of a key file: a line of exactly 40 Z85 characters (a Z85 key may itself
// begin with '#', so that test comes before the comment test).
bool parse_key_file(const std::filesystem::path& file, const std::string& text, Key& out,
                    std::string& error) {
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  std::optional<Key> found;
  while (std::getline(lines, line)) {
    ++number;
    const auto t = trim(line);
    if (const auto key = from_z85(t)) {
      if (found) {
        error = file.string() + ":" + std::to_string(number) + ": a second key in one key file";
        return false;
      }
      found = key;
      continue;
    }
    if (t.empty() || t.front() == '#') continue;
    error = file.string() + ":" + std::to_string(number) +
            ": not a key (40 Z85 characters, as written by keygen)";
    return false;
  }
  if (!found) {
    error = file.string() + ": no key in it (40 Z85 characters, as written by keygen)";
    return false;
  }
  out = *found;
  return true;
}

bool write_new_file(const std::filesystem::path& file, const std::string& text, mode_t mode,
                    std::string& error) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    const int err = errno;
    error = err == EEXIST ? file.string() + " already exists; keygen never overwrites a key"
                          : "cannot create " + file.string() + ": " + errno_text(err);
    return false;
  }
  // The mode given to open() is narrowed by the umask only, never widened: set it exactly.
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) {
    error = "cannot write " + file.string() + ": " + errno_text(err);
    std::filesystem::remove(file);
  }
  return ok;
}

}  // namespace

std::string z85(const Key& key) {
  std::array<char, kZ85Length + 1> text{};
  (void)zmq_z85_encode(text.data(), key.data(), key.size());
  return {text.data(), kZ85Length};
}

std::optional<Key> from_z85(std::string_view text) {
  if (text.size() != kZ85Length) return std::nullopt;
  for (const char c : text)
    if (!is_z85_char(c)) return std::nullopt;
  const std::string copy(text);  // zmq_z85_decode wants a terminated string
  Key key{};
  if (zmq_z85_decode(key.data(), copy.c_str()) == nullptr) return std::nullopt;
  return key;
}

bool available(std::string& error) {
  if (zmq_has("curve") != 0) return true;
  error = "this libzmq was built without CURVE security (libsodium)";
  return false;
}

std::optional<KeyPair> new_key_pair(std::string& error) {
  if (!available(error)) return std::nullopt;
  std::array<char, kZ85Length + 1> public_text{}, secret_text{};
  if (zmq_curve_keypair(public_text.data(), secret_text.data()) != 0) {
    error = std::string("cannot make a key pair: ") + zmq_strerror(zmq_errno());
    return std::nullopt;
  }
  return KeyPair{*from_z85(std::string_view(public_text.data(), kZ85Length)),
                 *from_z85(std::string_view(secret_text.data(), kZ85Length))};
}

bool generate(const std::filesystem::path& dir, std::string_view who, std::string& error) {
  if (!available(error)) return false;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      error = "cannot create " + dir.string() + ": " + errno_text(errno);
      return false;
    }
  } else if (!std::filesystem::is_directory(dir, ec)) {
    error = dir.string() + " is not a folder";
    return false;
  }
  const auto secret_file = dir / "secret.key";
  const auto public_file = dir / "public.key";
  for (const auto& f : {secret_file, public_file})
    if (std::filesystem::exists(f, ec)) {
      error = f.string() + " already exists; keygen never overwrites a key";
      return false;
    }
  const auto pair = new_key_pair(error);
  if (!pair) return false;
  const std::string secret = "# " + std::string(who) +
                             " CURVE secret key (Z85). Keep it on this host, readable only by "
                             "its service user.\n" + z85(pair->secret_key) + "\n";
  const std::string pub = "# " + std::string(who) +
                          " CURVE public key (Z85). Give it to the other side.\n" +
                          z85(pair->public_key) + "\n";
  if (!write_new_file(secret_file, secret, 0600, error)) return false;
  if (!write_new_file(public_file, pub, 0644, error)) {
    std::filesystem::remove(secret_file, ec);
    return false;
  }
  return true;
}

bool load_key_pair(const std::filesystem::path& dir, KeyPair& out, std::string& error) {
  if (!available(error)) return false;
  const auto file = dir / "secret.key";
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    error = "cannot read " + file.string() + ": " + errno_text(errno) +
            " (make a key pair with keygen --out " + dir.string() + ")";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = file.string() + " is not a regular file";
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 0777);
    error = file.string() + " is readable or writable by others (mode 0" + mode.str() +
            "); a secret key must be mode 0600: chmod 600 " + file.string();
    return false;
  }
  std::string text;
  Key secret{};
  if (!read_small_file(file, kMaxKeyFileBytes, text, error) ||
      !parse_key_file(file, text, secret, error))
    return false;
  const std::string secret_z85 = z85(secret);
  std::array<char, kZ85Length + 1> public_text{};
  if (zmq_curve_public(public_text.data(), secret_z85.c_str()) != 0) {
    error = file.string() + ": cannot derive the public key: " + zmq_strerror(zmq_errno());
    return false;
  }
  out.secret_key = secret;
  out.public_key = *from_z85(std::string_view(public_text.data(), kZ85Length));
  return true;
}

bool load_public_key(const std::filesystem::path& file, Key& out, std::string& error) {
  std::string text;
  return read_small_file(file, kMaxKeyFileBytes, text, error) &&
         parse_key_file(file, text, out, error);
}

const std::string* AllowList::name_of(const Key& key) const {
  const auto it = names_.find(key);
  return it == names_.end() ? nullptr : &it->second;
}

bool AllowList::add(const std::string& name, const Key& key, std::string& error) {
  if (!wire::valid_probe_name(name)) {
    error = "'" + name + "' is not a probe name (1 to 64 of letters, digits, '.', '_', '-')";
    return false;
  }
  if (const auto* other = name_of(key)) {
    error = "the key of '" + name + "' is already bound to '" + *other + "'";
    return false;
  }
  for (const auto& [k, n] : names_)
    if (n == name) {
      error = "'" + name + "' is listed twice";
      return false;
    }
  names_.emplace(key, name);
  return true;
}

std::optional<AllowList> AllowList::load(const std::filesystem::path& path, std::string& error) {
  AllowList list;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".key" || ext == ".pub")) files.push_back(entry.path());
    }
    if (ec) {
      error = "cannot list " + path.string() + ": " + ec.message();
      return std::nullopt;
    }
    std::sort(files.begin(), files.end());  // the same error whatever the folder's order
    for (const auto& file : files) {
      Key key{};
      if (!load_public_key(file, key, error)) return std::nullopt;
      if (!list.add(file.stem().string(), key, error)) {
        error = file.string() + ": " + error;
        return std::nullopt;
      }
    }
  } else {
    std::string text;
    if (!read_small_file(path, kMaxAllowFileBytes, text, error)) return std::nullopt;
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
      ++number;
      const auto t = trim(line);
      if (t.empty() || t.front() == '#') continue;  // a probe name never begins with '#'
      const auto where = path.string() + ":" + std::to_string(number) + ": ";
      const auto gap = t.find_first_of(" \t");
      const auto key_text = gap == std::string_view::npos ? std::string_view{} : trim(t.substr(gap));
      const auto key = from_z85(key_text);
      if (!key) {
        error = where + "expected 'PROBE_NAME PUBLIC_KEY' (the key: 40 Z85 characters)";
        return std::nullopt;
      }
      if (!list.add(std::string(t.substr(0, gap)), *key, error)) {
        error = where + error;
        return std::nullopt;
      }
    }
  }
  if (list.size() == 0) {
    error = path.string() + ": no probe listed (a file of 'NAME PUBLIC_KEY' lines, or a folder "
            "of NAME.key public key files)";
    return std::nullopt;
  }
  return list;
}

}  // namespace limen::curve
