#include "server/webhook_route.h"

#include <mutex>
#include <set>

#include "server/execution_json.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

// name -> list of values, names in the order first seen.
tmpl::Value Multimap(const std::vector<std::pair<std::string, std::string>>& pairs) {
  tmpl::ValueMap out;
  for (const auto& [name, value] : pairs) {
    if (tmpl::Value* list = out.Find(name)) {
      list->MutableList().push_back(tmpl::Value(value));
    } else {
      out.Set(name, tmpl::Value(tmpl::ValueList{tmpl::Value(value)}));
    }
  }
  return tmpl::Value(std::move(out));
}

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kFailedPrecondition:  // the trigger's conditions do not hold
      return 409;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kInvalidArgument:
      return 400;
    default:
      return 500;
  }
}

// Whether any of the flow's webhook triggers waits for the execution to end:
// then the answer needs a subscription taken before firing.
bool MayWait(const triggers::Scheduler& scheduler, const std::string& ns, const std::string& flow_id) {
  auto flow = scheduler.FindFlow(ns, flow_id);
  if (!flow) return false;
  for (const auto& t : flow->triggers)
    if (t.webhook && t.webhook->wait) return true;
  return false;
}

// One request waiting for its execution to end. The subscription is taken
// before the webhook fires (an execution may end before FireWebhook returns);
// until the id is known, ended executions of the flow are remembered.
struct Waiter {
  state::Store* store = nullptr;
  std::shared_ptr<Responder> responder;
  std::string ns, flow_id;

  std::mutex mu;
  std::string id;  // set once FireWebhook returned
  bool return_outputs = false;
  std::set<std::string> ended;  // ended executions of the flow while the id was unknown
  bool answered = false;

  std::mutex sub_mu;  // guards `sub` only; never held while taking the bus's lock
  exec::EventBus::Subscription sub;

  // Drops the subscription. Moves it out under sub_mu and resets it after,
  // so sub_mu is never held while waiting for the bus's lock.
  void Release() {
    exec::EventBus::Subscription local;
    {
      std::lock_guard lock(sub_mu);
      local = std::move(sub);
    }
    local.Reset();
  }

  void Answer(const std::string& execution_id, bool outputs) {
    auto execution = store->GetExecution(execution_id);
    if (!execution.ok()) {
      responder->Send(HttpResponse::JsonError(500, execution.status().ToString()));
    } else {
      tmpl::Value body = outputs ? ExecutionOutputs(*execution) : ExecutionJson(*execution);
      responder->Send(HttpResponse::Json(200, tmpl::ToJson(body)));
    }
  }
};

}  // namespace

triggers::WebhookCall MakeWebhookCall(const HttpRequest& request) {
  triggers::WebhookCall call;
  call.method = request.method;
  if (request.body.empty()) {
    call.body = tmpl::Value();
  } else if (auto parsed = tmpl::ParseJson(request.body); parsed.ok()) {
    call.body = *parsed;
  } else {
    call.body = tmpl::Value(request.body);
  }
  call.headers = Multimap(request.headers.entries());
  call.parameters = Multimap(request.query);
  return call;
}

Status AddWebhookRoutes(HttpServer& http, const std::string& prefix, triggers::Scheduler& scheduler,
                        state::Store& store, exec::EventBus& events) {
  auto handler = [&scheduler, &store, &events](const HttpRequest& request, std::shared_ptr<Responder> responder) {
    if (std::string tenant = request.PathParam("tenant"); !tenant.empty() && tenant != "main") {
      responder->Send(HttpResponse::JsonError(404, "unknown tenant '" + tenant + "' (floe serves one tenant: main)"));
      return;
    }
    std::string ns = request.PathParam("namespace");
    std::string flow_id = request.PathParam("flowId");
    std::string key = request.PathParam("key");
    std::shared_ptr<Waiter> waiter;
    if (MayWait(scheduler, ns, flow_id)) {
      waiter = std::make_shared<Waiter>();
      waiter->store = &store;
      waiter->responder = responder;
      waiter->ns = ns;
      waiter->flow_id = flow_id;
      // The handler keeps the waiter alive until Release (answered, failed
      // to fire, or the connection closed) drops the subscription.
      auto sub = events.Subscribe([w = waiter](const exec::ExecutionEvent& e) {
        if (e.kind != exec::ExecutionEvent::Kind::kExecutionState || !state::IsTerminal(e.execution.state)) return;
        if (e.execution.namespace_ != w->ns || e.execution.flow_id != w->flow_id) return;
        bool outputs = false;
        {
          std::lock_guard lock(w->mu);
          if (w->answered) return;
          if (w->id.empty()) {
            w->ended.insert(e.execution.id);
            return;
          }
          if (e.execution.id != w->id) return;
          w->answered = true;
          outputs = w->return_outputs;
        }
        w->Answer(e.execution.id, outputs);
        w->Release();
      });
      {
        std::lock_guard lock(waiter->sub_mu);
        waiter->sub = std::move(sub);
      }
      responder->OnClose([weak = std::weak_ptr<Waiter>(waiter)] {
        if (auto w = weak.lock()) w->Release();
      });
    }
    auto started = scheduler.FireWebhook(ns, flow_id, key, MakeWebhookCall(request));
    if (!started.ok()) {
      if (waiter) waiter->Release();
      responder->Send(HttpResponse::JsonError(HttpStatusFor(started.status()), started.status().ToString()));
      return;
    }
    if (started->wait && waiter) {
      bool ended_already = false;
      {
        std::lock_guard lock(waiter->mu);
        waiter->id = started->execution_id;
        waiter->return_outputs = started->return_outputs;
        ended_already = waiter->ended.count(waiter->id) > 0;
        if (ended_already) waiter->answered = true;
      }
      if (ended_already) {
        waiter->Answer(started->execution_id, started->return_outputs);
        waiter->Release();
      }
      return;
    }
    if (waiter) waiter->Release();
    auto execution = store.GetExecution(started->execution_id);
    if (!execution.ok()) {
      responder->Send(HttpResponse::JsonError(500, execution.status().ToString()));
      return;
    }
    responder->Send(HttpResponse::Json(200, tmpl::ToJson(ExecutionJson(*execution))));
  };
  std::string pattern = prefix + "/executions/webhook/{namespace}/{flowId}/{key}";
  for (const char* method : {"GET", "POST", "PUT"})
    RETURN_IF_ERROR(http.RouteAsync(method, pattern, "Fire a flow's Webhook trigger", handler));
  return Status::Ok();
}

}  // namespace floe::server
