#include "server/flows_api.h"

#include <algorithm>
#include <set>

#include "flow/yaml_node.h"
#include "server/flow_graph.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

Value LabelsAsList(const Value& labels) {
  if (!labels.is_map()) return labels;
  ValueList out;
  for (const auto& [k, v] : labels.AsMap())
    out.push_back(Value::MakeMap({{"key", k}, {"value", v.is_string() ? v : Value(tmpl::ToJson(v))}}));
  return Value(std::move(out));
}

// Kestra answers 422 for a flow that does not validate or already exists.
Status Unprocessable(Status s) {
  if (s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kAlreadyExists)
    return Status(StatusCode::kInvalidArgument, s.ToString());
  return s;
}

// "line:column: message" for each error, as `floe validate` prints them
// without the file name (the body has none).
std::string ConstraintText(const std::vector<Status>& errors, int line_shift = 0, int column_shift = 0) {
  std::string out;
  for (const Status& e : errors) {
    if (!out.empty()) out += "\n";
    const SourceLocation& at = e.location();
    if (at.known()) {
      out += std::to_string(std::max(1, at.line - line_shift)) + ":" +
             std::to_string(std::max(1, at.column - column_shift)) + ": ";
    }
    out += e.message();
    if (!e.hint().empty()) out += " (" + e.hint() + ")";
  }
  return out;
}

Value ErrorList(const std::vector<Status>& errors, int line_shift = 0, int column_shift = 0) {
  ValueList out;
  for (const Status& e : errors) {
    ValueMap m;
    m.Set("message", e.message());
    if (e.location().known()) {
      m.Set("line", std::max(1, e.location().line - line_shift));
      m.Set("column", std::max(1, e.location().column - column_shift));
    }
    if (!e.hint().empty()) m.Set("hint", e.hint());
    out.push_back(Value(std::move(m)));
  }
  return Value(std::move(out));
}

// One ValidateConstraintViolation: Kestra's fields, plus `errors` with each
// error's line and column (what floe validate reports).
Value Violation(int index, const flow::FlowParse& parsed, const std::string& yaml, int line_shift = 0,
                int column_shift = 0) {
  ValueMap v;
  v.Set("index", index);
  if (parsed.flow) {
    v.Set("flow", parsed.flow->id);
    v.Set("namespace", parsed.flow->namespace_);
  } else {
    // What the document says, even when it does not load.
    std::vector<Status> ignored;
    auto doc = flow::ParseYaml(yaml, "flow", flow::FlowTemplateEnvironment(), &ignored);
    if (doc.ok() && doc->is_map()) {
      if (const auto* id = doc->Find("id"); id && id->is_scalar()) v.Set("flow", id->scalar);
      if (const auto* ns = doc->Find("namespace"); ns && ns->is_scalar()) v.Set("namespace", ns->scalar);
    }
  }
  if (!parsed.errors.empty()) v.Set("constraints", ConstraintText(parsed.errors, line_shift, column_shift));
  v.Set("errors", ErrorList(parsed.errors, line_shift, column_shift));
  v.Set("outdated", false);
  v.Set("deprecationPaths", Value(ValueList{}));
  v.Set("warnings", Value(ValueList{}));
  v.Set("infos", Value(ValueList{}));
  return Value(std::move(v));
}

bool MatchesNamespace(const std::string& ns, const std::string& filter) {
  return filter.empty() || ns == filter ||
         (ns.size() > filter.size() && ns.compare(0, filter.size(), filter) == 0 && ns[filter.size()] == '.');
}

bool HasLabels(const flow::Flow& f, const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& want : labels)
    if (std::find(f.labels.begin(), f.labels.end(), want) == f.labels.end()) return false;
  return true;
}

bool MatchesQuery(const flow::Flow& f, const std::string& q) {
  if (q.empty()) return true;
  auto contains = [&](const std::string& s) {
    return std::search(s.begin(), s.end(), q.begin(), q.end(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           }) != s.end();
  };
  return contains(f.id) || contains(f.namespace_) || contains(f.description);
}

