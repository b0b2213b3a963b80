#include "dissectors/goose/goose_fields.h"

#include <string_view>

namespace limen::dissect::goose {
namespace {

// Every entry is named under its prefix and no name repeats: checked once, at compile time.
template <std::size_t N>
constexpr bool well_formed(const std::array<FieldSpec, N>& fields, std::string_view prefix) {
  for (std::size_t i = 0; i < N; ++i) {
    if (!fields[i].name.starts_with(prefix)) return false;
    for (std::size_t j = i + 1; j < N; ++j)
      if (fields[i].name == fields[j].name) return false;
  }
  return true;
}
static_assert(well_formed(kGooseFields, "goose."));
static_assert(well_formed(kSvFields, "sv."));
static_assert(kGooseFields[field_index(GooseField::Heartbeats)].name == "goose.heartbeats");
static_assert(kSvFields[field_index(SvField::SmpSynch)].name == "sv.smp_synch");

}  // namespace

std::span<const FieldSpec> goose_schema() { return kGooseFields; }
std::span<const FieldSpec> sv_schema() { return kSvFields; }

}  // namespace limen::dissect::goose
