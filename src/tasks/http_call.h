// One HTTP call as http.Request and http.Trigger describe it (uri, method,
// body or formData, contentType, headers, options), through libcurl.
//
//   ASSIGN_OR_RETURN(HttpResponse r, SendHttpRequest(ctx));   // reads ctx's properties
//   if (r.code >= 400) ...
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "core/status.h"
#include "flow/registry.h"
#include "flow/task.h"
#include "tmpl/value.h"

namespace floe::tasks {

struct HttpResponse {
  std::string uri;
  std::string method;
  int64_t code = 0;
  tmpl::ValueMap headers;     // lower-cased name -> list of values
  std::string body;           // empty when it went to a file
  int64_t length = 0;         // bytes received
  bool allow_failed = false;  // options.allowFailed: a 4xx or 5xx is an answer, not a failure
};

// Sends the request the context's properties describe and returns the
// answer whatever its status; the caller decides what a 4xx or 5xx means.
// Errors: bad properties (PropertyError), cancellation (kCancelled, when
// ctx.Cancelled()), timeouts (kDeadlineExceeded, naming the options to
// change), an answer over 64 MiB (or options.maxContentLength), and
// transport failures (kIoError). With `body_file` the body is written there
// instead, without the 64 MiB limit.
Result<HttpResponse> SendHttpRequest(flow::TaskContext& ctx, std::ofstream* body_file = nullptr);

// The property schema of the request, for both types' registrations.
std::vector<flow::PropertySpec> HttpRequestProperties();

// http.Trigger (http_trigger.cc); RegisterHttpTasks calls it.
void RegisterHttpTrigger(flow::TaskRegistry& registry);

}  // namespace floe::tasks