// [{"namespace": ..., "id": ...}] from a request body.
Result<std::vector<std::pair<std::string, std::string>>> FlowIds(const std::string& body) {
  auto parsed = tmpl::ParseJson(body);
  if (!parsed.ok() || !parsed->is_list())
    return InvalidArgument("the body must be a JSON list of {\"namespace\": ..., \"id\": ...}");
  std::vector<std::pair<std::string, std::string>> out;
  for (const Value& item : parsed->AsList()) {
    const Value* ns = item.is_map() ? item.Get("namespace") : nullptr;
    const Value* id = item.is_map() ? item.Get("id") : nullptr;
    if (!ns || !id || !ns->is_string() || !id->is_string())
      return InvalidArgument("each item of the body needs a \"namespace\" and an \"id\", not " + tmpl::ToJson(item));
    out.emplace_back(ns->AsString(), id->AsString());
  }
  return out;
}

Result<int> SetDisabled(FlowCatalog& flows, const std::vector<std::shared_ptr<const flow::Flow>>& targets,
                        bool disabled) {
  int count = 0;
  for (const auto& f : targets) {
    if (f->disabled == disabled) continue;
    ASSIGN_OR_RETURN(auto saved, flows.Save(SetDisabledInSource(f->source, disabled), f->namespace_, f->id));
    (void)saved;
    ++count;
  }
  return count;
}

// Parses one task or trigger alone, inside a flow made around it, with
// positions relative to the body.
Value ValidateFragment(const std::string& body, const std::string& section, const flow::TaskRegistry& registry) {
  std::string text = "id: validate\nnamespace: validate\n";
  int line_shift = 0, column_shift = 0;
  std::string key = section == "triggers" ? "triggers" : "tasks";
  std::string trimmed = body;
  trimmed.erase(0, trimmed.find_first_not_of(" \t\r\n"));
  if (!trimmed.empty() && trimmed[0] == '{') {
    text += key + ": [\n" + body + "\n]\n";
    line_shift = 3;
  } else {
    text += key + ":\n";
    line_shift = 3;
    column_shift = 4;
    bool first = true;
    size_t start = 0;
    while (start <= body.size()) {
      size_t end = body.find('\n', start);
      std::string line = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
      text += (first ? "  - " : "    ") + line + "\n";
      first = false;
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  if (key == "triggers") text += "tasks:\n  - id: validate\n    type: io.kestra.plugin.core.log.Log\n    message: ok\n";
  flow::FlowParse parsed = flow::ParseFlow(text, "flow", registry);
  ValueMap v;
  if (!parsed.errors.empty()) {
    v.Set("constraints", ConstraintText(parsed.errors, line_shift, column_shift));
    v.Set("errors", ErrorList(parsed.errors, line_shift, column_shift));
  }
  return Value(std::move(v));
}

}  // namespace

std::vector<std::string> SplitYamlDocuments(const std::string& body) {
  std::vector<std::string> docs;
  std::string current;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    std::string line = body.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
    std::string bare = line;
    while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r' || bare.back() == ' ')) bare.pop_back();
    if (bare == "---") {
      if (current.find_first_not_of(" \t\r\n") != std::string::npos) docs.push_back(current);
      current.clear();
    } else {
      current += line;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) docs.push_back(current);
  return docs;
}

std::string SetDisabledInSource(const std::string& source, bool disabled) {
  std::string out;
  bool replaced = false;
  size_t start = 0;
  while (start < source.size()) {
    size_t end = source.find('\n', start);
    std::string line = source.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!replaced && line.rfind("disabled:", 0) == 0) {
      line = std::string("disabled: ") + (disabled ? "true" : "false");
      replaced = true;
    }
    out += line;
    if (end == std::string::npos) break;
    out += "\n";
    start = end + 1;
  }
  if (!replaced && disabled) {
    if (!out.empty() && out.back() != '\n') out += "\n";
    out += "disabled: true\n";
  }
  return out;
}

tmpl::Value FlowJson(const flow::Flow& flow, int revision, bool with_source, bool deleted) {
  ValueMap out;
  out.Set("id", flow.id);
  out.Set("namespace", flow.namespace_);
  out.Set("revision", std::max(1, revision));
  std::vector<Status> ignored;
  auto doc = flow::ParseYaml(flow.source, flow.source_path, flow::FlowTemplateEnvironment(), &ignored);
  if (doc.ok() && doc->is_map()) {
    for (const auto& entry : doc->entries) {
      if (entry.key == "id" || entry.key == "namespace" || entry.key == "revision" || entry.key == "disabled") continue;
      Value v = entry.value.ToValue();
      out.Set(entry.key, entry.key == "labels" ? LabelsAsList(v) : std::move(v));
    }
  }
  out.Set("disabled", flow.disabled);
  out.Set("deleted", deleted);
  if (with_source) out.Set("source", flow.source);
  return Value(std::move(out));
}

