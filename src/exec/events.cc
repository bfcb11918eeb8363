#include "exec/events.h"

#include <vector>

namespace floe::exec {

EventBus::Subscription& EventBus::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    bus_ = other.bus_;
    id_ = other.id_;
    other.bus_ = nullptr;
  }
  return *this;
}

void EventBus::Subscription::Reset() {
  if (!bus_) return;
  std::lock_guard lock(bus_->mu_);
  bus_->handlers_.erase(id_);
  bus_ = nullptr;
}

EventBus::Subscription EventBus::Subscribe(Handler handler) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  handlers_.emplace(id, std::move(handler));
  return Subscription(this, id);
}

void EventBus::Publish(const ExecutionEvent& event) {
  std::lock_guard lock(mu_);
  if (handlers_.empty()) return;
  // A handler may subscribe or unsubscribe (itself or another): deliver to
  // those subscribed when the event came that are still subscribed.
  std::vector<uint64_t> ids;
  ids.reserve(handlers_.size());
  for (const auto& entry : handlers_) ids.push_back(entry.first);
  for (uint64_t id : ids) {
    auto it = handlers_.find(id);
    if (it == handlers_.end()) continue;
    Handler handler = it->second;  // survives its own unsubscription
    handler(event);
  }
}

bool EventBus::has_subscribers() const {
  std::lock_guard lock(mu_);
  return !handlers_.empty();
}

}  // namespace floe::exec
