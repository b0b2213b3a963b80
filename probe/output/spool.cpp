#include "probe/output/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace limen::output {
namespace {

constexpr std::uint32_t kMagic = 0x3150534cU;  // "LSP1" read as little-endian bytes
constexpr std::size_t kMaxProbe = 255;
// The largest event a record may hold: larger lengths are damage, not data.
constexpr std::uint32_t kMaxPayload = (1U << 20) + 1 + kMaxProbe;
constexpr std::size_t kBufferBytes = std::size_t{256} << 10;

std::string errno_text() { return std::strerror(errno); }

void put_u32(char* p, std::uint32_t v) { std::memcpy(p, &v, sizeof v); }
void put_u64(char* p, std::uint64_t v) { std::memcpy(p, &v, sizeof v); }
std::uint32_t get_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The checksum covers the header after itself (run, seq, time) and the payload, which follows
// the header in the same buffer.
std::uint64_t checksum(const char* record, std::size_t payload) {
  return XXH3_64bits(record + 16, Spool::kHeaderBytes - 16 + payload);
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, char* data, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

bool parse_segment_name(const std::string& name, std::uint64_t& id) {
  if (name.size() != 20 || name.compare(16, 4, ".seg") != 0) return false;
  id = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    const char c = name[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    id = id << 4 | static_cast<std::uint64_t>(d);
  }
  return true;
}

}  // namespace

bool parse_spool_sync(std::string_view text, SpoolSync& out) {
  if (text == "always") out = SpoolSync::Always;
  else if (text == "interval") out = SpoolSync::Interval;
  else if (text == "never") out = SpoolSync::Never;
  else return false;
  return true;
}

bool parse_spool_full(std::string_view text, SpoolFull& out) {
  if (text == "drop-oldest") out = SpoolFull::DropOldest;
  else if (text == "refuse") out = SpoolFull::Refuse;
  else return false;
  return true;
}

void SpoolLoss::add(std::uint64_t n, std::uint64_t size, std::int64_t first, std::int64_t last) {
  if (n == 0) return;
  if (events == 0 || first < first_us) first_us = first;
  if (events == 0 || last > last_us) last_us = last;
  events += n;
  bytes += size;
}

std::unique_ptr<Spool> Spool::open(const SpoolConfig& config, std::string& error) {
  std::unique_ptr<Spool> s(new Spool(config));
  s->config_.segment_bytes =
      std::max<std::uint64_t>(std::min(config.segment_bytes, config.max_bytes / 4), 64 << 10);
  const std::string where = "spool " + config.dir.string();
  std::error_code ec;
  std::filesystem::create_directories(config.dir, ec);
  if (ec) {
    error = where + ": cannot create it: " + ec.message();
    return nullptr;
  }
  // Events are evidence and may name hosts and users: only the probe's user reads them.
  if (::chmod(config.dir.c_str(), 0700) != 0) {
    error = where + ": cannot restrict its permissions: " + errno_text();
    return nullptr;
  }
  const auto lock_path = config.dir / "lock";
  s->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lock_fd_ < 0) {
    error = where + ": cannot open " + lock_path.string() + ": " + errno_text();
    return nullptr;
  }
  if (::flock(s->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    (void)::pread(s->lock_fd_, holder, sizeof holder - 1, 0);
    std::string pid(holder);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    error = where + ": in use by another process" + (pid.empty() ? "" : " (pid " + pid + ")") +
            "; give each probe its own --spool";
    return nullptr;
  }
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(s->lock_fd_, 0) != 0 || ::pwrite(s->lock_fd_, me.data(), me.size(), 0) < 0) {
    error = where + ": cannot write " + lock_path.string() + ": " + errno_text();
    return nullptr;
  }
  if (!s->recover(error)) {
    error = where + ": " + error;
    return nullptr;
  }
  s->buffer_.reserve(kBufferBytes);
  s->last_sync_ = std::chrono::steady_clock::now();
  return s;
}

