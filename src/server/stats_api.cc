#include "server/stats_api.h"

#include <map>

#include "core/duration.h"
#include "flow/registry.h"
#include "flow/schema.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

constexpr state::State kStates[] = {state::State::kCreated,   state::State::kQueued,  state::State::kRunning,
                                    state::State::kPaused,    state::State::kKilling, state::State::kSuccess,
                                    state::State::kWarning,   state::State::kFailed,  state::State::kKilled,
                                    state::State::kCancelled, state::State::kRetried, state::State::kSkipped,
                                    state::State::kRestarted};

struct DayTotals {
  std::map<state::State, int64_t> counts;
  int64_t n = 0, min_ms = 0, max_ms = 0, sum_ms = 0;
  void Add(const state::DailyCount& c) {
    counts[c.state] += c.count;
    min_ms = n == 0 ? c.duration_min_ms : std::min(min_ms, c.duration_min_ms);
    max_ms = std::max(max_ms, c.duration_max_ms);
    sum_ms += c.duration_sum_ms;
    n += c.count;
  }
};

std::string Iso(int64_t ms) { return FormatDuration(std::chrono::milliseconds(ms)); }

// One entry per day from start to end, days without any zero-filled.
Value Days(const std::map<std::string, DayTotals>& by_day, Timestamp start, Timestamp end) {
  ValueList out;
  for (Timestamp day = start; day < end; day += std::chrono::hours(24)) {
    std::string key = FormatTimestamp(day).substr(0, 10);
    auto it = by_day.find(key);
    DayTotals empty;
    const DayTotals& t = it == by_day.end() ? empty : it->second;
    ValueMap counts;
    for (state::State s : kStates) {
      auto c = t.counts.find(s);
      counts.Set(state::StateName(s), c == t.counts.end() ? int64_t{0} : c->second);
    }
    out.push_back(Value::MakeMap({{"startDate", key},
                                  {"executionCounts", Value(std::move(counts))},
                                  {"duration", Value::MakeMap({{"min", Iso(t.min_ms)},
                                                               {"avg", Iso(t.n ? t.sum_ms / t.n : 0)},
                                                               {"max", Iso(t.max_ms)},
                                                               {"sum", Iso(t.sum_ms)},
                                                               {"count", t.n}})}}));
  }
  return Value(std::move(out));
}

struct StatsRequest {
  state::DailyCountQuery query;
};

Result<state::DailyCountQuery> ReadQuery(const HttpRequest& q, bool task_runs) {
  state::DailyCountQuery query{.task_runs = task_runs};
  Value body = Value(ValueMap{});
  if (!q.body.empty()) {
    auto parsed = tmpl::ParseJson(q.body);
    if (!parsed.ok() || !parsed->is_map()) return InvalidArgument("the body must be a JSON object");
    body = *parsed;
  }
  auto text = [&](const char* name) {
    const Value* v = body.Get(name);
    return v && v->is_string() ? v->AsString() : std::string();
  };
  query.namespace_ = text("namespace");
  query.flow_id = text("flowId");
  // Whole UTC days: from the start's midnight to the end's next one.
  auto midnight = [](Timestamp t) { return std::chrono::floor<std::chrono::days>(t); };
  Timestamp now = SystemClock().Now();
  query.end = midnight(now) + std::chrono::hours(24);
  query.start = query.end - std::chrono::hours(24 * 30);
  for (const char* name : {"startDate", "endDate"}) {
    std::string v = text(name);
    if (v.empty()) continue;
    auto t = ParseTimestamp(v);
    if (!t.ok()) return InvalidArgument(std::string(name) + " is not an ISO 8601 date-time: '" + v + "'");
    if (std::string(name) == "startDate") {
      query.start = midnight(*t);
    } else {
      query.end = midnight(*t) + std::chrono::hours(24);
    }
  }
  if (query.end <= query.start) return InvalidArgument("endDate is before startDate");
  if (query.end - query.start > std::chrono::hours(24 * 3660)) return InvalidArgument("at most ten years at once");
  return query;
}

}  // namespace

