// Server-sent events (text/event-stream) framing for Responder streams.
//
//   responder->StartStream(SseResponseHead());
//   responder->Write(FormatSseEvent({.id = "42", .event = "log", .data = "line 1\nline 2"}));
//   responder->Write(SseHeartbeat());  // every ~15 s, so proxies and clients see the stream alive
//
// A reconnecting browser sends the last id it saw as Last-Event-ID; resume
// after it (LastEventId(request)).
#pragma once

#include <optional>
#include <string>

#include "server/http_message.h"
#include "server/responder.h"

namespace floe::server {

struct SseEvent {
  std::string id;               // omitted when empty; CR and LF are removed
  std::string event;            // omitted when empty (the client's default "message"); CR and LF removed
  std::string data;             // split at "\r\n", "\n" or "\r" into one "data:" line each
  std::optional<int> retry_ms;  // the client's reconnection delay
};

// One event, ending with the blank line that dispatches it.
std::string FormatSseEvent(const SseEvent& event);

// A comment line the client ignores: ": heartbeat\n\n".
std::string SseHeartbeat();

// 200 with Content-Type text/event-stream, Cache-Control no-cache and
// X-Accel-Buffering no (so a reverse proxy does not hold events back).
HttpResponse SseResponseHead();

// The request's Last-Event-ID header; nullopt when absent or empty.
std::optional<std::string> LastEventId(const HttpRequest& request);

// Writes `event` (FormatSseEvent's) to an open stream, unless the client has
// fallen so far behind that it would fill more than three quarters of the
// stream's buffer: then the client is told, with an `overflow` event asking
// it to reconnect with Last-Event-ID, and the stream ends. Returns whether
// `event` was written.
bool WriteEventOrEndBehind(Responder& stream, std::string event);

}  // namespace floe::server
