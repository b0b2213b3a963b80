#include "dissectors/s7comm/s7comm_fields.h"

namespace limen::dissect::s7comm {

static_assert(kFields.size() == static_cast<std::size_t>(S7Field::Count_));
static_assert(kFields.size() <= Transaction::kMaxFields);
static_assert(kFields[field(S7Field::PlusIntegrityProtected)].type == FieldType::Bool);

std::span<const FieldSpec> schema() { return kFields; }

}  // namespace limen::dissect::s7comm
