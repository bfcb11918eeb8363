// Conformance cases live in testdata/*.cases as data (see testdata/README.md);
// this file runs them and holds the few behaviours that are not text in, text
// out (typed evaluation, error positions).
#include "tmpl/template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tmpl/json.h"

namespace floe::tmpl {
namespace {

struct Case {
  std::string file;
  int line = 0;
  std::string name;
  std::string dialect = "pebble";
  std::string template_text;
  std::string context = "{}";
  std::optional<std::string> output;
  std::optional<std::string> error;
  std::map<std::string, std::string> files;  // for import/include/read
};

// Serves the case's files to import/include/read and one fixed secret.
class CaseHost : public RenderHost {
 public:
  CaseHost(const Case& c, const Environment& env) : case_(c), env_(env) {}
  Result<std::string> ReadFile(std::string_view uri) const override {
    auto it = case_.files.find(std::string(uri));
    if (it == case_.files.end()) return NotFound("no file '" + std::string(uri) + "'");
    return it->second;
  }
  Result<std::string> Secret(std::string_view name) const override {
    if (name == "API_KEY") return std::string("s3cr3t");
    return NotFound("no secret '" + std::string(name) + "'");
  }
  Result<std::shared_ptr<const Template>> LoadTemplate(std::string_view name) const override {
    ASSIGN_OR_RETURN(std::string text, ReadFile(name));
    return Template::Compile(text, SourceOrigin{std::string(name)}, env_);
  }

 private:
  const Case& case_;
  const Environment& env_;
};

std::string Chomp(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::vector<Case> LoadCases(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<Case> cases;
  std::string line, section;
  std::string* target = nullptr;
  int n = 0;
  auto finish_section = [&]() {
    if (!cases.empty() && target) *target = Chomp(*target);
  };
  // Files keep their final newline chomped like every other section.
  while (std::getline(in, line)) {
    ++n;
    if (line.starts_with("=== ")) {
      finish_section();
      target = nullptr;
      cases.push_back(Case{path.filename().string(), n, line.substr(4)});
      continue;
    }
    if (line.starts_with("--- ") && !cases.empty()) {
      finish_section();
      Case& c = cases.back();
      std::string what = line.substr(4);
      if (what.starts_with("dialect ")) {
        c.dialect = what.substr(8);
        target = nullptr;
      } else if (what == "template") {
        target = &c.template_text;
      } else if (what == "context") {
        c.context.clear();
        target = &c.context;
      } else if (what == "output") {
        c.output.emplace();
        target = &*c.output;
      } else if (what == "error") {
        c.error.emplace();
        target = &*c.error;
      } else if (what == "floe-only") {
        target = nullptr;  // a floe extension: the Jinja2 differential skips it
      } else if (what.starts_with("file ")) {
        target = &c.files[what.substr(5)];
      } else {
        ADD_FAILURE() << path << ":" << n << ": unknown section '" << what << "'";
        target = nullptr;
      }
      continue;
    }
    if (target) *target += line + "\n";
  }
  finish_section();
  return cases;
}

TEST(TemplateConformance, AllCases) {
  std::filesystem::path dir = std::filesystem::path(FLOE_TMPL_TESTDATA);
  int count = 0;
  Environment pebble = Environment::Standard(Dialect::kPebble);
  Environment jinja = Environment::Standard(Dialect::kJinja);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".cases") continue;
    for (const Case& c : LoadCases(entry.path())) {
      ++count;
      SCOPED_TRACE(c.file + ":" + std::to_string(c.line) + " " + c.name);
      const Environment& env = c.dialect == "jinja" ? jinja : pebble;
      auto context = ParseJson(c.context);
      if (!context.ok()) {
        ADD_FAILURE() << context.status().ToString();
        continue;
      }
      auto compiled = Template::Compile(c.template_text, SourceOrigin{"case"}, env);
      CaseHost host(c, env);
      Result<std::string> out =
          compiled.ok() ? (*compiled)->Render(*context, &host) : Result<std::string>(compiled.status());
      if (c.output) {
        if (!out.ok()) {
          ADD_FAILURE() << out.status().ToString();
          continue;
        }
        EXPECT_EQ(*out, *c.output);
      } else if (c.error) {
        if (out.ok()) {
          ADD_FAILURE() << "expected an error, rendered: " << *out;
          continue;
        }
        EXPECT_NE(out.status().ToString().find(*c.error), std::string::npos)
            << "error was: " << out.status().ToString();
      } else {
        ADD_FAILURE() << "case has neither output nor error";
      }
    }
  }
  EXPECT_GT(count, 0);
  std::printf("template conformance: %d cases\n", count);
}

TEST(TemplateTest, EvaluateKeepsTypeOfSingleExpression) {
  Environment env = Environment::Standard();
  auto ctx = *ParseJson(R"({"inputs": {"list": [1, 2], "n": 3}})");
  auto t = *Template::Compile("{{ inputs.list }}", SourceOrigin{"p"}, env);
  auto v = t->Evaluate(ctx);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->is_list());
  auto t2 = *Template::Compile(" {{ inputs.n + 1 }}\n", SourceOrigin{"p"}, env);
  EXPECT_EQ(t2->Evaluate(ctx)->AsInt(), 4);
  auto t3 = *Template::Compile("n={{ inputs.n }}", SourceOrigin{"p"}, env);
  EXPECT_EQ(t3->Evaluate(ctx)->AsString(), "n=3");
}

