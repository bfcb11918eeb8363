#include "server/triggers_api.h"

#include "flow/yaml_node.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

Result<state::TriggerKey> KeyOf(const Value& body) {
  auto text = [&](const char* name) -> std::string {
    const Value* v = body.is_map() ? body.Get(name) : nullptr;
    return v && v->is_string() ? v->AsString() : "";
  };
  state::TriggerKey key{text("namespace"), text("flowId"), text("triggerId")};
  if (key.namespace_.empty() || key.flow_id.empty() || key.trigger_id.empty())
    return InvalidArgument("a trigger is named by \"namespace\", \"flowId\" and \"triggerId\"");
  return key;
}

Result<Value> JsonBody(const HttpRequest& q) {
  auto body = tmpl::ParseJson(q.body);
  if (!body.ok()) return InvalidArgument("the body must be JSON: " + body.status().message());
  return *body;
}

std::string Name(const state::TriggerKey& k) { return k.namespace_ + "." + k.flow_id + "." + k.trigger_id; }

class TriggerRoutes {
 public:
  TriggerRoutes(ApiContext& api, triggers::Scheduler& scheduler)
      : api_(api), store_(api.rt.store()), scheduler_(scheduler) {}

  Status Add() {
    ApiRoutes& r = api_.routes;
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/triggers/search", "Search triggers with their state, paged",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  return Search(q, q.QueryValue("namespace").value_or(""),
                                                q.QueryValue("flowId").value_or(""), true);
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/triggers/{namespace}/{flowId}", "A flow's triggers' states, paged",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  return Search(q, q.PathParam("namespace"), q.PathParam("flowId"), false);
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "PUT", "/triggers", "Enable or disable a trigger, or start its backfill",
                                [this](const HttpRequest& q) { return Update(q); }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/triggers/{namespace}/{flowId}/{triggerId}/unlock",
                                "Free a trigger's lease (409 when none is held)",
                                [this](const HttpRequest& q) { return Unlock(q, true); }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/triggers/{namespace}/{flowId}/{triggerId}/restart",
                                "Free a trigger's lease so it is evaluated afresh",
                                [this](const HttpRequest& q) { return Unlock(q, false); }));
    for (bool pause : {true, false}) {
      RETURN_IF_ERROR(AddApiRoute(r, "PUT", pause ? "/triggers/backfill/pause" : "/triggers/backfill/unpause",
                                  pause ? "Pause a trigger's backfill" : "Let a paused backfill go on",
                                  [this, pause](const HttpRequest& q) -> Result<HttpResponse> {
                                    ASSIGN_OR_RETURN(Value body, JsonBody(q));
                                    ASSIGN_OR_RETURN(state::TriggerKey key, KeyOf(body));
                                    ASSIGN_OR_RETURN(auto backfill, store_.GetBackfill(key));
                                    if (!backfill) return InvalidArgument("trigger " + Name(key) + " has no backfill");
                                    RETURN_IF_ERROR(store_.SetBackfillPaused(key, pause));
                                    return One(key);
                                  }));
    }
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/triggers/backfill/delete", "Remove a trigger's backfill",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(Value body, JsonBody(q));
                                  ASSIGN_OR_RETURN(state::TriggerKey key, KeyOf(body));
                                  ASSIGN_OR_RETURN(bool deleted, store_.DeleteBackfill(key));
                                  if (!deleted) return InvalidArgument("trigger " + Name(key) + " has no backfill");
                                  return One(key);
                                }));
    return AddApiRoute(r, "POST", "/triggers/set-disabled/by-triggers",
                       "Enable or disable several triggers ({\"triggers\": [...], \"disabled\"})",
                       [this](const HttpRequest& q) -> Result<HttpResponse> {
                         ASSIGN_OR_RETURN(Value body, JsonBody(q));
                         const Value* list = body.is_map() ? body.Get("triggers") : nullptr;
                         const Value* disabled = body.is_map() ? body.Get("disabled") : nullptr;
                         if (!list || !list->is_list() || !disabled || !disabled->is_bool())
                           return InvalidArgument("the body is {\"triggers\": [...], \"disabled\": true|false}");
                         std::vector<state::TriggerKey> keys;
                         for (const Value& item : list->AsList()) {
                           ASSIGN_OR_RETURN(state::TriggerKey key, KeyOf(item));
                           ASSIGN_OR_RETURN(auto t, store_.GetTrigger(key));
                           if (!t) return NotFound("no trigger " + Name(key));
                           keys.push_back(key);
                         }
                         for (const auto& key : keys)
                           RETURN_IF_ERROR(store_.SetTriggerEnabled(key, !disabled->AsBool(), SystemClock().Now()));
                         return JsonResponse(200, Value::MakeMap({{"count", static_cast<int64_t>(keys.size())}}));
                       });
  }

 private:
  Result<HttpResponse> One(const state::TriggerKey& key) {
    ASSIGN_OR_RETURN(auto t, store_.GetTrigger(key));
    if (!t) return NotFound("no trigger " + Name(key));
    ASSIGN_OR_RETURN(auto backfill, store_.GetBackfill(key));
    return JsonResponse(200, TriggerJson(*t, backfill, SystemClock().Now()));
  }

  // The trigger as the flow declares it: its YAML as JSON.
  Value Declared(const state::TriggerKey& key) {
    auto f = api_.flows.Find(key.namespace_, key.flow_id);
    if (!f) return Value();
    std::vector<Status> ignored;
    auto doc = flow::ParseYaml(f->source, f->source_path, flow::FlowTemplateEnvironment(), &ignored);
    const flow::YamlNode* list = doc.ok() ? doc->Find("triggers") : nullptr;
    if (list && list->is_sequence())
      for (const auto& item : list->items)
        if (const auto* id = item.Find("id"); id && id->scalar == key.trigger_id) return item.ToValue();
    return Value();
  }

  Result<HttpResponse> Search(const HttpRequest& q, const std::string& ns, const std::string& flow_id, bool wrapped) {
    ASSIGN_OR_RETURN(Paging paging, ReadPaging(q));
    std::string text = q.QueryValue("q").value_or("");
    ASSIGN_OR_RETURN(auto all, store_.ListTriggers({.namespace_ = ns, .flow_id = flow_id}));
    std::vector<state::Trigger> found;
    for (auto& t : all)
      if (text.empty() || Name(t.key).find(text) != std::string::npos) found.push_back(std::move(t));
    ValueList page;
    Timestamp now = SystemClock().Now();
    for (size_t i = paging.offset(); i < found.size() && page.size() < static_cast<size_t>(paging.size); ++i) {
      ASSIGN_OR_RETURN(auto backfill, store_.GetBackfill(found[i].key));
      Value context = TriggerJson(found[i], backfill, now);
      page.push_back(wrapped
                         ? Value::MakeMap({{"abstractTrigger", Declared(found[i].key)}, {"triggerContext", context}})
                         : context);
    }
    return JsonResponse(200, PagedResults(std::move(page), static_cast<int64_t>(found.size())));
  }

  Result<HttpResponse> Update(const HttpRequest& q) {
    ASSIGN_OR_RETURN(Value body, JsonBody(q));
    ASSIGN_OR_RETURN(state::TriggerKey key, KeyOf(body));
    ASSIGN_OR_RETURN(auto t, store_.GetTrigger(key));
    if (!t) return NotFound("no trigger " + Name(key));
    if (const Value* b = body.Get("backfill"); b && b->is_map()) {
      auto time = [&](const char* name) -> Result<std::optional<Timestamp>> {
        const Value* v = b->Get(name);
        if (!v || v->is_null()) return std::optional<Timestamp>();
        if (!v->is_string()) return InvalidArgument(std::string("backfill.") + name + " is an ISO 8601 date-time");
        auto parsed = ParseTimestamp(v->AsString());
        if (!parsed.ok()) return InvalidArgument(std::string("backfill.") + name + ": " + parsed.status().message());
        return std::optional<Timestamp>(*parsed);
      };
      ASSIGN_OR_RETURN(auto start, time("start"));
      ASSIGN_OR_RETURN(auto end, time("end"));
      if (!start) return InvalidArgument("a backfill needs a start");
      std::map<std::string, Value> inputs;
      if (const Value* in = b->Get("inputs"); in && in->is_map())
        for (const auto& [k, v] : in->AsMap()) inputs[k] = v;
      std::vector<std::pair<std::string, std::string>> labels;
      if (const Value* l = b->Get("labels"); l && l->is_list())
        for (const Value& item : l->AsList()) {
          const Value* k = item.is_map() ? item.Get("key") : nullptr;
          const Value* v = item.is_map() ? item.Get("value") : nullptr;
          if (k && v && k->is_string() && v->is_string()) labels.emplace_back(k->AsString(), v->AsString());
        }
      int concurrency = 1;
      if (const Value* c = b->Get("concurrency"); c && c->is_int()) concurrency = static_cast<int>(c->AsInt());
      RETURN_IF_ERROR(scheduler_.StartBackfill(key, *start, end.value_or(SystemClock().Now()), inputs, labels,
                                               std::max(1, concurrency)));
    } else if (const Value* d = body.Get("disabled"); d && d->is_bool()) {
      RETURN_IF_ERROR(store_.SetTriggerEnabled(key, !d->AsBool(), SystemClock().Now()));
    } else {
      return InvalidArgument("give \"disabled\": true|false or a \"backfill\" to change a trigger");
    }
    return One(key);
  }

  Result<HttpResponse> Unlock(const HttpRequest& q, bool must_be_locked) {
    state::TriggerKey key{q.PathParam("namespace"), q.PathParam("flowId"), q.PathParam("triggerId")};
    ASSIGN_OR_RETURN(auto t, store_.GetTrigger(key));
    if (!t) return NotFound("no trigger " + Name(key));
    ASSIGN_OR_RETURN(bool held, store_.UnlockTrigger(key));
    if (!held && must_be_locked) return FailedPrecondition("trigger " + Name(key) + " is not locked");
    return One(key);
  }

  ApiContext& api_;
  state::Store& store_;
  triggers::Scheduler& scheduler_;
};

}  // namespace

