#include "flow/flow.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tmpl/json.h"

namespace floe::flow {
namespace {

using ::testing::HasSubstr;

TaskRegistry TestRegistry() {
  TaskRegistry r;
  r.Register({.name = "core.Log",
              .aliases = {"io.kestra.plugin.core.log.Log"},
              .properties = {{.name = "message", .type = PropertyType::kAny, .required = true},
                             {.name = "level", .type = PropertyType::kEnum, .enum_values = {"INFO", "WARN"}}}});
  r.Register(
      {.name = "duckdb.Query",
       .aliases = {"io.kestra.plugin.jdbc.duckdb.Query"},
       .properties = {
           {.name = "sql", .required = true},
           {.name = "fetchType", .type = PropertyType::kEnum, .enum_values = {"NONE", "FETCH_ONE", "FETCH", "STORE"}},
           {.name = "inputFiles", .type = PropertyType::kMap}}});
  auto tasks = [](std::string name) { return PropertySpec{.name = std::move(name), .type = PropertyType::kTasks}; };
  r.Register(
      {.name = "flow.Sequential", .properties = {tasks("tasks"), tasks("errors")}, .flowable = Flowable::kSequential});
  r.Register({.name = "flow.Switch",
              .properties = {{.name = "value", .required = true},
                             {.name = "cases", .type = PropertyType::kTaskCases},
                             tasks("defaults")},
              .flowable = Flowable::kSwitch});
  r.Register({.name = "flow.Dag",
              .properties = {{.name = "tasks", .type = PropertyType::kDagTasks, .required = true}},
              .flowable = Flowable::kDag});
  r.Register({.name = "core.Sleep", .properties = {{.name = "duration", .type = PropertyType::kDuration}}});
  r.Register({.name = "flow.ForEach",
              .properties = {{.name = "values", .type = PropertyType::kValues, .required = true}, tasks("tasks")},
              .flowable = Flowable::kForEach});
  r.Register({.name = "s3.Trigger",
              .aliases = {"io.kestra.plugin.aws.s3.Trigger"},
              .properties = {{.name = "bucket", .required = true}, {.name = "prefix"}},
              .trigger_factory = [] { return std::unique_ptr<PollingTrigger>(); }});
  return r;
}

// Flows point into their registry, so it must outlive them.
const TaskRegistry& Registry() {
  static const TaskRegistry registry = TestRegistry();
  return registry;
}

std::vector<std::string> Errors(std::string_view yaml) {
  FlowParse parse = ParseFlow(yaml, "flow.yml", Registry());
  std::vector<std::string> out;
  for (const auto& e : parse.errors) out.push_back(e.ToString());
  return out;
}

TEST(FlowTest, ParsesAValidFlow) {
  FlowParse p = ParseFlow(R"(
id: hello
namespace: company.team
description: says hello
labels:
  env: dev
inputs:
  - id: name
    type: STRING
    defaults: world
variables:
  greeting: Hello
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ vars.greeting }} {{ inputs.name }}"
outputs:
  - id: said
    type: STRING
    value: "{{ inputs.name }}"
)",
                          "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  const Flow& f = *p.flow;
  EXPECT_EQ(f.id, "hello");
  EXPECT_EQ(f.namespace_, "company.team");
  ASSERT_EQ(f.tasks.size(), 1u);
  EXPECT_EQ(f.tasks[0].task_type->name, "core.Log");
  EXPECT_TRUE(f.tasks[0].properties.Find("message")->tmpl != nullptr);
  EXPECT_EQ(f.labels[0], std::make_pair(std::string("env"), std::string("dev")));
  ASSERT_EQ(f.outputs.size(), 1u);
}

TEST(FlowTest, ReportsEveryErrorWithPositionAndSuggestion) {
  auto errors = Errors(R"(id: broken
namespace: dev
taks:
  - id: a
    type: core.Log
    message: hi
tasks:
  - id: a
    type: core.Log
    message: one
  - id: a
    type: core.Lgo
    message: two
)");
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:3:1: unknown key 'taks' in a flow (did you mean 'tasks'?)"));
  EXPECT_THAT(errors[1], HasSubstr("flow.yml:11:9: duplicate task id 'a'"));
  EXPECT_THAT(errors[2], HasSubstr("flow.yml:12:11: unknown task type 'core.Lgo' (did you mean 'core.Log'"));
}