Spool::~Spool() {
  sync();
  if (write_fd_ >= 0) ::close(write_fd_);
  if (read_fd_ >= 0) ::close(read_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

std::filesystem::path Spool::segment_path(std::uint64_t id) const {
  char name[24];
  std::snprintf(name, sizeof name, "%016llx.seg", static_cast<unsigned long long>(id));
  return config_.dir / name;
}

bool Spool::recover(std::string& error) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(config_.dir, ec)) {
    std::uint64_t id = 0;
    if (entry.is_regular_file() && parse_segment_name(entry.path().filename().string(), id))
      segments_[id].bytes = entry.file_size();
  }
  if (ec) {
    error = "cannot list it: " + ec.message();
    return false;
  }
  // The acknowledged position; absent (a new spool) or unreadable means "from the start".
  {
    std::ifstream in(config_.dir / "acked");
    std::uint64_t seg = 0, off = 0;
    if (in >> seg >> off) acked_ = {seg, off};
  }
  // Segments before the acknowledged one were confirmed (a crash before their deletion).
  while (!segments_.empty() && segments_.begin()->first < acked_.segment) {
    std::filesystem::remove(segment_path(segments_.begin()->first), ec);
    segments_.erase(segments_.begin());
  }
  if (segments_.empty() || segments_.begin()->first > acked_.segment)
    acked_ = {segments_.empty() ? acked_.segment : segments_.begin()->first, 0};
  // Every record from the acknowledged position on is checked; a segment ends at its first
  // damaged record, and the data past it is cut (it cannot be trusted or even framed).
  for (auto& [id, seg] : segments_) {
    const int fd = ::open(segment_path(id).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      error = "cannot open " + segment_path(id).string() + ": " + errno_text();
      return false;
    }
    std::uint64_t at = id == acked_.segment ? acked_.offset : 0;
    if (at > seg.bytes) at = 0;  // an acknowledged position past the data: check it all
    if (id == acked_.segment) acked_.offset = at;
    std::vector<char> record(kHeaderBytes);
    while (at + kHeaderBytes <= seg.bytes) {
      if (!read_all(fd, record.data(), kHeaderBytes, at) || get_u32(record.data()) != kMagic)
        break;
      const std::uint32_t size = get_u32(record.data() + 4);
      if (size > kMaxPayload || size < 1 || at + kHeaderBytes + size > seg.bytes) break;
      record.resize(kHeaderBytes + size);
      if (!read_all(fd, record.data() + kHeaderBytes, size, at + kHeaderBytes)) break;
      if (checksum(record.data(), size) != get_u64(record.data() + 8)) break;
      if (std::size_t{static_cast<unsigned char>(record[kHeaderBytes])} + 1 > size) break;
      ++pending_events_;
      pending_bytes_ += kHeaderBytes + size;
      at += kHeaderBytes + size;
    }
    if (at < seg.bytes) {
      damaged_bytes_ += seg.bytes - at;
      if (::ftruncate(fd, static_cast<off_t>(at)) != 0) {
        error = "cannot cut the damaged end of " + segment_path(id).string() + ": " + errno_text();
        ::close(fd);
        return false;
      }
      seg.bytes = at;
    }
    ::close(fd);
  }
  recovered_ = pending_events_;
  next_ = acked_;
  // New records go to a new segment: a recovered one is never appended to.
  const std::uint64_t id = segments_.empty() ? acked_.segment : segments_.rbegin()->first + 1;
  if (!open_write_segment(id)) {
    error = error_;
    return false;
  }
  if (segments_.size() == 1) acked_ = next_ = {id, 0};
  delete_confirmed_segments();
  return true;
}

bool Spool::open_write_segment(std::uint64_t id) {
  if (write_fd_ >= 0) {
    if (!flush_buffer()) return false;
    if (config_.sync != SpoolSync::Never) (void)::fdatasync(write_fd_);
    ::close(write_fd_);
  }
  const auto path = segment_path(id);
  write_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (write_fd_ < 0) {
    error_ = "cannot create " + path.string() + ": " + errno_text();
    return false;
  }
  write_segment_ = id;
  write_flushed_ = 0;
  segments_[id].bytes = 0;
  return true;
}

bool Spool::flush_buffer() {
  if (buffer_.empty()) return true;
  if (!write_all(write_fd_, buffer_.data(), buffer_.size())) {
    error_ = "cannot write " + segment_path(write_segment_).string() + ": " + errno_text();
    // What did not reach the file stays buffered; the next flush tries again from its start.
    return false;
  }
  write_flushed_ += buffer_.size();
  buffer_.clear();
  dirty_ = true;
  return true;
}

std::uint64_t Spool::total_bytes() const {
  std::uint64_t n = 0;
  for (const auto& [id, seg] : segments_) n += seg.bytes;
  return n;
}

bool Spool::fits(std::size_t size) const {
  return total_bytes() + kHeaderBytes + 1 + kMaxProbe + size <= config_.max_bytes;
}

