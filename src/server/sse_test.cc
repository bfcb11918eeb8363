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

}  // namespace
}  // namespace floe::server