TEST(FlowTest, PropertyErrors) {
  auto errors = Errors(R"(id: f
namespace: dev
tasks:
  - id: q
    type: duckdb.Query
    fetchtype: FETCH
  - id: r
    type: duckdb.Query
    sql: SELECT 1
    fetchType: FETCH_ALL
  - id: s
    type: duckdb.Query
    sql: SELECT 1
    inputFiles: [a]
)");
  ASSERT_EQ(errors.size(), 4u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("4:5: task 'q' (duckdb.Query) is missing required property 'sql'"));
  EXPECT_THAT(errors[1], HasSubstr("6:5: unknown property 'fetchtype'"));
  EXPECT_THAT(errors[1], HasSubstr("did you mean 'fetchType'?"));
  EXPECT_THAT(errors[2], HasSubstr("10:16: property 'fetchType' must be one of NONE, FETCH_ONE, FETCH, STORE"));
  EXPECT_THAT(errors[3], HasSubstr("14:17: property 'inputFiles' must be a map"));
}

TEST(FlowTest, TemplateSyntaxErrorsPointIntoTheFile) {
  auto errors = Errors(R"(id: f
namespace: dev
tasks:
  - id: q
    type: duckdb.Query
    sql: |
      SELECT 1
      FROM {{ outputs.x. }}
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:8:"));
  EXPECT_THAT(errors[0], HasSubstr("expected an attribute name"));
}

TEST(FlowTest, InvalidYamlSaysWhere) {
  auto errors = Errors("id: f\ntasks: [\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:"));
  EXPECT_THAT(errors[0], HasSubstr("invalid YAML"));
}

TEST(FlowTest, LoadTimeChecksOfDurationsAndForEachValues) {
  auto errors = Errors(R"(id: f
namespace: dev
tasks:
  - id: nap
    type: core.Sleep
    duration: PT-1S
  - id: doze
    type: core.Sleep
    duration: PTXS
  - id: each
    type: flow.ForEach
    values: 42
    tasks:
      - id: a
        type: core.Log
        message: x
  - id: each_text
    type: flow.ForEach
    values: "[1, 2"
    tasks:
      - id: b
        type: core.Log
        message: x
  - id: back
    type: core.Sleep
    duration: -PT1S
  - id: fine
    type: flow.ForEach
    values: '["a", "b"]'
    tasks:
      - id: c
        type: core.Sleep
        duration: "{{ 'PT1S' }}"
)");
  ASSERT_EQ(errors.size(), 5u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("6:15: property 'duration': invalid ISO-8601 duration 'PT-1S'"));
  EXPECT_THAT(errors[1], HasSubstr("9:15: property 'duration':"));
  EXPECT_THAT(errors[2], HasSubstr("12:13: property 'values' must be a list, a map, or JSON text of one, not int"));
  EXPECT_THAT(errors[3], HasSubstr("19:13: property 'values' must be a list, a map, or JSON text of one"));
  EXPECT_THAT(errors[4], HasSubstr("26:15: property 'duration' must not be negative, not -PT1S"));
}

// "Billion laughs": nine levels of nine aliases each is 9^9 nodes once copied.
TEST(FlowTest, AliasExpansionIsBounded) {
  std::string yaml = "id: f\nnamespace: dev\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    yaml += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) yaml += (j ? ", *a" : "*a") + std::to_string(i - 1);
    yaml += "]\n";
  }
  auto errors = Errors(yaml);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:"));
  EXPECT_THAT(errors[0], HasSubstr("YAML expands to more than 250000 nodes"));

  // A long scalar repeated through aliases is bounded by its bytes.
  std::string wide = "id: f\nnamespace: dev\nx0: &a0 '" + std::string(1 << 20, 'x') + "'\nx1: [";
  for (int j = 0; j < 64; ++j) wide += j ? ", *a0" : "*a0";
  errors = Errors(wide + "]\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("YAML expands to more than 32 MiB of text"));
}

TEST(FlowTest, DeepNestingIsNestedTooDeeplyAtEveryDepth) {
  for (int depth : {250, 1000, 20000}) {
    for (auto [open, close] : {std::pair{"[", "]"}, std::pair{"{a: ", "}"}}) {
      std::string yaml = "id: f\nnamespace: dev\nx: ";
      for (int i = 0; i < depth; ++i) yaml += open;
      for (int i = 0; i < depth; ++i) yaml += close;
      auto errors = Errors(yaml + "\n");
      ASSERT_EQ(errors.size(), 1u) << depth;
      EXPECT_THAT(errors[0], HasSubstr("flow.yml:3:"));
      EXPECT_THAT(errors[0], HasSubstr("YAML nested too deeply (more than 200 levels)")) << depth << open;
    }
  }
}

