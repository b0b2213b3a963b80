#pragma once
// Transaction: what an application dissector reports — one typed operation, such as "write 4
// registers on unit 1" — as a protocol, a normalised Operation and a list of fields described by
// the protocol's schema. The rule engine and the JSON writer read fields through the schema, so
// no per-protocol glue exists outside the protocol's own folder.
//
// A Transaction is built on the stack by a session at the moment it is reported and is handed to
// the sink synchronously: it owns copies of its text (bounded), so it may outlive the packet
// bytes it came from only for the duration of the sink call. No heap allocation.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dissectors/core/operation.h"

namespace limen::dissect {

// Same numbering as flow::Direction: 0 from the client (initiator), 1 from the server.
enum class Direction : std::uint8_t { ToServer = 0, ToClient = 1 };

enum class Protocol : std::uint8_t {
  Modbus, Dnp3, Iec104, S7comm, Enip, Bacnet, Opcua, Mms, Goose, Sv, Mqtt
};
inline constexpr std::array<std::string_view, 11> kProtocolNames{
    "modbus", "dnp3", "iec104", "s7comm", "enip", "bacnet", "opcua", "mms", "goose", "sv", "mqtt"};
constexpr std::string_view protocol_name(Protocol p) {
  return kProtocolNames[static_cast<std::size_t>(p)];
}

enum class FieldType : std::uint8_t {
  Uint,      // unsigned integer (codes, addresses, counts)
  Int,       // signed integer
  Bool,
  Text,      // names and strings (a code's name such as "read_holding_registers", a topic)
  UintList,  // bounded list of unsigned values (written registers, object groups)
};

// One field a protocol publishes: `name` is the full name used in rules and (split at the first
// '.') in JSON, e.g. "modbus.function_code" -> {"modbus": {"function_code": ...}}.
struct FieldSpec {
  std::string_view name;
  FieldType type;
  std::string_view doc;
};

class TransactionView;

class Transaction {
 public:
  static constexpr std::size_t kMaxFields = 48;
  static constexpr std::size_t kMaxListValues = 128;
  static constexpr std::size_t kTextBytes = 1024;

  struct Value {
    std::uint16_t field = 0;         // index into the schema
    std::uint64_t number = 0;        // Uint, Bool (0/1), Int (two's complement)
    std::uint16_t text_offset = 0;   // Text: bytes in text storage
    std::uint16_t text_length = 0;
    std::uint16_t list_offset = 0;   // UintList: values in list storage
    std::uint16_t list_count = 0;
  };

  Transaction(Protocol protocol, std::span<const FieldSpec> schema)
      : protocol_(protocol), schema_(schema) {}

  [[nodiscard]] Protocol protocol() const { return protocol_; }
  [[nodiscard]] std::span<const FieldSpec> schema() const { return schema_; }
  Operation operation = Operation::Unknown;
  bool has_request = false;   // a request was seen (client -> server)
  bool has_response = false;  // a response was seen (server -> client)
  // Set when a bound was hit (too many fields, list values or text): the event says so.
  [[nodiscard]] bool truncated() const { return truncated_; }

  void set_uint(std::uint16_t field, std::uint64_t v) { add(field, v); }
  void set_int(std::uint16_t field, std::int64_t v) { add(field, static_cast<std::uint64_t>(v)); }
  void set_bool(std::uint16_t field, bool v) { add(field, v ? 1U : 0U); }
  // Copies the text (cut at the storage bound; the cut is recorded as truncation).
  void set_text(std::uint16_t field, std::string_view text);
  // Appends to the field's list, creating it on first use; values of one list must be appended
  // without another list in between.
  void append(std::uint16_t field, std::uint64_t v);

  [[nodiscard]] std::span<const Value> values() const { return {values_.data(), count_}; }
  [[nodiscard]] const Value* find(std::uint16_t field) const;
  [[nodiscard]] std::string_view text(const Value& v) const {
    return {text_.data() + v.text_offset, v.text_length};
  }
  [[nodiscard]] std::span<const std::uint64_t> list(const Value& v) const {
    return {list_.data() + v.list_offset, v.list_count};
  }
  [[nodiscard]] TransactionView view() const;