TEST(TemplateTest, ErrorPointsIntoTheEnclosingFile) {
  Environment env = Environment::Standard();
  SourceOrigin origin{"task 'hello' property 'message'", 7, 14, 0, "flow.yml"};
  auto t = *Template::Compile("Hello {{ inputs.nme }}", origin, env);
  auto out = t->Render(*ParseJson(R"({"inputs": {"name": "x"}})"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().location().file, "flow.yml");
  EXPECT_EQ(out.status().location().line, 7);
  EXPECT_EQ(out.status().location().column, 14 + 16);  // at "nme"
  std::string text = out.status().ToString();
  EXPECT_NE(text.find("'inputs.nme' is not defined"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean 'name'?"), std::string::npos) << text;
  EXPECT_NE(text.find("    Hello {{ inputs.nme }}\n                    ^"), std::string::npos) << text;
}

TEST(TemplateTest, BlockScalarLinesUseIndent) {
  Environment env = Environment::Standard();
  SourceOrigin origin{"sql", 10, 5, 6, "flow.yml"};
  auto t = Template::Compile("SELECT 1\nFROM {{ x", origin, env);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().location().line, 11);
}

TEST(TemplateTest, LiteralTemplatesSkipParsing) {
  Environment env = Environment::Standard();
  auto t = *Template::Compile("plain text with } and {", SourceOrigin{"p"}, env);
  EXPECT_TRUE(t->is_literal());
  EXPECT_EQ(*t->Render(Value()), "plain text with } and {");
}

TEST(TemplateTest, HostFunctionsAndFilters) {
  Environment env = Environment::Standard();
  env.AddFunction("ref", [](CallArgs& args, RenderState&) -> Result<Value> {
    return Value("\"main\".\"" + args.positional.at(0).AsString() + "\"");
  });
  auto out = RenderString("select * from {{ ref('orders') }}", Value(), env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "select * from \"main\".\"orders\"");
}

TEST(TemplateTest, LoopLimitIsAnError) {
  Environment env = Environment::Standard();
  env.limits.max_loop_iterations = 100;
  auto out =
      RenderString("{% for i in range(1, 50) %}{% for j in range(1, 50) %}x{% endfor %}{% endfor %}", Value(), env);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("limit"), std::string::npos);
}

TEST(TemplateTest, RecursionLimitIsAnError) {
  Environment env = Environment::Standard();
  auto out = RenderString("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Value(), env);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("nested deeper"), std::string::npos) << out.status().ToString();
}

}  // namespace
}  // namespace floe::tmpl