tmpl::Value TriggerJson(const state::Trigger& t, const std::optional<state::Backfill>& backfill, Timestamp now) {
  ValueMap m;
  m.Set("tenantId", "main");
  m.Set("namespace", t.key.namespace_);
  m.Set("flowId", t.key.flow_id);
  m.Set("triggerId", t.key.trigger_id);
  m.Set("type", t.type);
  if (t.last_date) m.Set("date", FormatTimestamp(*t.last_date));
  if (t.next_date) m.Set("nextExecutionDate", FormatTimestamp(*t.next_date));
  if (!t.last_execution_id.empty()) m.Set("executionId", t.last_execution_id);
  if (t.evaluated_at) m.Set("evaluateRunningDate", FormatTimestamp(*t.evaluated_at));
  if (!t.lease_owner.empty() && t.lease_until > now) m.Set("workerId", t.lease_owner);
  m.Set("updatedDate", FormatTimestamp(t.updated));
  m.Set("disabled", !t.enabled);
  if (backfill) {
    ValueMap b;
    b.Set("start", FormatTimestamp(backfill->start));
    b.Set("end", FormatTimestamp(backfill->end));
    b.Set("currentDate", FormatTimestamp(backfill->current));
    b.Set("paused", backfill->paused());
    b.Set("status", std::string(state::BackfillStatusName(backfill->status)));
    auto inputs = tmpl::ParseJson(backfill->inputs_json);
    if (inputs.ok()) b.Set("inputs", *inputs);
    auto labels = tmpl::ParseJson(backfill->labels_json);
    if (labels.ok() && labels->is_map()) {
      ValueList list;
      for (const auto& [k, v] : labels->AsMap()) list.push_back(Value::MakeMap({{"key", k}, {"value", v}}));
      b.Set("labels", Value(std::move(list)));
    }
    b.Set("concurrency", backfill->concurrency);
    m.Set("backfill", Value(std::move(b)));
  }
  return Value(std::move(m));
}

Result<std::shared_ptr<void>> AddTriggerRoutes(ApiContext& api, triggers::Scheduler& scheduler) {
  auto routes = std::make_shared<TriggerRoutes>(api, scheduler);
  RETURN_IF_ERROR(routes->Add());
  return std::shared_ptr<void>(routes);
}

}  // namespace floe::server