TEST(FlowTest, DocumentSizeIsBounded) {
  std::string yaml = "id: f\nnamespace: dev\ndescription: '" + std::string(kMaxYamlBytes, 'x') + "'\n";
  auto errors = Errors(yaml);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:1:1: the YAML document is"));
  EXPECT_THAT(errors[0], HasSubstr("more than the limit of 8 MiB"));
}

TEST(FlowTest, ReadFlowFileNamesWhatIsWrong) {
  auto dir = std::filesystem::temp_directory_path() / ("floe_read_flow_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "folder.yml");
  auto folder = ReadFlowFile(dir / "folder.yml");
  ASSERT_FALSE(folder.ok());
  EXPECT_THAT(folder.status().ToString(), HasSubstr("is a folder, not a flow file"));
  auto missing = ReadFlowFile(dir / "missing.yml");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().ToString(), HasSubstr("no flow file"));
  std::filesystem::remove_all(dir);
}

TEST(FlowTest, DuplicateYamlKeys) {
  auto errors = Errors("id: f\nid: g\nnamespace: dev\ntasks:\n  - id: a\n    type: core.Log\n    message: x\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:2:1: duplicate key 'id'"));
}

TEST(FlowTest, NamespacesWithEmptyPartsAreRefused) {
  // '.' or '..' would name the parent of every namespace's files.
  for (std::string ns : {".", "..", "a..b", ".team", "team.", "'../x'", "a/b"}) {
    auto errors = Errors("id: f\nnamespace: " + ns + "\ntasks:\n  - id: a\n    type: core.Log\n    message: x\n");
    ASSERT_EQ(errors.size(), 1u) << ns;
    EXPECT_THAT(errors[0], HasSubstr("flow.yml:2:12: namespace")) << ns;
  }
  EXPECT_TRUE(
      Errors("id: f\nnamespace: company.team-1.x_y\ntasks:\n  - id: a\n    type: core.Log\n    message: x\n").empty());
}

TEST(FlowTest, ErrorsAndFinallyListsShareTaskIds) {
  auto errors = Errors(R"(id: f
namespace: dev
tasks:
  - id: a
    type: core.Log
    message: x
errors:
  - id: a
    type: core.Log
    message: y
finally: nope
)");
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("8:9: duplicate task id 'a'"));
  EXPECT_THAT(errors[1], HasSubstr("11:10: 'finally' must be a list of tasks"));
}

