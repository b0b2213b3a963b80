#include "dissectors/iec104/iec104_fields.h"

#include <string_view>

namespace limen::dissect::iec104 {
namespace {

// Every entry is named under "iec104." and no name repeats: checked once, at compile time.
constexpr bool schema_is_well_formed() {
  for (std::size_t i = 0; i < kIec104Fields.size(); ++i) {
    if (!kIec104Fields[i].name.starts_with("iec104.")) return false;
    for (std::size_t j = i + 1; j < kIec104Fields.size(); ++j)
      if (kIec104Fields[i].name == kIec104Fields[j].name) return false;
  }
  return true;
}
static_assert(schema_is_well_formed());
static_assert(kIec104Fields[field_index(Iec104Field::Select)].name == "iec104.select");

}  // namespace

std::span<const FieldSpec> iec104_schema() { return kIec104Fields; }

}  // namespace limen::dissect::iec104
