#include "dissectors/enip/enip_fields.h"

#include <string_view>

namespace limen::dissect::enip {
namespace {

// Every entry is named under "enip." or "cip." and no name repeats: checked at compile time.
constexpr bool schema_is_well_formed() {
  for (std::size_t i = 0; i < kEnipFields.size(); ++i) {
    const auto name = kEnipFields[i].name;
    if (!name.starts_with("enip.") && !name.starts_with("cip.")) return false;
    for (std::size_t j = i + 1; j < kEnipFields.size(); ++j)
      if (name == kEnipFields[j].name) return false;
  }
  return true;
}
static_assert(schema_is_well_formed());
static_assert(kEnipFields[field_index(EnipField::ServicesTruncated)].name ==
              "cip.services_truncated");

}  // namespace

std::span<const FieldSpec> enip_schema() { return kEnipFields; }

}  // namespace limen::dissect::enip
