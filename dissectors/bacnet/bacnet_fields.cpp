#include "dissectors/bacnet/bacnet_fields.h"

#include <string_view>

namespace limen::dissect::bacnet {
namespace {

// Every entry is named under "bacnet." and no name repeats: checked once, at compile time.
constexpr bool schema_is_well_formed() {
  for (std::size_t i = 0; i < kBacnetFields.size(); ++i) {
    if (!kBacnetFields[i].name.starts_with("bacnet.")) return false;
    for (std::size_t j = i + 1; j < kBacnetFields.size(); ++j)
      if (kBacnetFields[i].name == kBacnetFields[j].name) return false;
  }
  return true;
}
static_assert(schema_is_well_formed());
static_assert(kBacnetFields[field_index(BacnetField::AbortReason)].name == "bacnet.abort_reason");

}  // namespace

std::span<const FieldSpec> bacnet_schema() { return kBacnetFields; }

}  // namespace limen::dissect::bacnet