TEST(FlowTest, NotYetSupportedKeysAreErrorsNotIgnored) {
  auto errors = Errors(
      "id: f\nnamespace: dev\nlisteners: []\ntasks:\n  - id: a\n    type: core.Log\n    message: x\n    workerGroup: "
      "gpu\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0], HasSubstr("'listeners' is not supported by floe yet"));
  EXPECT_THAT(errors[1], HasSubstr("'workerGroup' is not supported by floe yet"));
}

TEST(FlowTest, ParsesPollingTriggers) {
  FlowParse p = ParseFlow(R"(id: f
namespace: dev
tasks:
  - id: a
    type: core.Log
    message: "{{ trigger.objects | length }}"
triggers:
  - id: watch
    type: io.kestra.plugin.aws.s3.Trigger
    interval: PT30S
    bucket: lake
    prefix: in/
  - id: idle
    type: s3.Trigger
    disabled: true
    bucket: other
)",
                          "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  ASSERT_EQ(p.flow->triggers.size(), 2u);
  const TriggerSpec& watch = p.flow->triggers[0];
  EXPECT_EQ(watch.spec.id, "watch");
  EXPECT_EQ(watch.spec.task_type->name, "s3.Trigger");
  EXPECT_EQ(watch.interval, std::chrono::seconds(30));
  EXPECT_EQ(watch.spec.properties.entries.size(), 2u);
  EXPECT_EQ(p.flow->triggers[1].interval, std::chrono::seconds(60));  // Kestra's default
  EXPECT_TRUE(p.flow->triggers[1].spec.disabled);
}

TEST(FlowTest, BadTriggersAreErrors) {
  auto errors = Errors(R"(id: f
namespace: dev
tasks:
  - id: a
    type: s3.Trigger
    bucket: x
triggers:
  - id: t1
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
  - id: t2
    type: core.Log
    message: x
  - id: t3
    type: s3.Trigger
    interval: soon
    bukket: x
    workerGroup: gpu
  - id: t3
    type: s3.Trigger
    bucket: y
)");
  ASSERT_EQ(errors.size(), 8u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("5:11: 's3.Trigger' is a trigger, not a task"));
  // This registry has no server triggers (triggers_test.cc covers them).
  EXPECT_THAT(errors[1], HasSubstr("9:11: unknown trigger type 'io.kestra.plugin.core.trigger.Schedule'"));
  EXPECT_THAT(errors[1], HasSubstr("floe knows these triggers: s3.Trigger"));
  EXPECT_THAT(errors[2], HasSubstr("12:11: 'core.Log' is a task type, not a trigger"));
  EXPECT_THAT(errors[3], HasSubstr("14:5: trigger 't3' (s3.Trigger) is missing required property 'bucket'"));
  EXPECT_THAT(errors[4], HasSubstr("16:15: 'interval' must be a positive duration"));
  EXPECT_THAT(errors[5], HasSubstr("17:5: unknown property 'bukket' for trigger type 's3.Trigger'"));
  EXPECT_THAT(errors[6], HasSubstr("18:5: 'workerGroup' is not supported by floe yet on triggers"));
  EXPECT_THAT(errors[7], HasSubstr("19:9: duplicate trigger id 't3'"));
}

Flow InputsFlow() {
  FlowParse p = ParseFlow(R"(id: f
namespace: dev
inputs:
  - id: s
    type: STRING
    validator: "[a-z]+"
    required: false
  - id: token
    type: SECRET
    validator: "tok_[0-9]+"
    required: false
  - id: n
    type: INT
    min: 1
    max: 10
    defaults: 5
  - id: x
    type: FLOAT
    required: false
  - id: b
    type: BOOLEAN
    defaults: false
  - id: d
    type: DATE
    required: false
  - id: dt
    type: DATETIME
    required: false
  - id: dur
    type: DURATION
    required: false
  - id: j
    type: JSON
    required: false
  - id: sel
    type: SELECT
    values: [small, large]
    defaults: small
tasks:
  - id: a
    type: core.Log
    message: x
)",
                          "f.yml", Registry());
  EXPECT_TRUE(p.errors.empty()) << (p.errors.empty() ? "" : p.errors[0].ToString());
  return *p.flow;
}

TEST(InputsTest, ConvertsAndDefaults) {
  Flow f = InputsFlow();
  auto v = ResolveInputs(f, {{"s", tmpl::Value("abc")},
                             {"x", tmpl::Value("2.5")},
                             {"j", tmpl::Value(R"({"k": [1]})")},
                             {"d", tmpl::Value("2024-02-29")},
                             {"dt", tmpl::Value("2024-02-29T10:00:00Z")},
                             {"dur", tmpl::Value("PT5M")}});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->Get("n")->AsInt(), 5);
  EXPECT_DOUBLE_EQ(v->Get("x")->AsDouble(), 2.5);
  EXPECT_EQ(v->Get("b")->AsBool(), false);
  EXPECT_EQ(v->Get("sel")->AsString(), "small");
  EXPECT_TRUE(v->Get("j")->Get("k")->is_list());
}

TEST(InputsTest, RejectsBadValuesClearly) {
  Flow f = InputsFlow();
  auto check = [&](std::string name, std::string value, std::string expected) {
    auto v = ResolveInputs(f, {{name, tmpl::Value(value)}});
    ASSERT_FALSE(v.ok()) << name << "=" << value;
    EXPECT_THAT(v.status().ToString(), HasSubstr(expected));
  };
  check("s", "ABC", "does not match the validator");
  // A SECRET's validator is checked too, and its error never shows the value.
  check("token", "hunter2", "the value does not match the validator tok_[0-9]+");
  EXPECT_THAT(ResolveInputs(f, {{"token", tmpl::Value("hunter2")}}).status().ToString(),
              ::testing::Not(HasSubstr("hunter2")));
  check("n", "11", "above the maximum 10");
  check("n", "x", "'x' is not an integer");
  check("n", "99999999999999999999", "99999999999999999999 is out of range for an INT input");
  check("b", "yes", "not true or false");
  check("d", "2023-02-29", "is not a date");
  check("dt", "2024-01-01 25:00:00", "is not a date-time");
  check("dur", "5 minutes", "invalid ISO-8601 duration");
  check("j", "{bad", "invalid JSON");
  check("sel", "smal", "did you mean 'small'?");
  check("nope", "1", "has no input 'nope'");
}

