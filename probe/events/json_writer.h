#pragma once
// JsonWriter: appends JSON text to a reused byte buffer, for the event path. No DOM, no
// per-event string, no allocation once the buffer has grown to the largest event seen.
//
// We write our own rather than take RapidJSON's Writer because events must stay byte-identical
// to those the probe wrote with nlohmann::json (goldens, collector databases, analysts' parsers):
// the same escaping (short escapes, \u00xx for other control characters, UTF-8 passed through),
// the same repair of invalid UTF-8 (each bad sequence becomes U+FFFD) and the same layout of
// doubles, whose digits are the shortest that round-trip (nlohmann's Grisu2 prints one digit
// more in rare cases; both read back as the same value). tests/probe/events/json_writer_test.cpp
// checks all of it against nlohmann.
//
// The writer does no structural checking: the EVE writer's code is the schema, and its tests
// parse every event it can produce.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace limen::events {

// A growable byte buffer that never shrinks: after warm-up, appends do not allocate.
class ByteBuffer {
 public:
  ByteBuffer() = default;
  explicit ByteBuffer(std::size_t reserve) { grow(reserve); }
  ~ByteBuffer();
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  void clear() { size_ = 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] const char* data() const { return data_; }
  [[nodiscard]] char* data() { return data_; }
  [[nodiscard]] std::string_view view() const { return {data_, size_}; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

  // Room for n more bytes; returns where they go (commit them with advance()).
  char* reserve(std::size_t n) {
    if (capacity_ - size_ < n) grow(size_ + n);
    return data_ + size_;
  }
  void advance(std::size_t n) { size_ += n; }
  void push(char c) {
    if (size_ == capacity_) grow(size_ + 1);
    data_[size_++] = c;
  }
  void append(std::string_view s) {
    std::memcpy(reserve(s.size()), s.data(), s.size());
    size_ += s.size();
  }
  // Inserts s at `at` (<= size), moving the tail.
  void insert(std::size_t at, std::string_view s);

 private:
  void grow(std::size_t need);
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Appends s as a JSON string (with quotes), escaped as nlohmann::json dumps it with
// ensure_ascii = false and error_handler_t::replace.
void append_json_string(ByteBuffer& out, std::string_view s);
// Appends a double as nlohmann::json dumps it (shortest round-trip digits; "0.0", "1e-05",
// "1.5e+20"); NaN and infinities become null.
void append_json_double(ByteBuffer& out, double v);
void append_json_uint(ByteBuffer& out, std::uint64_t v);
void append_json_int(ByteBuffer& out, std::int64_t v);

// Object/array punctuation with the commas handled, for code that writes a fixed schema:
//   w.begin_object(); w.key("a"); w.uint(1); w.key("b"); w.string(s); w.end_object();
// Nesting depth is bounded (kMaxDepth): deeper is a bug in the caller.
class JsonWriter {
 public:
  static constexpr std::size_t kMaxDepth = 16;
  explicit JsonWriter(ByteBuffer& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // `name` must not need escaping (field names are ours).
  void key(std::string_view name) {
    // One reservation for the comma, the quotes and the colon: a key is written per field of
    // every event.
    const bool comma = depth_ > 0 && has_member_[depth_ - 1];
    if (depth_ > 0) has_member_[depth_ - 1] = true;
    char* p = out_.reserve(name.size() + 4);
    if (comma) *p++ = ',';
    *p++ = '"';
    if (!name.empty()) std::memcpy(p, name.data(), name.size());
    p += name.size();
    *p++ = '"';
    *p++ = ':';
    out_.advance(static_cast<std::size_t>(p - (out_.data() + out_.size())));
    after_key_ = true;
  }
  void string(std::string_view s) {
    value();
    append_json_string(out_, s);
  }
  // Text known to need no escaping (our own names, formatted numbers and addresses).
  void plain_string(std::string_view s) {
    value();
    out_.push('"');
    out_.append(s);
    out_.push('"');
  }
  void uint(std::uint64_t v) {
    value();
    append_json_uint(out_, v);
  }
  void sint(std::int64_t v) {
    value();
    append_json_int(out_, v);
  }
  void boolean(bool v) {
    value();
    out_.append(v ? "true" : "false");
  }
  void null() {
    value();
    out_.append("null");
  }
  void number(double v) {
    value();
    append_json_double(out_, v);
  }
  // Pre-serialised members ("\"a\":1,\"b\":2") inside the current object.
  void raw_members(std::string_view members) {
    comma();
    out_.append(members);
  }

 private:
  void comma() {
    if (depth_ > 0 && has_member_[depth_ - 1]) out_.push(',');
    if (depth_ > 0) has_member_[depth_ - 1] = true;
  }
  void value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    comma();
  }
  void open(char c) {
    value();
    out_.push(c);
    if (depth_ < kMaxDepth) has_member_[depth_] = false;
    ++depth_;
  }
  void close(char c) {
    --depth_;
    out_.push(c);
  }

  ByteBuffer& out_;
  bool has_member_[kMaxDepth]{};
  std::size_t depth_ = 0;
  bool after_key_ = false;
};

}  // namespace limen::events
