#include "tasks/script_helpers.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <mutex>

namespace floe::tasks {
namespace {

constexpr const char* kPythonModule = R"PY(# Kestra's helper as floe ships it: the lines its script tasks read.
import json
import logging
import sys


class Kestra:
    @staticmethod
    def _send(payload):
        print("::" + json.dumps(payload) + "::", flush=True)

    @staticmethod
    def outputs(values):
        Kestra._send({"outputs": values})

    @staticmethod
    def counter(name, value, tags=None):
        Kestra._send({"metrics": [{"name": name, "type": "counter", "value": value, "tags": tags or {}}]})

    @staticmethod
    def timer(name, duration, tags=None):
        if callable(duration):
            import time
            start = time.time()
            duration()
            duration = time.time() - start
        Kestra._send({"metrics": [{"name": name, "type": "timer", "value": duration, "tags": tags or {}}]})

    @staticmethod
    def logger():
        logger = logging.getLogger("Kestra")
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
        return logger
)PY";

constexpr const char* kNodeModule = R"JS(// Kestra's helper as floe ships it: the lines its script tasks read.
function send(payload) { console.log('::' + JSON.stringify(payload) + '::'); }
const Kestra = {
  outputs(values) { send({ outputs: values }); },
  counter(name, value, tags) { send({ metrics: [{ name, type: 'counter', value, tags: tags || {} }] }); },
  timer(name, duration, tags) { send({ metrics: [{ name, type: 'timer', value: duration, tags: tags || {} }] }); },
  logger() { return console; },
};
module.exports = Kestra;
module.exports.default = Kestra;
)JS";

// Writes `content` to `path` unless it is already there, through a rename so
// a concurrent reader never sees half a file.
Status WriteOnce(const std::filesystem::path& path, const std::string& content) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return IoError("cannot create '" + path.parent_path().string() + "': " + ec.message());
  {
    std::ifstream in(path, std::ios::binary);
    std::string existing((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (existing == content) return Status::Ok();
  }
  std::filesystem::path tmp = path;
  tmp += ".tmp" + std::to_string(getpid());
  std::ofstream out(tmp, std::ios::binary);
  out << content;
  if (!out.flush()) return IoError("cannot write '" + tmp.string() + "'");
  out.close();
  std::filesystem::rename(tmp, path, ec);
  if (ec) return IoError("cannot write '" + path.string() + "': " + ec.message());
  return Status::Ok();
}

}  // namespace

Result<std::filesystem::path> KestraHelperPath(ScriptLanguage language) {
  if (language == ScriptLanguage::kShell) return std::filesystem::path();
  static std::mutex mu;
  std::lock_guard lock(mu);
  // Per user; a folder someone else owns (or may write to) is never used.
  std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("floe-kestra-helpers-" + std::to_string(getuid()));
  std::error_code ec;
  std::filesystem::create_directory(root, ec);
  struct stat info {};
  if (lstat(root.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != getuid() ||
      (info.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return FailedPrecondition("'" + root.string() +
                              "' is not a private folder of this user: floe will not put "
                              "Kestra's script helpers there");
  if (language == ScriptLanguage::kPython) {
    RETURN_IF_ERROR(WriteOnce(root / "python" / "kestra.py", kPythonModule));
    return root / "python";
  }
  std::filesystem::path module = root / "node" / "@kestra-io" / "libs";
  RETURN_IF_ERROR(WriteOnce(module / "index.js", kNodeModule));
  RETURN_IF_ERROR(WriteOnce(module / "package.json", R"({"name": "@kestra-io/libs", "main": "index.js"})"));
  return root / "node";
}

}  // namespace floe::tasks
