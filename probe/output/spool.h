#pragma once
// Spool: the on-disk queue of events bound for one collector, kept until the collector
// acknowledges them, across reconnects and restarts of the probe.
//
// Layout: a folder (mode 0700) of segment files `<16 hex digits>.seg` (mode 0600) written in
// order, a file `acked` naming the position after the last acknowledged event (written by
// rename, so it is always whole), and a `lock` held with flock: two processes never share a
// spool. Each record is a 40-byte header (magic, payload length, an XXH3-64 checksum of the rest
// of the header and of the payload, run, seq, time appended) then the probe name and the event.
// Opening checks every record from the acknowledged position on: a segment is cut at its first
// damaged or partial record (a crash in the middle of a write), and what was cut is counted.
//
// Events go out in order: next() hands out the record after the last one handed out; the
// collector's acknowledgement of (run, seq) confirms that record and every earlier one; rewind()
// hands out again everything not confirmed (after a reconnect or a timeout). Segments wholly
// confirmed are deleted. Not thread-safe: it belongs to the output stage's thread.
//
// Bounded: past `max_bytes` the policy either deletes the oldest segment (drop_oldest) or
// refuses the new event (refuse); either way the loss is counted with its size and time range.

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace limen::output {

enum class SpoolSync : std::uint8_t { Always, Interval, Never };
enum class SpoolFull : std::uint8_t { DropOldest, Refuse };

struct SpoolConfig {
  std::filesystem::path dir;
  std::uint64_t max_bytes = std::uint64_t{1} << 30;
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;  // at most max_bytes / 4
  SpoolSync sync = SpoolSync::Interval;
  std::chrono::milliseconds sync_interval{1000};
  SpoolFull full = SpoolFull::DropOldest;
};

// Parses "always" / "interval" / "never" and "drop-oldest" / "refuse".
bool parse_spool_sync(std::string_view text, SpoolSync& out);
bool parse_spool_full(std::string_view text, SpoolFull& out);

struct SpoolRecord {
  std::string_view probe;
  std::uint64_t run = 0, seq = 0;
  std::int64_t time_us = 0;  // wall clock when appended
  std::string_view event;
};

struct SpoolLoss {
  std::uint64_t events = 0, bytes = 0;
  std::int64_t first_us = 0, last_us = 0;  // times appended; 0 when nothing was lost
  void add(std::uint64_t n, std::uint64_t size, std::int64_t first, std::int64_t last);
};

class Spool {
 public:
  // Creates or opens the folder; nullptr with `error` naming the folder and the cause (in use by
  // another process, not writable, damaged beyond reading).
  static std::unique_ptr<Spool> open(const SpoolConfig& config, std::string& error);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // True when an event of `size` bytes fits under the bound without a policy applying.
  [[nodiscard]] bool fits(std::size_t size) const;
  // Appends one event. False when it is not kept: refused by the policy (counted in lost()) or
  // an I/O error (error() says which file).
  bool append(std::string_view probe, std::uint64_t run, std::uint64_t seq, std::int64_t time_us,
              std::string_view event);
  // The next record not yet handed out, valid until the next call; false when there is none.
  bool peek(SpoolRecord& out);
  // The record peek() gave has been sent: the next peek gives the one after.
  void advance();
  // The collector stored the events from (first_run, first_seq) to (run, seq). Accepted only when
  // the first is the oldest event in flight and the last is in flight: an acknowledgement from
  // a later connection must not cover what an earlier one lost. False (ignored) otherwise.
  bool acknowledge(std::uint64_t first_run, std::uint64_t first_seq, std::uint64_t run,
                   std::uint64_t seq);
  // Hands out again, from the first unacknowledged record.
  void rewind();
  // Writes buffered records out, syncs by the policy, records the acknowledged position. Call
  // often (each flush of the output stage); it does work only when due.
  void tick(std::chrono::steady_clock::time_point now);
  // Everything out and synced, the acknowledged position recorded.
  void sync();

  [[nodiscard]] std::uint64_t pending() const { return pending_events_; }  // not acknowledged
  [[nodiscard]] std::uint64_t pending_bytes() const { return pending_bytes_; }
  [[nodiscard]] std::uint64_t in_flight() const { return flight_.size(); }
  [[nodiscard]] std::uint64_t recovered() const { return recovered_; }  // pending at open
  [[nodiscard]] std::uint64_t damaged_bytes() const { return damaged_bytes_; }  // cut at open
  [[nodiscard]] const SpoolLoss& lost() const { return lost_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return config_.dir; }
  [[nodiscard]] const std::string& error() const { return error_; }

  static constexpr std::size_t kHeaderBytes = 40;

 private:
  struct Position {
    std::uint64_t segment = 0, offset = 0;
  };
  struct InFlight {
    std::uint64_t run, seq;
    Position end;  // just after the record
    std::uint64_t size;
  };
  struct Segment {
    std::uint64_t bytes = 0;  // on disk and buffered
  };

  explicit Spool(const SpoolConfig& config) : config_(config) {}
  bool recover(std::string& error);
  bool open_write_segment(std::uint64_t id);
  bool flush_buffer();
  bool drop_oldest_segment();
  void delete_confirmed_segments();
  bool save_acked();
  std::filesystem::path segment_path(std::uint64_t id) const;
  // Reads the record at `at` (from buffer or file) into read_; false at the end of the data.
  bool read_record(Position at, SpoolRecord& out, std::uint64_t& size);
  [[nodiscard]] std::uint64_t total_bytes() const;

  SpoolConfig config_;
  int lock_fd_ = -1;
  int write_fd_ = -1;
  std::uint64_t write_segment_ = 0;
  std::uint64_t write_flushed_ = 0;  // bytes of the write segment on disk
  std::vector<char> buffer_;         // records of the write segment not yet written out
  std::map<std::uint64_t, Segment> segments_;
  Position acked_;  // after the last acknowledged record
  Position next_;   // the next record to hand out
  std::deque<InFlight> flight_;
  std::uint64_t peeked_size_ = 0;
  bool peeked_ = false;
  std::uint64_t peeked_run_ = 0, peeked_seq_ = 0;
  std::uint64_t pending_events_ = 0, pending_bytes_ = 0;
  std::uint64_t recovered_ = 0, damaged_bytes_ = 0;
  SpoolLoss lost_;
  bool dirty_ = false, acked_dirty_ = false;
  std::chrono::steady_clock::time_point last_sync_{};
  std::vector<char> read_;
  int read_fd_ = -1;
  std::uint64_t read_fd_segment_ = UINT64_MAX;
  std::string error_;
};

}  // namespace limen::output
