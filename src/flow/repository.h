// FlowRepository: a flows folder. Every *.yml / *.yaml file under it (at any
// depth; folders starting with '_' or '.' are skipped, so `_files/` can hold
// namespace files) is a flow, known by its namespace and id.
//
//   ASSIGN_OR_RETURN(FlowRepository flows, FlowRepository::Scan({"flows"}, registry));
//   ASSIGN_OR_RETURN(Flow child, flows.Load("company.team", "load_orders"));
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "flow/flow.h"

namespace floe::flow {

class FlowRepository {
 public:
  struct Entry {
    std::filesystem::path path;
    std::string namespace_;  // empty when the file does not load
    std::string id;
    std::vector<Status> errors;
  };

  // Scans the folders (missing ones are skipped). Two files declaring the
  // same namespace and id are an error on the second.
  static FlowRepository Scan(const std::vector<std::filesystem::path>& dirs, const TaskRegistry& registry);

  const std::vector<Entry>& entries() const { return entries_; }
  // The flow, or NotFound (naming the folders searched), or its load errors.
  Result<Flow> Load(const std::string& ns, const std::string& id) const;

 private:
  const TaskRegistry* registry_ = nullptr;
  std::vector<std::filesystem::path> dirs_;
  std::vector<Entry> entries_;
};

// The Subflow (and ForEachItem) calls of `flow` that lead back to it through
// the flows of `repo`: a flow calling itself, directly or through others.
// One error per such call, at its place in `flow`, naming the cycle. Calls
// whose namespace or flowId is a template are not followed.
std::vector<Status> FindSubflowCycles(const Flow& flow, const FlowRepository& repo);

}  // namespace floe::flow
