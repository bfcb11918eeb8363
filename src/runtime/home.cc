#include "runtime/home.h"

#include <cstdlib>

#include "flow/repository.h"
#include "tasks/builtin.h"
#include "triggers/cron.h"

namespace floe::runtime {

namespace {

// The flag, else the environment variable, else the default; absolute.
std::filesystem::path Choose(const std::string& flag, const char* env_name, const char* fallback) {
  std::filesystem::path p = fallback;
  if (!flag.empty()) {
    p = flag;
  } else if (const char* env = std::getenv(env_name); env && *env) {
    p = env;
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(p, ec);
  return ec ? p : absolute.lexically_normal();
}

// $FLOE_ALLOWED_PATHS: local folders flows may read files from, separated
// by ':' (as PATH is).
std::vector<std::filesystem::path> AllowedPaths() {
  std::vector<std::filesystem::path> out;
  const char* env = std::getenv("FLOE_ALLOWED_PATHS");
  std::string_view list = env ? env : "";
  while (!list.empty()) {
    size_t colon = list.find(':');
    std::string_view item = list.substr(0, colon);
    if (!item.empty()) {
      std::error_code ec;
      std::filesystem::path absolute = std::filesystem::absolute(std::string(item), ec);
      out.push_back(ec ? std::filesystem::path(std::string(item)) : absolute.lexically_normal());
    }
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return out;
}

// $FLOE_SECRET_KEY (base64), else $FLOE_SECRET_KEY_FILE, else <home>/secret.key.
exec::SecretCipher::KeySource SecretKey(const std::filesystem::path& root) {
  if (const char* key = std::getenv("FLOE_SECRET_KEY"); key && *key) return {.base64_key = key};
  if (const char* file = std::getenv("FLOE_SECRET_KEY_FILE"); file && *file)
    return {.key_file = std::filesystem::absolute(file)};
  return {.key_file = root / "secret.key"};
}

}  // namespace

Home ResolveHome(const std::string& home_flag, const std::string& flows_flag, const std::string& storage_flag) {
  Home home{.root = Choose(home_flag, "FLOE_HOME", ".floe"), .flows = Choose(flows_flag, "FLOE_FLOWS", "flows")};
  home.storage = storage_flag;
  if (home.storage.empty())
    if (const char* env = std::getenv("FLOE_STORAGE"); env && *env) home.storage = env;
  if (home.storage.empty()) home.storage = (home.root / "storage").string();
  return home;
}

flow::LakeSettings Home::lake_settings() const {
  const char* warehouse = std::getenv("FLOE_WAREHOUSE");
  return flow::LakeSettings{.catalog = database(),
                            .warehouse = warehouse && *warehouse ? warehouse : (lake() / "warehouse").string()};
}

exec::ExecutorSettings Home::executor_settings(std::vector<std::filesystem::path> extra_flow_dirs) const {
  std::vector<std::filesystem::path> dirs = {flows};
  for (auto& d : extra_flow_dirs) dirs.push_back(std::move(d));
  return exec::ExecutorSettings{
      .lake = lake(),
      .iceberg = lake_settings(),
      .scratch = scratch(),
      .locks = locks(),
      .secrets_file = root / "secrets.yml",
      .namespace_files = flows / "_files",
      .flows_dir = flows,
      .allowed_paths = AllowedPaths(),
      .secret_key = SecretKey(root),
      // Scanned when a Subflow needs it, so an edited flow is picked up.
      .find_flow = [dirs](const std::string& ns, const std::string& id) -> Result<flow::Flow> {
        return flow::FlowRepository::Scan(dirs, BuiltinRegistry()).Load(ns, id);
      },
  };
}

const flow::TaskRegistry& BuiltinRegistry() {
  static const flow::TaskRegistry registry = [] {
    flow::TaskRegistry r;
    tasks::RegisterBuiltinTasks(r);
    r.set_cron_check([](std::string_view cron, bool with_seconds) {
      return triggers::CronExpression::Parse(cron, with_seconds).status();
    });
    return r;
  }();
  return registry;
}

}  // namespace floe::runtime