Status AddFlowRoutes(ApiRoutes& api, FlowCatalog& flows, state::Store& store) {
  const flow::TaskRegistry& registry = flows.registry();

  RETURN_IF_ERROR(AddApiRoute(api, "POST", "/flows", "Create a flow from its YAML source",
                              [&flows](const HttpRequest& r) -> Result<HttpResponse> {
                                auto saved = flows.Save(r.body, "", "", true);
                                if (!saved.ok()) return Unprocessable(saved.status());
                                return JsonResponse(200, FlowJson(*saved->flow, saved->revision, true));
                              }));
  RETURN_IF_ERROR(AddApiRoute(api, "PUT", "/flows/{namespace}/{id}", "Update a flow from its YAML source",
                              [&flows](const HttpRequest& r) -> Result<HttpResponse> {
                                auto saved = flows.Save(r.body, r.PathParam("namespace"), r.PathParam("id"));
                                if (!saved.ok()) return Unprocessable(saved.status());
                                return JsonResponse(200, FlowJson(*saved->flow, saved->revision, true));
                              }));
  RETURN_IF_ERROR(AddApiRoute(
      api, "GET", "/flows/{namespace}/{id}", "Get a flow (?source=true with its YAML, ?revision=N an older one)",
      [&flows, &store, &registry](const HttpRequest& r) -> Result<HttpResponse> {
        std::string ns = r.PathParam("namespace"), id = r.PathParam("id");
        bool source = QueryFlag(r, "source");
        if (auto rev = r.QueryValue("revision"); rev && !rev->empty()) {
          ASSIGN_OR_RETURN(auto revisions, store.ListFlowRevisions(ns, id));
          for (const auto& revision : revisions) {
            if (std::to_string(revision.revision) != *rev) continue;
            flow::FlowParse parsed = flow::ParseFlow(revision.source, "flow", registry);
            if (!parsed.flow) return Internal("revision " + *rev + " of " + ns + "." + id + " no longer loads");
            return JsonResponse(200, FlowJson(*parsed.flow, revision.revision, source, revision.deleted));
          }
          return NotFound("flow " + ns + "." + id + " has no revision " + *rev);
        }
        auto f = flows.Find(ns, id);
        if (!f) return NotFound("no flow " + ns + "." + id);
        return JsonResponse(200, FlowJson(*f, flows.Revision(ns, id), source));
      }));
  RETURN_IF_ERROR(AddApiRoute(api, "DELETE", "/flows/{namespace}/{id}", "Delete a flow",
                              [&flows](const HttpRequest& r) -> Result<HttpResponse> {
                                RETURN_IF_ERROR(flows.Delete(r.PathParam("namespace"), r.PathParam("id")));
                                return HttpResponse{.status = 204};
                              }));
  RETURN_IF_ERROR(AddApiRoute(api, "GET", "/flows/{namespace}/{id}/revisions", "Every revision of a flow, oldest first",
                              [&store, &registry](const HttpRequest& r) -> Result<HttpResponse> {
                                std::string ns = r.PathParam("namespace"), id = r.PathParam("id");
                                ASSIGN_OR_RETURN(auto revisions, store.ListFlowRevisions(ns, id));
                                if (revisions.empty()) return NotFound("no flow " + ns + "." + id);
                                ValueList out;
                                for (const auto& revision : revisions) {
                                  flow::FlowParse parsed = flow::ParseFlow(revision.source, "flow", registry);
                                  if (parsed.flow) {
                                    out.push_back(FlowJson(*parsed.flow, revision.revision, true, revision.deleted));
                                  } else {
                                    // A revision that no longer loads (a task type gone): its source still shows.
                                    out.push_back(Value::MakeMap({{"id", id},
                                                                  {"namespace", ns},
                                                                  {"revision", revision.revision},
                                                                  {"deleted", revision.deleted},
                                                                  {"source", revision.source}}));
                                  }
                                }
                                return JsonResponse(200, Value(std::move(out)));
                              }));
  RETURN_IF_ERROR(AddApiRoute(api, "GET", "/flows/{namespace}/{id}/graph",
                              "A flow's topology: task nodes, edges and clusters",
                              [&flows](const HttpRequest& r) -> Result<HttpResponse> {
                                auto f = flows.Find(r.PathParam("namespace"), r.PathParam("id"));
                                if (!f)
                                  return NotFound("no flow " + r.PathParam("namespace") + "." + r.PathParam("id"));
                                return JsonResponse(200, FlowGraphJson(*f));
                              }));
  RETURN_IF_ERROR(AddApiRoute(
      api, "GET", "/flows/search", "Search flows by namespace (and below), text and labels, paged",
      [&flows](const HttpRequest& r) -> Result<HttpResponse> {
        ASSIGN_OR_RETURN(Paging paging, ReadPaging(r));
        ASSIGN_OR_RETURN(auto labels, QueryLabels(r));
        std::string ns = r.QueryValue("namespace").value_or("");
        std::string q = r.QueryValue("q").value_or("");
        std::vector<std::shared_ptr<const flow::Flow>> found;
        for (const auto& f : flows.flows())
          if (MatchesNamespace(f->namespace_, ns) && HasLabels(*f, labels) && MatchesQuery(*f, q)) found.push_back(f);
        ValueList page;
        for (size_t i = paging.offset(); i < found.size() && page.size() < static_cast<size_t>(paging.size); ++i)
          page.push_back(FlowJson(*found[i], flows.Revision(found[i]->namespace_, found[i]->id), false));
        return JsonResponse(200, PagedResults(std::move(page), static_cast<int64_t>(found.size())));
      }));
  RETURN_IF_ERROR(AddApiRoute(api, "GET", "/flows/distinct-namespaces", "Every namespace with a flow",
                              [&flows](const HttpRequest&) -> Result<HttpResponse> {
                                std::set<std::string> names;
                                for (const auto& f : flows.flows()) names.insert(f->namespace_);
                                ValueList out(names.begin(), names.end());
                                return JsonResponse(200, Value(std::move(out)));
                              }));
  RETURN_IF_ERROR(AddApiRoute(api, "GET", "/flows/{namespace}", "The flows of one namespace",
                              [&flows](const HttpRequest& r) -> Result<HttpResponse> {
                                ValueList out;
                                for (const auto& f : flows.flows())
                                  if (f->namespace_ == r.PathParam("namespace"))
                                    out.push_back(FlowJson(*f, flows.Revision(f->namespace_, f->id), false));
                                return JsonResponse(200, Value(std::move(out)));
                              }));
  RETURN_IF_ERROR(
      AddApiRoute(api, "POST", "/flows/{namespace}",
                  "Update a namespace's flows from YAML documents split by ---; ?delete=true removes the others",
                  [&flows, &registry](const HttpRequest& r) -> Result<HttpResponse> {
                    std::string ns = r.PathParam("namespace");
                    bool delete_others = QueryFlag(r, "delete", true);
                    std::vector<std::string> docs = SplitYamlDocuments(r.body);
                    // Every document is checked before anything is written.
                    std::set<std::string> ids;
                    for (size_t i = 0; i < docs.size(); ++i) {
                      flow::FlowParse parsed = flow::ParseFlow(docs[i], "flow", registry);
                      if (!parsed.flow)
                        return InvalidArgument("document " + std::to_string(i) + ": " + ConstraintText(parsed.errors));
                      if (parsed.flow->namespace_ != ns)
                        return InvalidArgument("document " + std::to_string(i) + " declares namespace " +
                                               parsed.flow->namespace_ + ", not " + ns);
                      if (!ids.insert(parsed.flow->id).second)
                        return InvalidArgument("flow " + parsed.flow->id + " is declared twice in the body");
                    }
                    ValueList out;
                    if (delete_others) {
                      for (const auto& f : flows.flows()) {
                        if (f->namespace_ != ns || ids.count(f->id)) continue;
                        RETURN_IF_ERROR(flows.Delete(ns, f->id));
                        out.push_back(FlowJson(*f, flows.Revision(ns, f->id), false, true));
                      }
                    }
                    for (const std::string& doc : docs) {
                      auto saved = flows.Save(doc);
                      if (!saved.ok()) return Unprocessable(saved.status());
                      out.push_back(FlowJson(*saved->flow, saved->revision, true));
                    }
                    return JsonResponse(200, Value(std::move(out)));
                  }));
  RETURN_IF_ERROR(AddApiRoute(
      api, "POST", "/flows/validate", "Validate flows (YAML documents split by ---): errors at line:column",
      [&registry](const HttpRequest& r) -> Result<HttpResponse> {
        ValueList out;
        std::vector<std::string> docs = SplitYamlDocuments(r.body);
        if (docs.empty()) docs.push_back(r.body);
        for (size_t i = 0; i < docs.size(); ++i)
          out.push_back(Violation(static_cast<int>(i), flow::ParseFlow(docs[i], "flow", registry), docs[i]));
        return JsonResponse(200, Value(std::move(out)));
      }));
  RETURN_IF_ERROR(AddApiRoute(
      api, "POST", "/flows/validate/task", "Validate one task (JSON or YAML)",
      [&registry](const HttpRequest& r) -> Result<HttpResponse> {
        std::string section = r.QueryValue("section").value_or("TASKS");
        return JsonResponse(
            200, ValidateFragment(r.body, EqualsIgnoreCase(section, "TRIGGERS") ? "triggers" : "tasks", registry));
      }));
  RETURN_IF_ERROR(AddApiRoute(api, "POST", "/flows/validate/trigger", "Validate one trigger (JSON or YAML)",
                              [&registry](const HttpRequest& r) -> Result<HttpResponse> {
                                return JsonResponse(200, ValidateFragment(r.body, "triggers", registry));
                              }));
  for (bool disable : {false, true}) {
    std::string verb = disable ? "disable" : "enable";
    RETURN_IF_ERROR(AddApiRoute(api, "POST", "/flows/" + verb + "/by-ids",
                                (disable ? "Disable" : "Enable") + std::string(" flows by namespace and id"),
                                [&flows, disable](const HttpRequest& r) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(auto ids, FlowIds(r.body));
                                  std::vector<std::shared_ptr<const flow::Flow>> targets;
                                  for (const auto& [ns, id] : ids) {
                                    auto f = flows.Find(ns, id);
                                    if (!f) return NotFound("no flow " + ns + "." + id);
                                    targets.push_back(f);
                                  }
                                  ASSIGN_OR_RETURN(int count, SetDisabled(flows, targets, disable));
                                  return JsonResponse(200, Value::MakeMap({{"count", count}}));
                                }));
    RETURN_IF_ERROR(AddApiRoute(
        api, "POST", "/flows/" + verb + "/by-query",
        (disable ? "Disable" : "Enable") + std::string(" the flows a search finds (?namespace= &q= &labels=)"),
        [&flows, disable](const HttpRequest& r) -> Result<HttpResponse> {
          ASSIGN_OR_RETURN(auto labels, QueryLabels(r));
          std::string ns = r.QueryValue("namespace").value_or("");
          std::string q = r.QueryValue("q").value_or("");
          std::vector<std::shared_ptr<const flow::Flow>> targets;
          for (const auto& f : flows.flows())
            if (MatchesNamespace(f->namespace_, ns) && HasLabels(*f, labels) && MatchesQuery(*f, q))
              targets.push_back(f);
          ASSIGN_OR_RETURN(int count, SetDisabled(flows, targets, disable));
          return JsonResponse(200, Value::MakeMap({{"count", count}}));
        }));
  }
  RETURN_IF_ERROR(AddApiRoute(api, "DELETE", "/flows/delete/by-ids", "Delete flows by namespace and id",
                              [&flows](const HttpRequest& r) -> Result<HttpResponse> {
                                ASSIGN_OR_RETURN(auto ids, FlowIds(r.body));
                                for (const auto& [ns, id] : ids)
                                  if (!flows.Find(ns, id)) return NotFound("no flow " + ns + "." + id);
                                for (const auto& [ns, id] : ids) RETURN_IF_ERROR(flows.Delete(ns, id));
                                return JsonResponse(200, Value::MakeMap({{"count", static_cast<int64_t>(ids.size())}}));
                              }));
  return Status::Ok();
}

}  // namespace floe::server
