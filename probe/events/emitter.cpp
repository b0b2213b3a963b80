#include "probe/events/emitter.h"

namespace limen::events {

EventEmitter::EventEmitter(std::string probe_name, std::uint64_t run)
    : probe_(std::move(probe_name)), run_(run) {}

void EventEmitter::add_output(std::unique_ptr<output::EventOutput> out) {
  outputs_.push_back(std::move(out));
}

void EventEmitter::emit(Json& event) {
  event["probe"] = probe_;
  event["seq"] = ++seq_;
  // Invalid UTF-8 from the wire (a hostile host name, say) is replaced, never a throw.
  line_ = event.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  for (auto& out : outputs_) out->write(probe_, run_, seq_, line_);
}

void EventEmitter::flush() {
  for (auto& out : outputs_) out->flush();
}

void EventEmitter::close() {
  for (auto& out : outputs_) out->close();
}

}  // namespace limen::events
