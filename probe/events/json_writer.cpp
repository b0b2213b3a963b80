#include "probe/events/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <new>

namespace limen::events {

ByteBuffer::~ByteBuffer() { std::free(data_); }

void ByteBuffer::grow(std::size_t need) {
  std::size_t cap = capacity_ == 0 ? 256 : capacity_;
  while (cap < need) cap *= 2;
  void* p = std::realloc(data_, cap);
  if (p == nullptr) throw std::bad_alloc();
  data_ = static_cast<char*>(p);
  capacity_ = cap;
}

void ByteBuffer::insert(std::size_t at, std::string_view s) {
  reserve(s.size());
  std::memmove(data_ + at + s.size(), data_ + at, size_ - at);
  std::memcpy(data_ + at, s.data(), s.size());
  size_ += s.size();
}

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid there. `bad_at`
// gets the index of the first byte that makes it invalid (i for a bad lead byte), or s.size()
// when the sequence is cut by the end of the text.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::size_t& bad_at) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;   // overlong
    if (b0 == 0xED) hi = 0x9F;   // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;   // overlong
    if (b0 == 0xF4) hi = 0x8F;   // beyond U+10FFFF
  } else {
    bad_at = i;
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      bad_at = s.size();
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    const bool ok = k == 1 ? b >= lo && b <= hi : b >= 0x80 && b <= 0xBF;
    if (!ok) {
      bad_at = i + k;
      return 0;
    }
  }
  return len;
}

}  // namespace

void append_json_string(ByteBuffer& out, std::string_view s) {
  // Worst case: every byte becomes a 6-byte escape or 3-byte replacement.
  char* p = out.reserve(s.size() * 6 + 2);
  char* const start = p;
  *p++ = '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t bad_at = 0;
      const std::size_t len = utf8_sequence(s, i, bad_at);
      if (len != 0) {
        std::memcpy(p, s.data() + i, len);
        p += len;
        i += len;
        continue;
      }
      // As nlohmann's replace handler: the bytes up to the offending one become one U+FFFD, and
      // the offending byte is read again unless it was the lead byte itself.
      std::memcpy(p, kReplacement.data(), kReplacement.size());
      p += kReplacement.size();
      i = bad_at == i ? i + 1 : bad_at;
      continue;
    }
    switch (c) {
      case '"': *p++ = '\\'; *p++ = '"'; break;
      case '\\': *p++ = '\\'; *p++ = '\\'; break;
      case '\b': *p++ = '\\'; *p++ = 'b'; break;
      case '\f': *p++ = '\\'; *p++ = 'f'; break;
      case '\n': *p++ = '\\'; *p++ = 'n'; break;
      case '\r': *p++ = '\\'; *p++ = 'r'; break;
      case '\t': *p++ = '\\'; *p++ = 't'; break;
      default:
        if (c < 0x20) {
          *p++ = '\\'; *p++ = 'u'; *p++ = '0'; *p++ = '0';
          *p++ = kHex[c >> 4];
          *p++ = kHex[c & 0xF];
        } else {
          *p++ = static_cast<char>(c);
        }
    }
    ++i;
  }
  *p++ = '"';
  out.advance(static_cast<std::size_t>(p - start));
}

void append_json_uint(ByteBuffer& out, std::uint64_t v) {
  char* p = out.reserve(20);
  const auto r = std::to_chars(p, p + 20, v);
  out.advance(static_cast<std::size_t>(r.ptr - p));
}

void append_json_int(ByteBuffer& out, std::int64_t v) {
  char* p = out.reserve(20);
  const auto r = std::to_chars(p, p + 20, v);
  out.advance(static_cast<std::size_t>(r.ptr - p));
}

void append_json_double(ByteBuffer& out, double v) {
  if (!std::isfinite(v)) {
    out.append("null");
    return;
  }
  if (v == 0) {
    out.append(std::signbit(v) ? "-0.0" : "0.0");
    return;
  }
  // Shortest round-trip digits in scientific form, "d.ddde±XX", then nlohmann's layout: plain
  // decimal when the decimal point falls within [-4, 15], exponent form otherwise.
  char sci[32];
  const auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const std::string_view text(sci, static_cast<std::size_t>(r.ptr - sci));
  const std::size_t e = text.find('e');
  std::string_view mantissa = text.substr(0, e);
  int exp10 = 0;
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(), exp10);
  const bool negative = mantissa.front() == '-';
  if (negative) mantissa.remove_prefix(1);
  char digits[24];
  int k = 0;  // number of significant digits
  for (char c : mantissa)
    if (c != '.') digits[k++] = c;
  const int n = exp10 + 1;  // position of the decimal point after the first n digits

  char* p = out.reserve(48);
  char* const start = p;
  if (negative) *p++ = '-';
  if (k <= n && n <= 15) {
    std::memcpy(p, digits, static_cast<std::size_t>(k));
    p += k;
    for (int z = k; z < n; ++z) *p++ = '0';
    *p++ = '.';
    *p++ = '0';
  } else if (0 < n && n <= 15) {
    std::memcpy(p, digits, static_cast<std::size_t>(n));
    p += n;
    *p++ = '.';
    std::memcpy(p, digits + n, static_cast<std::size_t>(k - n));
    p += k - n;
  } else if (-4 < n && n <= 0) {
    *p++ = '0';
    *p++ = '.';
    for (int z = 0; z < -n; ++z) *p++ = '0';
    std::memcpy(p, digits, static_cast<std::size_t>(k));
    p += k;
  } else {
    *p++ = digits[0];
    if (k > 1) {
      *p++ = '.';
      std::memcpy(p, digits + 1, static_cast<std::size_t>(k - 1));
      p += k - 1;
    }
    *p++ = 'e';
    int x = n - 1;
    *p++ = x < 0 ? '-' : '+';
    if (x < 0) x = -x;
    if (x < 10) {
      *p++ = '0';
      *p++ = static_cast<char>('0' + x);
    } else if (x < 100) {
      *p++ = static_cast<char>('0' + x / 10);
      *p++ = static_cast<char>('0' + x % 10);
    } else {
      *p++ = static_cast<char>('0' + x / 100);
      *p++ = static_cast<char>('0' + x / 10 % 10);
      *p++ = static_cast<char>('0' + x % 10);
    }
  }
  out.advance(static_cast<std::size_t>(p - start));
}

}  // namespace limen::events
