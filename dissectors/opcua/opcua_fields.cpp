#include "dissectors/opcua/opcua_fields.h"

#include <string_view>

namespace limen::dissect::opcua {
namespace {

// Every entry is named under "opcua." and no name repeats: checked once, at compile time.
constexpr bool schema_is_well_formed() {
  for (std::size_t i = 0; i < kOpcuaFields.size(); ++i) {
    if (!kOpcuaFields[i].name.starts_with("opcua.")) return false;
    for (std::size_t j = i + 1; j < kOpcuaFields.size(); ++j)
      if (kOpcuaFields[i].name == kOpcuaFields[j].name) return false;
  }
  return true;
}
static_assert(schema_is_well_formed());
static_assert(kOpcuaFields[field_index(OpcuaField::Chunks)].name == "opcua.chunks");

}  // namespace

std::span<const FieldSpec> opcua_schema() { return kOpcuaFields; }

}  // namespace limen::dissect::opcua