TEST(InputsTest, MoreKestraTypes) {
  FlowParse p = ParseFlow(R"(
id: f
namespace: n
inputs:
  - id: t
    type: TIME
  - id: ms
    type: MULTISELECT
    values: [a, b, c]
  - id: arr
    type: ARRAY
    itemType: INT
  - id: y
    type: YAML
  - id: u
    type: URI
  - id: e
    type: EMAIL
  - id: pw
    type: SECRET
tasks:
  - id: a
    type: core.Log
    message: x
)",
                          "f.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  auto v = ResolveInputs(*p.flow, {{"t", tmpl::Value("08:30:15")},
                                   {"ms", tmpl::Value("a, c")},
                                   {"arr", tmpl::Value("[1, 2, 3]")},
                                   {"y", tmpl::Value("k: [1, two]")},
                                   {"u", tmpl::Value("s3://bucket/key")},
                                   {"e", tmpl::Value("ada@example.com")},
                                   {"pw", tmpl::Value("hunter2")}});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(tmpl::ToJson(*v->Get("ms")), R"(["a","c"])");
  EXPECT_EQ(tmpl::ToJson(*v->Get("arr")), "[1,2,3]");
  EXPECT_EQ(tmpl::ToJson(*v->Get("y")), R"({"k":[1,"two"]})");
  auto bad = [&](std::string name, std::string value, std::string expected) {
    std::map<std::string, tmpl::Value> given = {
        {"t", tmpl::Value("08:30")}, {"ms", tmpl::Value("a")},    {"arr", tmpl::Value("1")},    {"y", tmpl::Value("1")},
        {"u", tmpl::Value("x:y")},   {"e", tmpl::Value("a@b.c")}, {"pw", tmpl::Value("secret")}};
    given[name] = tmpl::Value(value);
    auto r = ResolveInputs(*p.flow, given);
    ASSERT_FALSE(r.ok()) << name << "=" << value;
    EXPECT_THAT(r.status().ToString(), HasSubstr(expected));
  };
  bad("t", "25:00", "is not a time");
  bad("ms", "a,d", "'d' is not one of a, b, c");
  bad("arr", "1,x", "'x' is not an integer");
  bad("y", "k: [1", "input 'y' (YAML)");
  bad("u", "not a uri", "is not a URI");
  bad("e", "ada.example.com", "is not an email address");
  EXPECT_THAT(Errors("id: f\nnamespace: n\ninputs:\n  - id: a\n    type: ARRAY\ntasks:\n  - id: x\n    type: "
                     "core.Log\n    message: x\n"),
              ::testing::ElementsAre(HasSubstr("an ARRAY input needs 'itemType'")));
}

TEST(InputsTest, MissingRequired) {
  FlowParse p = ParseFlow(
      "id: f\nnamespace: d\ninputs:\n  - id: who\n    type: STRING\ntasks:\n  - id: a\n    type: core.Log\n    "
      "message: x\n",
      "f.yml", Registry());
  ASSERT_TRUE(p.flow);
  auto v = ResolveInputs(*p.flow, {});
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.status().ToString(), HasSubstr("missing required input 'who'"));
  EXPECT_THAT(v.status().ToString(), HasSubstr("--input who=VALUE"));
}

