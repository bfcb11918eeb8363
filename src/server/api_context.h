// What the REST API's route files work on: the server's runtime, its flows,
// the routes and workers, and the open event streams.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/runtime.h"
#include "server/api_support.h"
#include "server/flow_catalog.h"
#include "server/responder.h"

namespace floe::server {

// Keeps every open event stream alive for proxies and clients with a
// heartbeat comment every `interval`, and counts them.
class StreamKeeper {
 public:
  explicit StreamKeeper(std::chrono::milliseconds interval = std::chrono::seconds(15));
  ~StreamKeeper();
  void Add(std::weak_ptr<Responder> stream);
  size_t open_streams();

 private:
  void Loop();
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::weak_ptr<Responder>> streams_;
  std::thread thread_;
};

struct ApiContext {
  runtime::Runtime& rt;
  FlowCatalog& flows;
  ApiRoutes& routes;
  StreamKeeper& streams;
};

}  // namespace floe::server
