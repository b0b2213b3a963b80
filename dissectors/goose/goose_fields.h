#pragma once
// The GOOSE and Sampled Values field schemas: two protocols (Protocol::Goose, Protocol::Sv), two
// tables. The rule engine and the JSON writer read transactions through these tables only.
// Invariant: GooseField / SvField values index kGooseFields / kSvFields (checked in the .cpp).

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::goose {

enum class GooseField : std::uint16_t {
  Appid,
  GocbRef,
  Dataset,
  GoId,
  StNum,
  SqNum,
  TimeAllowedToLive,
  ConfRev,
  Simulation,
  Entries,
  NdsCom,
  DataCount,
  TimeUsec,
  Heartbeats,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(GooseField::Count)> kGooseFields{{
    {"goose.appid", FieldType::Uint, "APPID of the link header"},
    {"goose.gocb_ref", FieldType::Text, "GOOSE control block reference (gocbRef)"},
    {"goose.dataset", FieldType::Text, "dataset reference (datSet)"},
    {"goose.go_id", FieldType::Text, "goID, when sent"},
    {"goose.st_num", FieldType::Uint, "state number: increments on every change of the data"},
    {"goose.sq_num", FieldType::Uint, "sequence number of retransmissions of one state"},
    {"goose.time_allowed_to_live", FieldType::Uint, "ms before a subscriber must see the next"},
    {"goose.conf_rev", FieldType::Uint, "configuration revision of the dataset"},
    {"goose.simulation", FieldType::Bool, "simulation/test flag (PDU member or header bit)"},
    {"goose.entries", FieldType::Uint, "numDatSetEntries"},
    {"goose.nds_com", FieldType::Bool, "needs commissioning"},
    {"goose.data_count", FieldType::Uint, "top-level Data elements in allData"},
    {"goose.time_usec", FieldType::Uint, "event time t (last state change), usec since epoch"},
    {"goose.heartbeats", FieldType::Uint, "retransmissions seen of the previous state"},
}};

enum class SvField : std::uint16_t {
  Appid,
  SvId,
  SmpCnt,
  ConfRev,
  Asdus,
  SmpSynch,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(SvField::Count)> kSvFields{{
    {"sv.appid", FieldType::Uint, "APPID of the link header"},
    {"sv.sv_id", FieldType::Text, "sampled value stream id (svID)"},
    {"sv.smp_cnt", FieldType::Uint, "sample counter of the first ASDU seen"},
    {"sv.conf_rev", FieldType::Uint, "configuration revision"},
    {"sv.asdus", FieldType::Uint, "ASDUs per frame (noASDU)"},
    {"sv.smp_synch", FieldType::Uint, "0 unsynchronised, 1 local, 2 global clock"},
}};

// The schemas as the Transaction constructor takes them.
std::span<const FieldSpec> goose_schema();
std::span<const FieldSpec> sv_schema();

constexpr std::uint16_t field_index(GooseField f) { return static_cast<std::uint16_t>(f); }
constexpr std::uint16_t field_index(SvField f) { return static_cast<std::uint16_t>(f); }

}  // namespace limen::dissect::goose
