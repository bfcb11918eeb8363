#include "models/fingerprint.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "storage/sigv4.h"
#include "tmpl/json.h"

namespace floe::models {
namespace {

// What every node's build shares: the macros (a changed macro may change any
// node's SQL), vars and the target.
std::string ProjectInputs(const Manifest& m) {
  std::string all = "target:" + m.target.name + "|" + m.target.type + "|" + m.target.path + "|" + m.target.schema;
  all += "\nvars:" + tmpl::ToJson(m.project.vars) + "\noverride:" + tmpl::ToJson(m.vars_override);
  for (const auto& f : m.project.macros) all += "\nmacro:" + f.package + "/" + f.original_file_path + "\n" + f.text;
  return storage::Sha256Hex(all);
}

Result<std::string> SeedContents(const ParsedNode& p) {
  std::filesystem::path csv = p.node.package_root / p.node.original_file_path;
  std::ifstream in(csv, std::ios::binary);
  if (!in) return IoError("cannot read seed file " + csv.string() + " to fingerprint it");
  std::ostringstream text;
  text << in.rdbuf();
  return storage::Sha256Hex(text.str());
}

}  // namespace

Result<std::vector<std::string>> Fingerprints(const Manifest& m) {
  const std::string shared = ProjectInputs(m);
  std::vector<std::string> out(m.nodes.size());
  std::vector<int> state(m.nodes.size(), 0);  // 0 new, 1 in progress, 2 done
  // Parents first; the graph has no cycles (Parse rejects them).
  std::function<Status(size_t)> visit = [&](size_t i) -> Status {
    if (state[i] == 2) return Status::Ok();
    if (state[i] == 1) return Internal("cycle through " + m.nodes[i].node.unique_id + " while fingerprinting");
    state[i] = 1;
    const ParsedNode& p = m.nodes[i];
    for (size_t d : p.depends_on) RETURN_IF_ERROR(visit(d));
    std::string text = shared + "\n" + p.node.unique_id + "\n" + p.materialized + "\n" + p.relation.database + "." +
                       p.relation.schema + "." + p.relation.identifier + "\nconfig:" + tmpl::ToJson(p.config) +
                       "\ncode:" + p.node.raw_code;
    if (p.node.resource_type == ResourceType::kSeed) {
      ASSIGN_OR_RETURN(std::string contents, SeedContents(p));
      text += "\nseed:" + contents;
    }
    for (size_t d : p.depends_on) text += "\nparent:" + out[d];
    for (size_t s : p.depends_on_sources) {
      const SourceTable& src = m.sources[s];
      text += "\nsource:" + src.unique_id + "=" + src.database + "." + src.schema + "." + src.identifier;
    }
    out[i] = storage::Sha256Hex(text);
    state[i] = 2;
    return Status::Ok();
  };
  for (size_t i = 0; i < m.nodes.size(); ++i) RETURN_IF_ERROR(visit(i));
  return out;
}

std::string FingerprintScope(const Manifest& m) {
  return m.project.name + "|" + m.target.profile_name + "." + m.target.name + "|" + m.target.path;
}

std::string ChangeReason(const Manifest& m, size_t node, const std::vector<std::string>& now,
                         const std::map<std::string, std::string>& before) {
  const ParsedNode& p = m.nodes[node];
  auto it = before.find(p.node.unique_id);
  if (it == before.end()) return "no successful build recorded";
  if (it->second == now[node]) return "";
  for (size_t d : p.depends_on) {
    auto parent = before.find(m.nodes[d].node.unique_id);
    if (parent == before.end() || parent->second != now[d]) return "upstream " + m.nodes[d].node.name + " changed";
  }
  if (p.node.resource_type == ResourceType::kSeed) return "its CSV or config changed";
  return "its SQL, config, macros or vars changed";
}

}  // namespace floe::models
