#include "server/sse.h"

#include <gtest/gtest.h>

namespace floe::server {
namespace {

TEST(SseTest, FormatsIdEventAndMultiLineData) {
  EXPECT_EQ(FormatSseEvent({.id = "7", .event = "log", .data = "one\ntwo\r\nthree\rfour"}),
            "id: 7\nevent: log\ndata: one\ndata: two\ndata: three\ndata: four\n\n");
  EXPECT_EQ(FormatSseEvent({.data = "x"}), "data: x\n\n");
  EXPECT_EQ(FormatSseEvent({.data = ""}), "data: \n\n");
  EXPECT_EQ(FormatSseEvent({.data = "end\n"}), "data: end\ndata: \n\n");
  EXPECT_EQ(FormatSseEvent({.id = "a\nb", .event = "e\r", .data = "d", .retry_ms = 3000}),
            "id: ab\nevent: e\nretry: 3000\ndata: d\n\n");
  EXPECT_EQ(SseHeartbeat(), ": heartbeat\n\n");
}

TEST(SseTest, HeadAndLastEventId) {
  HttpResponse head = SseResponseHead();
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers.Get("content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(head.headers.Get("cache-control"), "no-cache");
  HttpRequest r;
  EXPECT_EQ(LastEventId(r), std::nullopt);
  r.headers.Add("last-event-id", "42");
  EXPECT_EQ(LastEventId(r), "42");
}

// A stream that records what it was given, with a buffer nothing drains.
class RecordingStream final : public Responder {
 public:
  explicit RecordingStream(size_t limit) : limit_(limit) {}
  bool Send(HttpResponse) override { return false; }
  bool StartStream(HttpResponse) override { return true; }
  bool Write(std::string chunk) override {
    if (ended || buffered + chunk.size() > limit_) return false;
    buffered += chunk.size();
    written.push_back(std::move(chunk));
    return true;
  }
  void End() override { ended = true; }
  StreamState state() const override { return ended ? StreamState::kClosed : StreamState::kOpen; }
  size_t buffered_bytes() const override { return buffered; }
  size_t buffer_limit() const override { return limit_; }
  void OnClose(std::function<void()>) override {}

  std::vector<std::string> written;
  size_t buffered = 0;
  bool ended = false;

 private:
  size_t limit_;
};

TEST(SseTest, AClientTooFarBehindIsToldAndTheStreamEnds) {
  RecordingStream stream(1000);
  std::string event = FormatSseEvent({.id = "1", .data = std::string(300, 'x')});
  EXPECT_TRUE(WriteEventOrEndBehind(stream, event));
  EXPECT_TRUE(WriteEventOrEndBehind(stream, event));
  // A third would pass three quarters of the buffer: the client is told instead.
  EXPECT_FALSE(WriteEventOrEndBehind(stream, event));
  ASSERT_EQ(stream.written.size(), 3u);
  EXPECT_NE(stream.written[2].find("event: overflow"), std::string::npos);
  EXPECT_NE(stream.written[2].find("Last-Event-ID"), std::string::npos);
  EXPECT_TRUE(stream.ended);
}

}  // namespace
}  // namespace floe::server
