// The REST API's flow routes (Kestra's FlowController), under /api/v1 and
// /api/v1/{tenant}:
//
//   POST   /flows                               create from a YAML body; 422 when it exists or does not validate
//   PUT    /flows/{namespace}/{id}              update (a new revision when the source changed)
//   GET    /flows/{namespace}/{id}              ?source=true adds the YAML; ?revision=N an older one
//   DELETE /flows/{namespace}/{id}              204
//   GET    /flows/{namespace}/{id}/revisions    every revision, oldest first
//   GET    /flows/{namespace}/{id}/graph        nodes, edges and clusters for a topology view
//   GET    /flows/search                        ?namespace= (and below) &q= &labels=k:v &page= &size=
//   GET    /flows/{namespace}                   the flows of one namespace
//   POST   /flows/{namespace}                   bulk update from YAML documents split by ---;
//                                               ?delete=true (the default) removes the namespace's others
//   POST   /flows/validate                      one answer per YAML document: errors at line:column
//   POST   /flows/validate/task, /validate/trigger   one task or trigger (JSON or YAML)
//   POST   /flows/{enable,disable}/by-ids       [{"namespace","id"}] -> {"count"}; rewrites `disabled:`
//   POST   /flows/{enable,disable}/by-query     ?namespace= &q= -> {"count"}
//   DELETE /flows/delete/by-ids                 [{"namespace","id"}] -> {"count"}
//   GET    /flows/distinct-namespaces           every namespace with a flow
//
// Flows are files of the server's flows folder (server/flow_catalog.h).
#pragma once

#include "core/status.h"
#include "server/api_support.h"
#include "server/flow_catalog.h"
#include "state/store.h"
#include "tmpl/value.h"

namespace floe::server {

Status AddFlowRoutes(ApiRoutes& api, FlowCatalog& flows, state::Store& store);

// A flow as Kestra's API shows it: its YAML as JSON (labels as a list of
// {key, value}), with id, namespace, revision, disabled and deleted; with
// `source` when asked.
tmpl::Value FlowJson(const flow::Flow& flow, int revision, bool with_source, bool deleted = false);

// The source with its top-level `disabled:` set (added when missing).
std::string SetDisabledInSource(const std::string& source, bool disabled);

// Splits a body of several YAML documents at lines that are "---".
std::vector<std::string> SplitYamlDocuments(const std::string& body);

}  // namespace floe::server