TEST(InputsTest, BadDefaultIsALoadError) {
  auto errors = Errors(
      "id: f\nnamespace: d\ninputs:\n  - id: n\n    type: INT\n    defaults: abc\ntasks:\n  - id: a\n    type: "
      "core.Log\n    message: x\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("6:15: default does not fit the input"));
}

TEST(FlowTest, FlowableChildrenAreParsedIntoBranches) {
  FlowParse p = ParseFlow(R"(
id: f
namespace: n
tasks:
  - id: seq
    type: flow.Sequential
    tasks:
      - id: a
        type: core.Log
        message: a
    errors:
      - id: on_error
        type: core.Log
        message: e
  - id: sw
    type: flow.Switch
    value: x
    cases:
      x:
        - id: in_x
          type: core.Log
          message: x
    defaults:
      - id: other
        type: core.Log
        message: other
)",
                          "f.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  const TaskSpec& seq = p.flow->tasks[0];
  ASSERT_NE(seq.Branch("tasks"), nullptr);
  EXPECT_EQ(seq.Branch("tasks")->at(0).id, "a");
  EXPECT_EQ(seq.Branch("errors")->at(0).id, "on_error");
  EXPECT_EQ(seq.properties.entries.size(), 0u);  // children are not properties
  const TaskSpec& sw = p.flow->tasks[1];
  EXPECT_EQ(sw.Branch("case:x")->at(0).id, "in_x");
  EXPECT_EQ(sw.Branch("defaults")->at(0).id, "other");
  EXPECT_EQ(sw.Branch("case:y"), nullptr);
}

TEST(FlowTest, ChildTaskIdsShareTheFlowsNamespaceOfIds) {
  auto errors = Errors(R"(
id: f
namespace: n
tasks:
  - id: a
    type: core.Log
    message: a
  - id: seq
    type: flow.Sequential
    tasks:
      - id: a
        type: core.Log
        message: again
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("duplicate task id 'a'"));
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:11:"));
}

TEST(FlowTest, ChildErrorsAreReportedWithTheirPlace) {
  auto errors = Errors(R"(
id: f
namespace: n
tasks:
  - id: seq
    type: flow.Sequential
    tasks:
      - id: child
        type: core.Lgo
        message: a
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:9:15: unknown task type 'core.Lgo'"));
  EXPECT_THAT(errors[0], HasSubstr("core.Log"));
}

TEST(FlowTest, PluginDefaultsFillMissingPropertiesAndForcedOnesWin) {
  FlowParse p = ParseFlow(R"(
id: f
namespace: n
pluginDefaults:
  - type: core.Log
    values:
      level: WARN
      message: default message
  - type: io.kestra.plugin.jdbc.duckdb
    forced: true
    values:
      fetchType: STORE
tasks:
  - id: plain
    type: io.kestra.plugin.core.log.Log
  - id: own
    type: core.Log
    message: mine
    level: INFO
  - id: q
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT 1
    fetchType: FETCH_ONE
)",
                          "f.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  auto prop = [&](size_t task, std::string_view key) -> std::string {
    for (const auto& e : p.flow->tasks[task].properties.entries)
      if (e.key == key) return e.value.scalar;
    return "<absent>";
  };
  EXPECT_EQ(prop(0, "level"), "WARN");
  EXPECT_EQ(prop(0, "message"), "default message");
  EXPECT_EQ(prop(1, "level"), "INFO");
  EXPECT_EQ(prop(1, "message"), "mine");
  EXPECT_EQ(prop(2, "fetchType"), "STORE") << "forced, by type prefix";
}

TEST(FlowTest, FlowRetryConcurrencyAndTaskKeys) {
  FlowParse p = ParseFlow(R"(
id: f
namespace: n
revision: 3
retry:
  type: constant
  interval: PT1S
  maxAttempts: 2
  behavior: CREATE_NEW_EXECUTION
concurrency:
  limit: 2
  behavior: FAIL
tasks:
  - id: a
    type: core.Log
    message: x
    allowWarning: true
    logLevel: WARN
afterExecution:
  - id: notify
    type: core.Log
    message: done
)",
                          "f.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  EXPECT_EQ(p.flow->revision, 3);
  ASSERT_TRUE(p.flow->retry);
  EXPECT_TRUE(p.flow->retry->new_execution);
  ASSERT_TRUE(p.flow->concurrency);
  EXPECT_EQ(p.flow->concurrency->limit, 2);
  EXPECT_EQ(p.flow->concurrency->behavior, Concurrency::Behavior::kFail);
  EXPECT_TRUE(p.flow->tasks[0].allow_warning);
  EXPECT_EQ(p.flow->tasks[0].log_level, LogLevel::kWarn);
  ASSERT_EQ(p.flow->after_execution.size(), 1u);
  auto errors = Errors(
      "id: f\nnamespace: n\nconcurrency:\n  limit: 0\n  behavior: DROP\ntasks:\n  - id: a\n    "
      "type: core.Log\n    message: x\n    logLevel: LOUD\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0], HasSubstr("concurrency 'limit' must be a whole number >= 1"));
  EXPECT_THAT(errors[1], HasSubstr("'logLevel' must be TRACE, DEBUG, INFO, WARN or ERROR"));
}

TEST(FlowTest, DagCycleIsNamed) {
  auto errors = Errors(R"(
id: f
namespace: n
tasks:
  - id: dag
    type: flow.Dag
    tasks:
      - task: {id: extract, type: core.Log, message: e}
      - task: {id: load, type: core.Log, message: l}
        dependsOn: [transform]
      - task: {id: transform, type: core.Log, message: t}
        dependsOn: [load]
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("the Dag 'dag' has a cycle: load -> transform -> load"));
}

TEST(FlowTest, DagDependencyMustNameASibling) {
  auto errors = Errors(R"(
id: f
namespace: n
tasks:
  - id: dag
    type: flow.Dag
    tasks:
      - task: {id: extract, type: core.Log, message: e}
      - task: {id: load, type: core.Log, message: l}
        dependsOn: [extrct]
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("task 'load' depends on 'extrct', which is not a task of this Dag"));
  EXPECT_THAT(errors[0], HasSubstr("extract"));
}

TEST(FlowTest, ChildListsMustBeLists) {
  auto errors = Errors(R"(
id: f
namespace: n
tasks:
  - id: seq
    type: flow.Sequential
    tasks: {id: a}
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("'tasks' must be a list of tasks"));
}

}  // namespace
}  // namespace floe::flow

