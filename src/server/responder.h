// The answer side of one request: a handler sends a whole response or starts
// a stream (server-sent events), now or later, from any thread.
//
//   server.RouteAsync("GET", "/api/v1/executions/{id}/follow", "Follow an execution",
//                     [&](const HttpRequest& request, std::shared_ptr<Responder> responder) {
//                       responder->StartStream(SseResponseHead());
//                       responder->OnClose([&hub, id = request.PathParam("id")] { hub.Unsubscribe(id); });
//                       hub.Subscribe(request.PathParam("id"), responder);  // later:
//                       responder->Write(FormatSseEvent(...))
//                     });
//
// An interface so API handlers can be tested with a recording fake.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "server/http_message.h"

namespace floe::server {

enum class StreamState {
  kNotStarted,  // no StartStream yet (maybe a plain Send)
  kOpen,        // streaming; Write is accepted
  kOverflowed,  // the client read too slowly and the buffer filled; the connection is being closed
  kClosed,      // ended by End(), by the client going away, or by the server stopping
};

// All members are thread-safe and never block on the network.
class Responder {
 public:
  virtual ~Responder() = default;

  // Sends `response` as the answer. Only the first of Send/StartStream counts;
  // later calls return false and do nothing. Returns true when accepted (the
  // client may still have gone away). A responder destroyed without either
  // answers 500, so a forgetful handler never hangs a connection.
  virtual bool Send(HttpResponse response) = 0;

  // Sends `head`'s status and headers and keeps the response open (chunked
  // transfer encoding); head.body is sent as the first chunk when not empty.
  // The connection closes when the stream ends: a stream is its connection's
  // last response.
  virtual bool StartStream(HttpResponse head) = 0;

  // Queues `chunk` for the client. Returns false without queueing when the
  // stream is not open, or when queueing it would pass the stream's buffer
  // limit: then the state becomes kOverflowed and the connection is closed
  // (the client fell too far behind; it may reconnect with Last-Event-ID).
  virtual bool Write(std::string chunk) = 0;

  // Ends an open stream cleanly (the final chunk, then the connection closes).
  virtual void End() = 0;

  virtual StreamState state() const = 0;

  // Bytes queued for this stream and not yet handed to the kernel, and how
  // many it may hold before it overflows.
  virtual size_t buffered_bytes() const = 0;
  virtual size_t buffer_limit() const = 0;

  // Runs `callback` once when the connection closes for any reason (client
  // gone, overflow, End, server stop); at once if it already has. It runs on
  // an io thread: keep it quick. Replaces an earlier callback.
  virtual void OnClose(std::function<void()> callback) = 0;
};

}  // namespace floe::server