Status AddStatsRoutes(ApiContext& api) {
  state::Store& store = api.rt.store();
  for (bool task_runs : {false, true}) {
    RETURN_IF_ERROR(AddApiRoute(api.routes, "POST", task_runs ? "/stats/taskruns/daily" : "/stats/executions/daily",
                                task_runs ? "Task runs per day by state" : "Executions per day by state",
                                [&store, task_runs](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(auto query, ReadQuery(q, task_runs));
                                  ASSIGN_OR_RETURN(auto counts, store.CountDaily(query));
                                  std::map<std::string, DayTotals> by_day;
                                  for (const auto& c : counts) by_day[c.day].Add(c);
                                  return JsonResponse(200, Days(by_day, query.start, query.end));
                                }));
  }
  return AddApiRoute(api.routes, "POST", "/stats/executions/daily/group-by-flow",
                     "Executions per day by state, for each flow",
                     [&store](const HttpRequest& q) -> Result<HttpResponse> {
                       ASSIGN_OR_RETURN(auto query, ReadQuery(q, false));
                       ASSIGN_OR_RETURN(auto counts, store.CountDaily(query));
                       std::map<std::string, std::map<std::string, std::map<std::string, DayTotals>>> by_flow;
                       for (const auto& c : counts) by_flow[c.namespace_][c.flow_id][c.day].Add(c);
                       ValueMap out;
                       for (const auto& [ns, flows] : by_flow) {
                         ValueMap per_flow;
                         for (const auto& [flow_id, by_day] : flows)
                           per_flow.Set(flow_id, Days(by_day, query.start, query.end));
                         out.Set(ns, Value(std::move(per_flow)));
                       }
                       return JsonResponse(200, Value(std::move(out)));
                     });
}

Status AddPluginRoutes(ApiContext& api) {
  const flow::TaskRegistry& registry = api.flows.registry();
  // Built once: the registry does not change while serving.
  auto schema = std::make_shared<Value>(flow::FlowJsonSchema(registry));
  RETURN_IF_ERROR(AddApiRoute(
      api.routes, "GET", "/plugins", "The task and trigger types, with their Kestra names",
      [&registry](const HttpRequest&) -> Result<HttpResponse> {
        ValueList tasks, triggers;
        for (const auto& t : registry.types()) {
          Value entry = Value::MakeMap({{"cls", t->aliases.empty() ? t->name : t->aliases.front()},
                                        {"name", t->name},
                                        {"aliases", Value(ValueList(t->aliases.begin(), t->aliases.end()))},
                                        {"description", t->description},
                                        {"deprecated", false}});
          (t->is_trigger() ? triggers : tasks).push_back(std::move(entry));
        }
        return JsonResponse(200, Value(ValueList{Value::MakeMap({{"name", "floe"},
                                                                 {"title", "floe's built-in types"},
                                                                 {"tasks", Value(std::move(tasks))},
                                                                 {"triggers", Value(std::move(triggers))}})}));
      }));
  RETURN_IF_ERROR(
      AddApiRoute(api.routes, "GET", "/plugins/schemas/flow", "The JSON Schema of a flow",
                  [schema](const HttpRequest&) -> Result<HttpResponse> { return JsonResponse(200, *schema); }));
  return AddApiRoute(api.routes, "GET", "/plugins/{cls}", "One task or trigger type's JSON Schema",
                     [&registry, schema](const HttpRequest& q) -> Result<HttpResponse> {
                       std::string cls = q.PathParam("cls");
                       const flow::TaskType* type = registry.Find(cls);
                       if (!type) return NotFound("no task or trigger type '" + cls + "'");
                       // Its entry among the schema's task (or trigger) alternatives: the one whose type enum names it.
                       const Value* defs = schema->Get("definitions");
                       const Value* group = defs ? defs->Get(type->is_trigger() ? "trigger" : "task") : nullptr;
                       const Value* one_of = group ? group->Get("oneOf") : nullptr;
                       Value found;
                       if (one_of && one_of->is_list())
                         for (const Value& alt : one_of->AsList()) {
                           const Value* props = alt.Get("properties");
                           const Value* t = props ? props->Get("type") : nullptr;
                           const Value* names = t ? t->Get("enum") : nullptr;
                           if (!names || !names->is_list()) continue;
                           for (const Value& n : names->AsList())
                             if (n.is_string() && n.AsString() == type->name) found = alt;
                         }
                       return JsonResponse(
                           200,
                           Value::MakeMap({{"cls", cls},
                                           {"name", type->name},
                                           {"aliases", Value(ValueList(type->aliases.begin(), type->aliases.end()))},
                                           {"markdown", "# " + type->name + "\n\n" + type->description},
                                           {"schema", Value::MakeMap({{"properties", found}})}}));
                     });
}

}  // namespace floe::server