namespace floe::flow {
namespace {

TEST(FlowOutputTest, OutputsAreConvertedToTheirDeclaredType) {
  FlowOutput out;
  out.id = "answer";
  out.type = "INT";
  auto v = ConvertOutput(out, tmpl::Value("42"));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->is_int());
  EXPECT_EQ(v->AsInt(), 42);
  auto bad = ConvertOutput(out, tmpl::Value("forty-two"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("output 'answer' (INT)"), std::string::npos) << bad.status().message();
  out.type = "JSON";
  auto json = ConvertOutput(out, tmpl::Value(R"({"a": [1]})"));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(tmpl::ToJson(*json), R"({"a":[1]})");
}

}  // namespace
}  // namespace floe::flow

namespace floe::flow {
namespace {

TEST(InputsTest, KestrasInputOptions) {
  FlowParse p = ParseFlow(R"(id: f
namespace: dev
inputs:
  - id: mode
    type: SELECT
    values: [full, partial]
    defaults: full
  - id: since
    type: DATE
    after: "2020-01-01"
    before: "2030-01-01"
    dependsOn:
      inputs: [mode]
      condition: "{{ inputs.mode == 'partial' }}"
  - id: window
    type: DURATION
    min: PT1M
    max: PT1H
    defaults: PT5M
  - id: data
    type: FILE
    extension: .csv
    required: false
  - id: at
    type: TIME
    after: "08:00"
    required: false
tasks:
  - id: a
    type: core.Log
    message: hi
)",
                          "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  auto resolve = [&](std::map<std::string, tmpl::Value> given) { return ResolveInputs(*p.flow, given); };
  // The condition does not hold: `since` is neither required nor accepted.
  auto v = resolve({});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->Get("since"), nullptr);
  EXPECT_THAT(resolve({{"since", tmpl::Value("2024-01-01")}}).status().ToString(),
              HasSubstr("its dependsOn condition does not hold"));
  // It holds: `since` is required and checked against after/before.
  EXPECT_THAT(resolve({{"mode", tmpl::Value("partial")}}).status().ToString(),
              HasSubstr("missing required input 'since'"));
  EXPECT_THAT(resolve({{"mode", tmpl::Value("partial")}, {"since", tmpl::Value("2019-12-31")}}).status().ToString(),
              HasSubstr("is not after 2020-01-01"));
  EXPECT_TRUE(resolve({{"mode", tmpl::Value("partial")}, {"since", tmpl::Value("2024-06-01")}}).ok());
  EXPECT_THAT(resolve({{"window", tmpl::Value("PT30S")}}).status().ToString(),
              HasSubstr("shorter than the minimum PT1M"));
  EXPECT_THAT(resolve({{"data", tmpl::Value("x.json")}}).status().ToString(),
              HasSubstr("does not end with an allowed extension (.csv)"));
  EXPECT_THAT(resolve({{"at", tmpl::Value("07:59:59")}}).status().ToString(), HasSubstr("is not after 08:00"));
  EXPECT_TRUE(resolve({{"at", tmpl::Value("08:00:01")}}).ok());
}

TEST(InputsTest, BadInputOptionsAreLoadErrors) {
  FlowParse p = ParseFlow(R"(id: f
namespace: dev
inputs:
  - id: d
    type: DURATION
    min: 5
  - id: n
    type: INT
    after: "2020-01-01"
  - id: later
    type: STRING
    dependsOn:
      inputs: [nowhere]
      condition: "{{ true }}"
tasks:
  - id: a
    type: core.Log
    message: hi
)",
                          "flow.yml", Registry());
  std::string all;
  for (const auto& e : p.errors) all += e.ToString() + "\n";
  EXPECT_THAT(all, HasSubstr("flow.yml:6:10: 'min' of a DURATION input must be an ISO duration"));
  EXPECT_THAT(all, HasSubstr("flow.yml:9:12: 'after' applies to DATE, DATETIME and TIME inputs"));
  EXPECT_THAT(all, HasSubstr("depends on 'nowhere', which is not declared before it"));
}

