#pragma once
// Checkpointer: copies the store's write-ahead log back into the database file on a thread of
// its own, through a connection of its own, so that the receiver's thread only appends to the
// log. With SQLite's automatic checkpoints the receiver did that copying itself after every
// commit, about half of its disk writes at full ingestion.
//
// Checkpoints are PASSIVE: they never block the receiver's writes, nor a query's reads, and
// copy what no reader still needs. They change nothing in what the database holds, only where
// its pages are, so this thread never touches the receiver's data.

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "collector/sqlite_db.h"

namespace limen::collector {

class Checkpointer {
 public:
  // Opens a second connection to `path` and starts checkpointing every `interval`; on failure
  // returns nullptr with `error` set (the caller then keeps SQLite's automatic checkpoints).
  static std::unique_ptr<Checkpointer> start(const std::string& path,
                                             std::chrono::milliseconds interval,
                                             std::string& error);
  ~Checkpointer();  // stops the thread
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  Checkpointer(Db db, std::chrono::milliseconds interval);
  void loop();

  Db db_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace limen::collector
