#include "dissectors/mms/mms_fields.h"

#include <string_view>

#include "dissectors/mms/mms_constants.h"

namespace limen::dissect::mms {
namespace {

// Every entry is named under "mms." and no name repeats: checked once, at compile time.
constexpr bool schema_is_well_formed() {
  for (std::size_t i = 0; i < kMmsFields.size(); ++i) {
    if (!kMmsFields[i].name.starts_with("mms.")) return false;
    for (std::size_t j = i + 1; j < kMmsFields.size(); ++j)
      if (kMmsFields[i].name == kMmsFields[j].name) return false;
  }
  return true;
}
static_assert(schema_is_well_formed());
static_assert(kMmsFields[field_index(MmsField::RejectCode)].name == "mms.reject_code");

// The operation table is positional: spot-check that no row slipped.
static_assert(service_operation(4) == Operation::Read);
static_assert(service_operation(26) == Operation::Program);
static_assert(service_operation(40) == Operation::Start);
static_assert(service_operation(41) == Operation::Stop);
static_assert(service_operation(43) == Operation::Restart);
static_assert(service_operation(46) == Operation::File);
static_assert(service_operation(71) == Operation::Discovery);
static_assert(service_operation(77) == Operation::File);
static_assert(service_name(77) == "file_directory" && service_name(40) == "start");

}  // namespace

std::span<const FieldSpec> mms_schema() { return kMmsFields; }

}  // namespace limen::dissect::mms
