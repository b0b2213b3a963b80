#pragma once
// Pure decoders for one S7comm PDU (protocol id 0x32) and the header of one S7comm-plus PDU
// (0x72), each from a whole COTP TSDU. No state, no I/O, no allocation: variable parts are spans
// into the input, valid as long as it is. Every length field is hostile: a declared parameter or
// data length past the input gives NeedMore (with the total size the header claims), never a
// read outside it.
//
// S7comm-plus is recognised, not interpreted: version, opcode, function code and sequence number
// are read only when the layout is unambiguous; an integrity-protected PDU (V3, or a digest in
// front of the opcode) says so, and anything else is Invalid "unparseable", never guessed at.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::s7comm {

enum class DecodeStatus : std::uint8_t { Ok, NeedMore, Invalid };

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Ok;
  std::size_t need = 0;     // NeedMore: total bytes the PDU claims
  std::string_view reason;  // NeedMore/Invalid: static text
};

// One S7ANY variable specification of a read_var/write_var job (other syntax ids, e.g. DBREAD or
// NCK addressing, keep only their syntax id).
struct VarItem {
  std::uint8_t syntax_id = 0;
  std::uint8_t transport_size = 0;
  std::uint16_t length = 0;
  std::uint16_t db = 0;
  std::uint8_t area = 0;
  std::uint32_t address = 0;  // bit address (byte * 8 + bit)
};

struct Pdu {
  std::uint8_t rosctr = 0;
  std::uint16_t pdu_ref = 0;
  std::uint16_t param_length = 0;
  std::uint16_t data_length = 0;
  bool has_error = false;  // ack / ack_data carry an error class and code
  std::uint8_t error_class = 0;
  std::uint8_t error_code = 0;
  std::span<const std::uint8_t> params;
  std::span<const std::uint8_t> data;

  // job / ack / ack_data
  bool has_function = false;
  std::uint8_t function = 0;
  std::uint8_t item_count = 0;            // read_var/write_var
  std::span<const std::uint8_t> items;    // job read_var/write_var: the item specifications
  std::uint16_t max_amq_calling = 0;      // setup_communication
  std::uint16_t max_amq_called = 0;
  std::uint16_t pdu_size = 0;
  bool has_block = false;                 // up/download file name "_0A00001P"
  std::uint8_t block_type = 0;
  std::uint32_t block_number = 0;
  std::span<const std::uint8_t> pi_service;    // pi_service/plc_stop: "_INSE", "P_PROGRAM"
  std::span<const std::uint8_t> pi_parameter;  // pi_service parameter block

  // userdata
  std::uint8_t ud_type = 0;  // 0 push, 4 request, 8 response
  std::uint8_t ud_group = 0;
  std::uint8_t ud_subfunction = 0;
  std::uint8_t ud_sequence = 0;
  std::uint16_t ud_error = 0;
  std::uint8_t ud_return_code = 0;
  bool has_szl = false;  // cpu_functions read_szl request or response
  std::uint16_t szl_id = 0;
  std::uint16_t szl_index = 0;
};

DecodeResult decode_pdu(std::span<const std::uint8_t> bytes, Pdu& out);

// Walks the item specifications of a read_var/write_var job.
class ItemIterator {
 public:
  explicit ItemIterator(const Pdu& pdu);
  // False at the end or on a malformed item (then ok() is false).
  bool next(VarItem& item);
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  std::span<const std::uint8_t> rest_;
  std::size_t left_ = 0;
  bool ok_ = true;
};

// Walks the per-item return codes of an ack_data to read_var (code, size, length, value) or
// write_var (one code per item).
class ReturnCodeIterator {
 public:
  explicit ReturnCodeIterator(const Pdu& pdu);
  bool next(std::uint8_t& code);
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  std::span<const std::uint8_t> rest_;
  std::size_t left_ = 0;
  bool with_values_ = false;
  bool ok_ = true;
};

struct PlusPdu {
  std::uint8_t version = 0;
  std::uint16_t data_length = 0;
  bool integrity_protected = false;  // V3, or a digest before the opcode
  bool keep_alive = false;           // version 0xFE: no opcode
  bool has_trailer = false;          // ends with 72 vv 00 00; without it, fragments follow
  std::uint8_t opcode = 0;
  bool has_function = false;         // requests and responses; not notifications
  std::uint16_t function = 0;
  std::uint16_t sequence = 0;
};

DecodeResult decode_plus(std::span<const std::uint8_t> bytes, PlusPdu& out);
// Whether an S7comm-plus TSDU ends with the trailer after its declared data length. A PDU
// longer than the negotiated size is sent as a first TSDU without trailer, then continuation
// TSDUs (header, raw data) up to one with the trailer.
bool plus_has_trailer(std::span<const std::uint8_t> bytes);

}  // namespace limen::dissect::s7comm