TEST(FlowTest, SlaLogToFileAndDisabledParse) {
  FlowParse p = ParseFlow(R"(id: f
namespace: dev
disabled: true
sla:
  - id: fast
    type: MAX_DURATION
    behavior: FAIL
    duration: PT10M
    labels:
      late: "yes"
  - id: rows
    type: EXECUTION_ASSERTION
    behavior: NONE
    assert: "{{ outputs.a is defined }}"
tasks:
  - id: a
    type: core.Log
    message: hi
    logToFile: true
)",
                          "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  EXPECT_TRUE(p.flow->disabled);
  ASSERT_EQ(p.flow->slas.size(), 2u);
  EXPECT_EQ(p.flow->slas[0].type, Sla::Type::kMaxDuration);
  EXPECT_EQ(p.flow->slas[0].behavior, Sla::Behavior::kFail);
  EXPECT_EQ(p.flow->slas[0].duration, std::chrono::minutes(10));
  ASSERT_EQ(p.flow->slas[0].labels.size(), 1u);
  EXPECT_EQ(p.flow->slas[1].type, Sla::Type::kExecutionAssertion);
  ASSERT_TRUE(p.flow->slas[1].assertion);
  EXPECT_TRUE(p.flow->tasks[0].log_to_file);
}

TEST(FlowTest, BadSlasAndSelectExpressionsAreLoadErrors) {
  FlowParse p = ParseFlow(R"(id: f
namespace: dev
inputs:
  - id: both
    type: SELECT
    values: [a]
    expression: "{{ ['b'] }}"
  - id: text
    type: STRING
    expression: "{{ ['b'] }}"
  - id: none
    type: MULTISELECT
sla:
  - id: s1
    type: MAX_DURATION
    behavior: FAIL
  - id: s2
    type: EXECUTION_ASSERTION
    behavior: SOMETIMES
    assert: "{{ true }}"
  - id: s3
    type: SLOW
    behavior: NONE
  - id: s4
    type: MAX_DURATION
    behavior: NONE
    duration: PT1M
    labels:
      system.x: y
tasks:
  - id: a
    type: core.Log
    message: hi
    logToFile: sometimes
)",
                          "flow.yml", Registry());
  std::string all;
  for (const auto& e : p.errors) all += e.ToString() + "\n";
  EXPECT_THAT(all, HasSubstr("flow.yml:7:17: give either 'values' or 'expression', not both"));
  EXPECT_THAT(all, HasSubstr("flow.yml:10:17: 'expression' gives the choices of a SELECT or MULTISELECT input"));
  EXPECT_THAT(all, HasSubstr("a MULTISELECT input needs 'values' or 'expression'"));
  EXPECT_THAT(all, HasSubstr("sla 's1': MAX_DURATION needs a positive 'duration' like PT1H"));
  EXPECT_THAT(all, HasSubstr("flow.yml:19:15: sla 's2': 'behavior' must be FAIL, CANCEL or NONE"));
  EXPECT_THAT(all, HasSubstr("flow.yml:22:11: sla 's3': 'type' must be MAX_DURATION or EXECUTION_ASSERTION"));
  EXPECT_THAT(all, HasSubstr("sla 's4': label 'system.x' is reserved"));
  EXPECT_THAT(all, HasSubstr("flow.yml:34:16: 'logToFile' must be true or false"));
}

}  // namespace
}  // namespace floe::flow
