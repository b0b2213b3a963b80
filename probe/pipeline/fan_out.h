#pragma once
// Which worker a captured frame belongs to, decided before any decoding, so that every worker
// sees all of a flow and nothing of another's: both directions of a flow, every fragment of a
// datagram (fragments after the first carry no ports) and every frame of a GOOSE/SV publisher
// reach the same worker.
//
// The key of an IP packet is a hash of its unordered address pair, not of the 5-tuple: a
// fragmented datagram and the rest of its flow then meet without reassembling before the
// fan-out. The price is that all traffic between two hosts stays on one worker. The key of any
// other Ethernet frame is its source MAC (a GOOSE/SV publisher). Frames with no readable
// address (truncated, unknown link type) all go to the first worker, which counts them.
// Pure functions, no allocation.

#include <cstddef>
#include <cstdint>
#include <span>

#include "dissectors/packet/link_type.h"

namespace limen::pipeline {

// Symmetric: swapping source and destination gives the same key. `seed` spreads keys
// differently per run, so a crafted address pair cannot be aimed at one worker.
[[nodiscard]] std::uint64_t fan_out_key(decode::LinkType link,
                                        std::span<const std::uint8_t> frame,
                                        std::uint64_t seed) noexcept;

// The worker (0 .. workers-1) of a key, for up to 2^32 workers: the high half of the key scaled
// by a multiply, uniform without a division.
[[nodiscard]] inline std::size_t worker_of(std::uint64_t key, std::size_t workers) noexcept {
  return static_cast<std::size_t>(((key >> 32) * static_cast<std::uint64_t>(workers)) >> 32);
}

}  // namespace limen::pipeline
