#include "server/sse.h"

namespace floe::server {
namespace {

std::string WithoutLineBreaks(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '\r' && c != '\n') out += c;
  return out;
}

}  // namespace

std::string FormatSseEvent(const SseEvent& event) {
  std::string out;
  if (!event.id.empty()) out += "id: " + WithoutLineBreaks(event.id) + "\n";
  if (!event.event.empty()) out += "event: " + WithoutLineBreaks(event.event) + "\n";
  if (event.retry_ms) out += "retry: " + std::to_string(*event.retry_ms) + "\n";
  std::string_view data = event.data;
  while (true) {
    size_t end = data.find_first_of("\r\n");
    out += "data: ";
    out += data.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos) break;
    size_t skip = (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1;
    data.remove_prefix(end + skip);
  }
  out += '\n';
  return out;
}

std::string SseHeartbeat() { return ": heartbeat\n\n"; }

HttpResponse SseResponseHead() {
  HttpResponse head;
  head.status = 200;
  head.headers.Set("Content-Type", "text/event-stream; charset=utf-8");
  head.headers.Set("Cache-Control", "no-cache");
  head.headers.Set("X-Accel-Buffering", "no");
  return head;
}

std::optional<std::string> LastEventId(const HttpRequest& request) {
  std::string_view id = request.headers.Get("Last-Event-ID");
  if (id.empty()) return std::nullopt;
  return std::string(id);
}

bool WriteEventOrEndBehind(Responder& stream, std::string event) {
  if (stream.buffered_bytes() + event.size() <= stream.buffer_limit() / 4 * 3) return stream.Write(std::move(event));
  stream.Write(FormatSseEvent(
      {.event = "overflow", .data = "this client fell too far behind; reconnect with Last-Event-ID to go on"}));
  stream.End();
  return false;
}

}  // namespace floe::server
