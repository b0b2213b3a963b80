#pragma once
// IEC 61850 GOOSE (Ethertype 0x88B8) and Sampled Values (Ethertype 0x88BA) constants: the
// Ethertypes, the 8-byte link header, and the BER context tags of goosePdu and savPdu.
// Specification: IEC 61850-8-1 Ed.2 Annex A (GOOSE header and IECGoosePdu ASN.1) and
// IEC 61850-9-2 Ed.2 clause 8.5 (SV header and SavPdu ASN.1); both use ASN.1 BER.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace limen::dissect::goose {

inline constexpr std::uint16_t kEthertypeGoose = 0x88B8;
inline constexpr std::uint16_t kEthertypeSv = 0x88BA;
// APPID, Length, Reserved 1, Reserved 2: the Length counts these 8 bytes too.
inline constexpr std::size_t kHeaderSize = 8;
// Reserved 1, bit 15: the simulation flag of Ed.2 (the rest of Reserved 1/2 must be 0).
inline constexpr std::uint16_t kReservedSimulationBit = 0x8000;

inline constexpr std::uint8_t kTagGoosePdu = 0x61;  // [APPLICATION 1] IMPLICIT SEQUENCE
inline constexpr std::uint8_t kTagSavPdu = 0x60;    // [APPLICATION 0] IMPLICIT SEQUENCE
inline constexpr std::uint8_t kTagSequence = 0x30;  // one ASDU of seqASDU

// goosePdu members, context-specific [0]..[12] in this order (primitive unless noted).
enum class GooseTag : std::uint8_t {
  GocbRef = 0,
  TimeAllowedToLive = 1,
  DatSet = 2,
  GoId = 3,  // OPTIONAL
  Time = 4,  // UtcTime, 8 bytes
  StNum = 5,
  SqNum = 6,
  Simulation = 7,  // "test" in Ed.1
  ConfRev = 8,
  NdsCom = 9,
  NumDatSetEntries = 10,
  AllData = 11,   // constructed: SEQUENCE OF Data
  Security = 12,  // OPTIONAL
};

inline constexpr std::array<std::string_view, 13> kGooseTagNames{
    "gocb_ref", "time_allowed_to_live", "dataset", "go_id", "t", "st_num", "sq_num",
    "simulation", "conf_rev", "nds_com", "num_dat_set_entries", "all_data", "security"};

constexpr std::string_view goose_tag_name(GooseTag t) {
  return kGooseTagNames[static_cast<std::size_t>(t)];
}

// savPdu members and ASDU members, context-specific.
enum class SavTag : std::uint8_t { NoAsdu = 0, Security = 1, SeqAsdu = 2 };
enum class AsduTag : std::uint8_t {
  SvId = 0,
  DatSet = 1,  // OPTIONAL
  SmpCnt = 2,
  ConfRev = 3,
  RefrTm = 4,  // OPTIONAL
  SmpSynch = 5,
  SmpRate = 6,  // OPTIONAL
  Sample = 7,
  SmpMod = 8,  // OPTIONAL
};

inline constexpr std::array<std::string_view, 9> kAsduTagNames{
    "sv_id", "dataset", "smp_cnt", "conf_rev", "refr_tm", "smp_synch", "smp_rate", "sample",
    "smp_mod"};

constexpr std::string_view asdu_tag_name(AsduTag t) {
  return kAsduTagNames[static_cast<std::size_t>(t)];
}

}  // namespace limen::dissect::goose
