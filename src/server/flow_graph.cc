#include "server/flow_graph.h"

#include <set>

#include "flow/registry.h"

namespace floe::server {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

class GraphBuilder {
 public:
  Value Build(const flow::Flow& flow) {
    Node("root.root", "GraphClusterRoot");
    Node("root.end", "GraphClusterEnd");
    Chain(flow.tasks, "root", {"root.root"}, "root.end", "SEQUENTIAL", "", {});
    if (!flow.errors.empty()) Chain(flow.errors, "root", {"root.root"}, "root.end", "ERROR", "", {});
    if (!flow.finally_tasks.empty()) Chain(flow.finally_tasks, "root", {"root.root"}, "root.end", "FINALLY", "", {});
    if (!flow.after_execution.empty()) Chain(flow.after_execution, "root", {"root.end"}, "", "AFTER_EXECUTION", "", {});
    if (!flow.triggers.empty()) {
      ValueList members;
      for (const auto& t : flow.triggers) {
        std::string uid = "root.Triggers." + t.spec.id;
        ValueMap node = NodeBase(uid, "GraphTrigger");
        node.Set("trigger", Value::MakeMap({{"id", t.spec.id}, {"type", t.spec.type}, {"disabled", t.spec.disabled}}));
        nodes_.push_back(Value(std::move(node)));
        Edge(uid, "root.root", "", "");
        members.push_back(Value(uid));
      }
      ValueMap cluster;
      cluster.Set("cluster", Value::MakeMap({{"uid", "root.Triggers"}, {"type", "GraphCluster"}}));
      cluster.Set("nodes", Value(std::move(members)));
      cluster.Set("parents", Value(ValueList{}));
      clusters_.push_back(Value(std::move(cluster)));
    }
    return Value::MakeMap({{"nodes", Value(std::move(nodes_))},
                           {"edges", Value(std::move(edges_))},
                           {"clusters", Value(std::move(clusters_))}});
  }

 private:
  static ValueMap NodeBase(const std::string& uid, const std::string& type) {
    ValueMap node;
    node.Set("uid", uid);
    node.Set("type", type);
    return node;
  }
  void Node(const std::string& uid, const std::string& type) { nodes_.push_back(Value(NodeBase(uid, type))); }
  void Edge(const std::string& from, const std::string& to, const std::string& relation, const std::string& value) {
    ValueMap rel;
    if (!relation.empty()) rel.Set("relationType", relation);
    if (!value.empty()) rel.Set("value", value);
    edges_.push_back(Value::MakeMap({{"source", from}, {"target", to}, {"relation", Value(std::move(rel))}}));
  }

  // Lays `tasks` out one after another from every node of `from` (the first
  // edge carries `relation` and `value`), ending at `to` (none when empty).
  // Returns the uids added, for the enclosing cluster.
  std::vector<std::string> Chain(const std::vector<flow::TaskSpec>& tasks, const std::string& parent,
                                 std::vector<std::string> from, const std::string& to, const std::string& relation,
                                 const std::string& value, const std::vector<std::string>& parents) {
    std::vector<std::string> members;
    bool first = true;
    for (const auto& task : tasks) {
      std::string uid = parent + "." + task.id;
      for (const auto& f : from) Edge(f, uid, first ? relation : "SEQUENTIAL", first ? value : "");
      first = false;
      std::string exit = Task(task, uid, parents, members);
      from = {exit};
    }
    if (!to.empty())
      for (const auto& f : from) Edge(f, to, first ? relation : "SEQUENTIAL", first ? value : "");
    return members;
  }

  // Adds a task (a cluster when flowable); returns the uid the next task follows.
  std::string Task(const flow::TaskSpec& task, const std::string& uid, const std::vector<std::string>& parents,
                   std::vector<std::string>& members) {
    ValueMap node = NodeBase(uid, "GraphTask");
    node.Set("task", Value::MakeMap({{"id", task.id}, {"type", task.type}, {"disabled", task.disabled}}));
    nodes_.push_back(Value(std::move(node)));
    members.push_back(uid);
    if (!task.is_flowable() || task.branches.empty()) return uid;

    std::string end = uid + ".end";
    Node(end, "GraphClusterEnd");
    std::vector<std::string> inner_parents = parents;
    inner_parents.push_back(uid);
    std::vector<std::string> inside;
    auto add = [&inside](const std::vector<std::string>& uids) {
      inside.insert(inside.end(), uids.begin(), uids.end());
    };
    flow::Flowable kind = task.task_type->flowable;
    for (const auto& branch : task.branches) {
      if (branch.name == "errors") {
        add(Chain(branch.tasks, uid, {uid}, end, "ERROR", "", inner_parents));
      } else if (branch.name == "finally") {
        add(Chain(branch.tasks, uid, {uid}, end, "FINALLY", "", inner_parents));
      } else if (kind == flow::Flowable::kParallel && branch.name == "tasks") {
        for (const auto& child : branch.tasks) add(Chain({child}, uid, {uid}, end, "PARALLEL", "", inner_parents));
      } else if (kind == flow::Flowable::kDag && branch.name == "tasks") {
        add(Dag(branch.tasks, uid, end, inner_parents));
      } else if (kind == flow::Flowable::kIf || kind == flow::Flowable::kSwitch) {
        std::string value = branch.name.rfind("case:", 0) == 0 ? branch.name.substr(5) : branch.name;
        add(Chain(branch.tasks, uid, {uid}, end, "CHOICE", value, inner_parents));
      } else {
        add(Chain(branch.tasks, uid, {uid}, end, kind == flow::Flowable::kForEach ? "DYNAMIC" : "SEQUENTIAL", "",
                  inner_parents));
      }
    }
    inside.push_back(end);
    ValueMap cluster;
    cluster.Set("cluster", Value::MakeMap({{"uid", uid},
                                           {"type", "GraphCluster"},
                                           {"task", Value::MakeMap({{"id", task.id}, {"type", task.type}})}}));
    cluster.Set("nodes", Value(ValueList(inside.begin(), inside.end())));
    cluster.Set("parents", Value(ValueList(parents.begin(), parents.end())));
    cluster.Set("start", uid);
    cluster.Set("end", end);
    clusters_.push_back(Value(std::move(cluster)));
    members.insert(members.end(), inside.begin(), inside.end());
    return end;
  }

  // Dag children: an edge from each dependency (from the cluster's node when
  // none), and from each child nothing depends on to the end.
  std::vector<std::string> Dag(const std::vector<flow::TaskSpec>& children, const std::string& uid,
                               const std::string& end, const std::vector<std::string>& parents) {
    std::vector<std::string> members;
    std::map<std::string, std::string> exits;
    std::set<std::string> depended;
    for (const auto& child : children)
      for (const auto& dep : child.depends_on) depended.insert(dep);
    for (const auto& child : children) exits[child.id] = Task(child, uid + "." + child.id, parents, members);
    for (const auto& child : children) {
      std::string child_uid = uid + "." + child.id;
      if (child.depends_on.empty()) Edge(uid, child_uid, "PARALLEL", "");
      for (const auto& dep : child.depends_on)
        if (exits.count(dep)) Edge(exits[dep], child_uid, "SEQUENTIAL", "");
      if (!depended.count(child.id)) Edge(exits[child.id], end, "SEQUENTIAL", "");
    }
    return members;
  }

  ValueList nodes_, edges_, clusters_;
};

}  // namespace

tmpl::Value FlowGraphJson(const flow::Flow& flow) { return GraphBuilder().Build(flow); }

}  // namespace floe::server