 private:
  Value* add(std::uint16_t field, std::uint64_t number);

  Protocol protocol_;
  std::span<const FieldSpec> schema_;
  std::array<Value, kMaxFields> values_{};
  std::size_t count_ = 0;
  std::array<char, kTextBytes> text_{};
  std::size_t text_used_ = 0;
  std::array<std::uint64_t, kMaxListValues> list_{};
  std::size_t list_used_ = 0;
  bool truncated_ = false;
};

// A read-only view of a transaction's content wherever it is stored: in the Transaction a
// session built on its stack, or in the compact copy a worker keeps until it has judged and
// written it. Rules and the event writer read transactions through it.
class TransactionView {
 public:
  using Value = Transaction::Value;
  struct Parts {
    Protocol protocol;
    std::span<const FieldSpec> schema;
    Operation operation;
    bool has_request;
    bool has_response;
    bool truncated;
    std::span<const Value> values;
    const char* text;
    const std::uint64_t* list;
  };
  explicit TransactionView(const Parts& parts) : p_(parts) {}
  // NOLINTNEXTLINE(google-explicit-constructor): a Transaction is read wherever a view is.
  TransactionView(const Transaction& t) : TransactionView(t.view()) {}

  [[nodiscard]] Protocol protocol() const { return p_.protocol; }
  [[nodiscard]] std::span<const FieldSpec> schema() const { return p_.schema; }
  [[nodiscard]] Operation operation() const { return p_.operation; }
  [[nodiscard]] bool has_request() const { return p_.has_request; }
  [[nodiscard]] bool has_response() const { return p_.has_response; }
  [[nodiscard]] bool truncated() const { return p_.truncated; }
  [[nodiscard]] std::span<const Value> values() const { return p_.values; }
  [[nodiscard]] const Value* find(std::uint16_t field) const {
    for (const Value& v : p_.values)
      if (v.field == field) return &v;
    return nullptr;
  }
  [[nodiscard]] std::string_view text(const Value& v) const {
    return {p_.text + v.text_offset, v.text_length};
  }
  [[nodiscard]] std::span<const std::uint64_t> list(const Value& v) const {
    return {p_.list + v.list_offset, v.list_count};
  }
  [[nodiscard]] const Parts& parts() const { return p_; }

 private:
  Parts p_;
};

inline TransactionView Transaction::view() const {
  return TransactionView(TransactionView::Parts{protocol_, schema_, operation, has_request,
                                                has_response, truncated_, values(), text_.data(),
                                                list_.data()});
}

// Malformed input is data, never an exception: an anomaly is the right protocol with odd
// content; a violation means the bytes are probably not this protocol at all.
struct Anomaly {
  Protocol protocol;
  Direction direction;
  std::string_view reason;  // static text, e.g. "MBAP length 0"
  bool violation = false;
};

// Where sessions report. Called synchronously; the arguments are valid only during the call.
class TransactionSink {
 public:
  virtual void on_transaction(const Transaction& transaction) = 0;
  virtual void on_anomaly(const Anomaly& anomaly) = 0;

 protected:
  ~TransactionSink() = default;
};

// Every application session (one per flow, kept inline in the flow's state) has this shape:
//
//   // In-order stream bytes of one direction, from the TCP reassembler (or one UDP payload).
//   // Returns how many leading bytes were consumed; the rest is presented again, with more data
//   // appended, on the next call. A session never buffers payload itself.
//   std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
//                       TransactionSink& sink);
//   // `length` bytes of this direction were never seen (capture loss); resynchronise.
//   void on_gap(Direction dir, std::size_t length);
//   // The flow ended: report requests still waiting for a response.
//   void on_close(Timestamp ts, TransactionSink& sink);

}  // namespace limen::dissect
