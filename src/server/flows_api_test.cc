#include "server/flows_api.h"

#include <gtest/gtest.h>

#include "runtime/home.h"
#include "server/flow_graph.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

TEST(FlowsApiTest, SplitsYamlDocumentsAtTheirSeparatorLines) {
  auto docs = SplitYamlDocuments("id: a\n---\nid: b\n  ---inline\n---   \r\n\n---\nid: c");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0], "id: a\n");
  EXPECT_EQ(docs[1], "id: b\n  ---inline\n");
  EXPECT_EQ(docs[2], "id: c");
}

TEST(FlowsApiTest, DisablingRewritesOnlyTheTopLevelKey) {
  std::string source = "id: a\nnamespace: n\ntasks:\n  - id: t\n    disabled: false\n";
  EXPECT_EQ(SetDisabledInSource(source, true), source + "disabled: true\n");
  EXPECT_EQ(SetDisabledInSource(source + "disabled: true\n", false), source + "disabled: false\n");
  EXPECT_EQ(SetDisabledInSource(source, false), source);
}

TEST(FlowsApiTest, FlowJsonHasKestrasShape) {
  flow::FlowParse parsed = flow::ParseFlow(R"(id: hello
namespace: company.team
labels:
  env: dev
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: a
      - id: b
        type: io.kestra.plugin.core.log.Log
        message: b
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: done
)",
                                           "f.yml", runtime::BuiltinRegistry());
  ASSERT_TRUE(parsed.flow);
  tmpl::Value json = FlowJson(*parsed.flow, 3, true);
  EXPECT_EQ(json.Get("revision")->AsInt(), 3);
  EXPECT_EQ(tmpl::ToJson(*json.Get("labels")), R"([{"key":"env","value":"dev"}])");
  EXPECT_FALSE(json.Get("disabled")->AsBool());
  EXPECT_EQ(json.Get("source")->AsString(), parsed.flow->source);
  EXPECT_EQ(json.Get("tasks")->AsList().size(), 2u);

  // The graph: the Parallel is a cluster whose children run from it to its end, then `after`.
  tmpl::Value graph = FlowGraphJson(*parsed.flow);
  std::set<std::pair<std::string, std::string>> edges;
  for (const auto& e : graph.Get("edges")->AsList())
    edges.emplace(e.Get("source")->AsString(), e.Get("target")->AsString());
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{{"root.root", "root.fan"},
                                                                                 {"root.fan", "root.fan.a"},
                                                                                 {"root.fan", "root.fan.b"},
                                                                                 {"root.fan.a", "root.fan.end"},
                                                                                 {"root.fan.b", "root.fan.end"},
                                                                                 {"root.fan.end", "root.after"},
                                                                                 {"root.after", "root.end"}})
    EXPECT_TRUE(edges.count({from, to})) << from << " -> " << to;
  ASSERT_EQ(graph.Get("clusters")->AsList().size(), 1u);
  EXPECT_EQ(graph.Get("clusters")->AsList()[0].Get("end")->AsString(), "root.fan.end");
}

}  // namespace
}  // namespace floe::server
