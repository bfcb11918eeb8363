// A flow's topology for the UI and the API's /flows/{namespace}/{id}/graph,
// in the shape of Kestra's FlowGraph:
//
//   {"nodes": [{"uid": "root.extract", "type": "GraphTask", "task": {"id", "type"}}, ...],
//    "edges": [{"source": "root.root", "target": "root.extract", "relation": {"relationType": "SEQUENTIAL"}}, ...],
//    "clusters": [{"cluster": {"uid", "type": "GraphCluster", "task"}, "nodes": [...], "parents": [...],
//                  "start": "<uid>", "end": "<uid>.end"}]}
//
// The flow starts at "root.root" and ends at "root.end". A flowable task is a
// cluster: its own node, its children by the task's rule (a chain for
// Sequential and ForEach, branches for Parallel, If and Switch with their
// values, dependsOn edges for Dag), then "<uid>.end". errors and finally are
// ERROR and FINALLY edges; triggers sit in the cluster "root.Triggers".
#pragma once

#include "flow/flow.h"
#include "tmpl/value.h"

namespace floe::server {

tmpl::Value FlowGraphJson(const flow::Flow& flow);

}  // namespace floe::server