bool Spool::append(std::string_view probe, std::uint64_t run, std::uint64_t seq,
                   std::int64_t time_us, std::string_view event) {
  probe = probe.substr(0, kMaxProbe);
  const std::size_t payload = 1 + probe.size() + event.size();
  const std::uint64_t size = kHeaderBytes + payload;
  if (payload > kMaxPayload) {
    lost_.add(1, size, time_us, time_us);
    return false;
  }
  while (total_bytes() + size > config_.max_bytes) {
    if (config_.full == SpoolFull::Refuse || !drop_oldest_segment()) {
      lost_.add(1, size, time_us, time_us);
      return false;
    }
  }
  if (segments_[write_segment_].bytes + size > config_.segment_bytes &&
      segments_[write_segment_].bytes > 0 && !open_write_segment(write_segment_ + 1))
    return false;
  const std::size_t at = buffer_.size();
  buffer_.resize(at + size);
  char* h = buffer_.data() + at;
  char* p = h + kHeaderBytes;
  p[0] = static_cast<char>(probe.size());
  std::memcpy(p + 1, probe.data(), probe.size());
  std::memcpy(p + 1 + probe.size(), event.data(), event.size());
  put_u32(h, kMagic);
  put_u32(h + 4, static_cast<std::uint32_t>(payload));
  put_u64(h + 16, run);
  put_u64(h + 24, seq);
  put_u64(h + 32, static_cast<std::uint64_t>(time_us));
  put_u64(h + 8, checksum(h, payload));
  segments_[write_segment_].bytes += size;
  ++pending_events_;
  pending_bytes_ += size;
  if (config_.sync == SpoolSync::Always) {
    if (!flush_buffer()) return false;
    (void)::fdatasync(write_fd_);
    dirty_ = false;
  } else if (buffer_.size() >= kBufferBytes && !flush_buffer()) {
    return false;
  }
  return true;
}

bool Spool::read_record(Position at, SpoolRecord& out, std::uint64_t& size) {
  const char* base = nullptr;
  if (at.segment == write_segment_ && at.offset >= write_flushed_) {
    const std::uint64_t in_buffer = at.offset - write_flushed_;
    if (in_buffer + kHeaderBytes > buffer_.size()) return false;
    base = buffer_.data() + in_buffer;
    size = kHeaderBytes + get_u32(base + 4);
  } else {
    if (read_fd_segment_ != at.segment) {
      if (read_fd_ >= 0) ::close(read_fd_);
      read_fd_ = ::open(segment_path(at.segment).c_str(), O_RDONLY | O_CLOEXEC);
      read_fd_segment_ = at.segment;
      if (read_fd_ < 0) {
        error_ = "cannot read " + segment_path(at.segment).string() + ": " + errno_text();
        return false;
      }
    }
    read_.resize(kHeaderBytes);
    if (!read_all(read_fd_, read_.data(), kHeaderBytes, at.offset)) return false;
    size = kHeaderBytes + get_u32(read_.data() + 4);
    read_.resize(size);
    if (!read_all(read_fd_, read_.data() + kHeaderBytes, size - kHeaderBytes,
                  at.offset + kHeaderBytes))
      return false;
    base = read_.data();
  }
  const char* p = base + kHeaderBytes;
  const std::size_t probe_len = static_cast<unsigned char>(p[0]);
  out.run = get_u64(base + 16);
  out.seq = get_u64(base + 24);
  out.time_us = static_cast<std::int64_t>(get_u64(base + 32));
  out.probe = std::string_view(p + 1, probe_len);
  out.event = std::string_view(p + 1 + probe_len, size - kHeaderBytes - 1 - probe_len);
  return true;
}

bool Spool::peek(SpoolRecord& out) {
  peeked_ = false;
  while (true) {
    const auto seg = segments_.find(next_.segment);
    if (seg == segments_.end()) return false;
    if (next_.offset < seg->second.bytes) break;
    if (next_.segment == write_segment_) return false;
    const auto later = std::next(seg);
    if (later == segments_.end()) return false;
    next_ = {later->first, 0};
  }
  if (!read_record(next_, out, peeked_size_)) return false;
  peeked_ = true;
  peeked_run_ = out.run;
  peeked_seq_ = out.seq;
  return true;
}

void Spool::advance() {
  if (!peeked_) return;
  peeked_ = false;
  next_.offset += peeked_size_;
  flight_.push_back(InFlight{peeked_run_, peeked_seq_, next_, peeked_size_});
}

