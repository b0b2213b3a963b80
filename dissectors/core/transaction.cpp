#include "dissectors/core/transaction.h"

#include <algorithm>

namespace limen::dissect {

Transaction::Value* Transaction::add(std::uint16_t field, std::uint64_t number) {
  if (count_ == values_.size() || field >= schema_.size()) {
    truncated_ = true;
    return nullptr;
  }
  Value& v = values_[count_++];
  v = Value{};
  v.field = field;
  v.number = number;
  return &v;
}

void Transaction::set_text(std::uint16_t field, std::string_view text) {
  const std::size_t room = text_.size() - text_used_;
  const std::size_t n = std::min(room, text.size());
  if (n < text.size()) truncated_ = true;
  Value* v = add(field, 0);
  if (v == nullptr) return;
  std::copy_n(text.data(), n, text_.data() + text_used_);
  v->text_offset = static_cast<std::uint16_t>(text_used_);
  v->text_length = static_cast<std::uint16_t>(n);
  text_used_ += n;
}

void Transaction::append(std::uint16_t field, std::uint64_t value) {
  if (list_used_ == list_.size()) {
    truncated_ = true;
    return;
  }
  Value* v = nullptr;
  if (count_ > 0 && values_[count_ - 1].field == field &&
      values_[count_ - 1].list_offset + values_[count_ - 1].list_count == list_used_) {
    v = &values_[count_ - 1];
  } else {
    v = add(field, 0);
    if (v == nullptr) return;
    v->list_offset = static_cast<std::uint16_t>(list_used_);
  }
  list_[list_used_++] = value;
  ++v->list_count;
}

const Transaction::Value* Transaction::find(std::uint16_t field) const {
  for (std::size_t i = 0; i < count_; ++i)
    if (values_[i].field == field) return &values_[i];
  return nullptr;
}

}  // namespace limen::dissect
