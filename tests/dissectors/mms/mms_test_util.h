#pragma once
// Helpers for the MMS tests: hex parsing, TPKT/COTP DT and session/presentation wrappers, and
// real frames taken from ../shared/pcaps/ics/IEC61850/Sample_File_MMS_and_GOOSE.pcap (the
// first six MMS frames: connect+initiate, accept, getVariableAccessAttributes and its error,
// read and its response).

#include <cstdint>
#include <string_view>
#include <vector>

namespace limen::dissect::mms::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes hex(std::string_view text) {
  Bytes out;
  auto nibble = [](char c) {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  };
  for (std::size_t i = 0; i + 1 < text.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
  return out;
}

// A TPKT frame holding a class-0 DT TPDU with the given user data.
inline Bytes dt(const Bytes& user, bool eot = true) {
  const std::size_t length = 7 + user.size();
  Bytes out{0x03, 0x00, static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length & 0xFF), 0x02, 0xF0,
            static_cast<std::uint8_t>(eot ? 0x80 : 0x00)};
  out.insert(out.end(), user.begin(), user.end());
  return out;
}

// One BER element with a short-form length (content < 128 bytes).
inline Bytes tlv(std::uint8_t tag, const Bytes& content) {
  Bytes out{tag, static_cast<std::uint8_t>(content.size())};
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// An MMS PDU inside session GT+DT and presentation fully-encoded data (context 3).
inline Bytes wrap(const Bytes& mms) {
  Bytes pdv{0x02, 0x01, 0x03};
  const Bytes value = tlv(0xA0, mms);
  pdv.insert(pdv.end(), value.begin(), value.end());
  Bytes out{0x01, 0x00, 0x01, 0x00};
  const Bytes fully = tlv(0x61, tlv(0x30, pdv));
  out.insert(out.end(), fully.begin(), fully.end());
  return out;
}

inline Bytes tsdu_of(const Bytes& frame) { return {frame.begin() + 7, frame.end()}; }

inline const Bytes kConnect = hex(
    "030000a702f0800d9e0506130100160102140200023302000134020001c188318185a003800101a27e81040000"
    "0001820400000001a423300f0201010604520100013004060251013010020103060528ca220201300406025101"
    "8802060061473045020101a040603e80020780a107060528ca220203be2f282d020103a028a826800300fa0081"
    "010a82010a830105a416800101810305e100820c03a00000000000000000e110");
inline const Bytes kAccept = hex(
    "0300009202f0800e89050613010016010214020002c17b3179a003800101a272830400000001a5123007800100"
    "810251013007800100810251018802060061523050020101a04b614980020780a107060528ca220203a2030201"
    "00a305a103020100be2e282c020103a027a92580027d0081010a820108830105a416800101810305e100820c03"
    "ee0800000400000001ed18");
inline const Bytes kAttributesRequest = hex(
    "0300004202f0800100010061353033020103a02ea02c020304a273a625a023a1211a0e41413145315130314650"
    "324c44301a0f4c4c4e30244252247263625f423032");
inline const Bytes kAttributesError =
    hex("0300002202f0800100010061153013020103a00ea20c800304a273a205a003870102");
inline const Bytes kReadRequest = hex(
    "0300004802f08001000100613b3039020103a034a032020304a274a42ba129a0273025a023a1211a0e41413145"
    "315130314650324c44301a0f4c4c4e30244252247263625f423032");
inline const Bytes kReadResponse =
    hex("0300002202f0800100010061153013020103a00ea10c020304a274a405a10380010a");

}  // namespace limen::dissect::mms::test
