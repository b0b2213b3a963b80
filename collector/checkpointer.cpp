#include "collector/checkpointer.h"

#include <pthread.h>

namespace limen::collector {

Checkpointer::Checkpointer(Db db, std::chrono::milliseconds interval)
    : db_(std::move(db)), interval_(interval) {}

std::unique_ptr<Checkpointer> Checkpointer::start(const std::string& path,
                                                  std::chrono::milliseconds interval,
                                                  std::string& error) {
  auto db = Db::open(path, Db::Mode::ReadWriteCreate, error);
  if (!db) return nullptr;
  if (error = db->exec("PRAGMA busy_timeout=5000"); !error.empty()) return nullptr;
  std::unique_ptr<Checkpointer> c(new Checkpointer(std::move(*db), interval));
  c->thread_ = std::thread([raw = c.get()] { raw->loop(); });
  pthread_setname_np(c->thread_.native_handle(), "limen-checkpoint");
  return c;
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    // A failure (the database busy past the timeout) only leaves the log longer until the next.
    (void)db_.exec("PRAGMA wal_checkpoint(PASSIVE)");
    lock.lock();
  }
}

}  // namespace limen::collector