bool Spool::acknowledge(std::uint64_t first_run, std::uint64_t first_seq, std::uint64_t run,
                        std::uint64_t seq) {
  if (flight_.empty() || flight_.front().run != first_run || flight_.front().seq != first_seq)
    return false;
  const auto it = std::find_if(flight_.begin(), flight_.end(), [&](const InFlight& f) {
    return f.run == run && f.seq == seq;
  });
  if (it == flight_.end()) return false;
  for (auto f = flight_.begin(); f != std::next(it); ++f) {
    --pending_events_;
    pending_bytes_ -= f->size;
  }
  acked_ = it->end;
  flight_.erase(flight_.begin(), std::next(it));
  acked_dirty_ = true;
  delete_confirmed_segments();
  return true;
}

void Spool::rewind() {
  flight_.clear();
  next_ = acked_;
  peeked_ = false;
}

void Spool::delete_confirmed_segments() {
  // A segment is confirmed when the acknowledged position is past it, or at its end once
  // writing has moved on to a later one.
  while (!segments_.empty()) {
    const auto seg = segments_.begin();
    if (seg->first == write_segment_ || seg->first > acked_.segment) return;
    if (seg->first == acked_.segment) {
      if (acked_.offset < seg->second.bytes) return;
      acked_ = {std::next(seg)->first, 0};  // the write segment at least comes later
      if (next_.segment < acked_.segment) next_ = acked_;
      acked_dirty_ = true;
    }
    if (read_fd_segment_ == seg->first) {
      ::close(read_fd_);
      read_fd_ = -1;
      read_fd_segment_ = UINT64_MAX;
    }
    std::error_code ec;
    std::filesystem::remove(segment_path(seg->first), ec);
    segments_.erase(seg);
  }
}

bool Spool::drop_oldest_segment() {
  if (segments_.empty()) return false;
  std::uint64_t oldest = segments_.begin()->first;
  if (oldest == write_segment_) {
    // The only segment: start a new one, so that the old can go.
    if (segments_[write_segment_].bytes == 0 || !open_write_segment(write_segment_ + 1))
      return false;
    oldest = segments_.begin()->first;
  }
  if (!flush_buffer()) return false;
  // What it held past the acknowledged position is lost: counted, with its time range.
  std::uint64_t n = 0, bytes = 0;
  std::int64_t first = 0, last = 0;
  Position at{oldest, acked_.segment == oldest ? acked_.offset : 0};
  SpoolRecord r;
  std::uint64_t size = 0;
  const std::uint64_t end = segments_[oldest].bytes;
  while (at.offset < end && read_record(at, r, size)) {
    if (n == 0) first = r.time_us;
    last = r.time_us;
    ++n;
    bytes += size;
    at.offset += size;
  }
  lost_.add(n, bytes, first, last);
  pending_events_ -= std::min(pending_events_, n);
  pending_bytes_ -= std::min(pending_bytes_, bytes);
  while (!flight_.empty() && flight_.front().end.segment == oldest) flight_.pop_front();
  if (read_fd_segment_ == oldest) {
    ::close(read_fd_);
    read_fd_ = -1;
    read_fd_segment_ = UINT64_MAX;
  }
  std::error_code ec;
  std::filesystem::remove(segment_path(oldest), ec);
  segments_.erase(oldest);
  const Position moved{segments_.begin()->first, 0};
  if (acked_.segment <= oldest) acked_ = moved;
  if (next_.segment <= oldest) next_ = moved;
  acked_dirty_ = true;
  return true;
}

bool Spool::save_acked() {
  const auto path = config_.dir / "acked";
  const auto part = config_.dir / "acked.part";
  const std::string text = std::to_string(acked_.segment) + " " + std::to_string(acked_.offset) +
                           "\n";
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || !write_all(fd, text.data(), text.size()) ||
      (config_.sync != SpoolSync::Never && ::fdatasync(fd) != 0)) {
    error_ = "cannot write " + part.string() + ": " + errno_text();
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  if (::rename(part.c_str(), path.c_str()) != 0) {
    error_ = "cannot replace " + path.string() + ": " + errno_text();
    return false;
  }
  acked_dirty_ = false;
  return true;
}

void Spool::tick(std::chrono::steady_clock::time_point now) {
  if (now - last_sync_ < config_.sync_interval) return;
  sync();
  last_sync_ = now;
}

void Spool::sync() {
  if (write_fd_ < 0) return;
  (void)flush_buffer();
  if (dirty_ && config_.sync != SpoolSync::Never) (void)::fdatasync(write_fd_);
  dirty_ = false;
  // Recorded after the events are on disk: a crash between the two resends, never skips.
  if (acked_dirty_) (void)save_acked();
}

}  // namespace limen::output
