#include "server/api_context.h"

#include "server/sse.h"

namespace floe::server {

StreamKeeper::StreamKeeper(std::chrono::milliseconds interval) : interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

StreamKeeper::~StreamKeeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StreamKeeper::Add(std::weak_ptr<Responder> stream) {
  std::lock_guard lock(mu_);
  streams_.push_back(std::move(stream));
}

size_t StreamKeeper::open_streams() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& w : streams_)
    if (auto s = w.lock(); s && s->state() == StreamState::kOpen) ++n;
  return n;
}

void StreamKeeper::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) break;
    std::vector<std::shared_ptr<Responder>> open;
    std::erase_if(streams_, [&open](const std::weak_ptr<Responder>& w) {
      auto s = w.lock();
      if (!s || s->state() == StreamState::kClosed || s->state() == StreamState::kOverflowed) return true;
      open.push_back(std::move(s));
      return false;
    });
    lock.unlock();
    for (auto& s : open) s->Write(SseHeartbeat());
    open.clear();
    lock.lock();
  }
}

}  // namespace floe::server
