#include "models/internal/load_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/strings.h"

namespace floe::models::internal {

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = "cannot read " + path.string() + ": " + std::strerror(err);
    if (err == ENOENT) return NotFound(std::move(message));
    return IoError(std::move(message));
  }
  struct stat st {};
  std::string out;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.resize(static_cast<size_t>(st.st_size));
  size_t filled = 0;
  while (true) {
    if (filled == out.size()) out.resize(out.empty() ? 4096 : out.size() * 2);  // grew, or a pipe
    ssize_t n = ::read(fd, out.data() + filled, out.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return IoError("cannot read " + path.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
    // The common case: the size fstat gave, read in one call; confirm EOF
    // only when the file may have grown.
    if (filled == static_cast<size_t>(st.st_size) && st.st_size > 0) break;
  }
  ::close(fd);
  out.resize(filled);
  return out;
}

Status WriteIfChanged(const std::filesystem::path& path, std::string_view text) {
  if (int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); in >= 0) {
    // One byte more than `text`: a read that returns exactly text.size()
    // bytes reached the end of a regular file of that size.
    std::string old(text.size() + 1, '\0');
    ssize_t n = ::read(in, old.data(), old.size());
    ::close(in);
    if (n == static_cast<ssize_t>(text.size()) && std::string_view(old.data(), text.size()) == text)
      return Status::Ok();
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  if (fd < 0) return IoError("cannot write " + path.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return IoError("cannot write " + path.string() + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return IoError("cannot write " + path.string() + ": " + std::strerror(errno));
  return Status::Ok();
}

const tmpl::Environment& LoadEnvironment() {
  static const tmpl::Environment kEnv = [] {
    tmpl::Environment env = tmpl::Environment::Standard(tmpl::Dialect::kJinja);
    env.keep_trailing_newline = false;
    return env;
  }();
  return kEnv;
}

Result<YamlNode> ParseYamlFile(std::string_view text, const std::string& display_name) {
  std::vector<Status> template_errors;
  ASSIGN_OR_RETURN(YamlNode doc, flow::ParseYaml(text, display_name, LoadEnvironment(), &template_errors));
  if (!template_errors.empty()) return template_errors.front();
  return doc;
}

Status WrongShape(const YamlNode& node, std::string_view what, std::string_view expected) {
  std::string found(node.KindName());
  if (node.is_scalar()) found = "'" + node.scalar + "'";
  return InvalidArgument(std::string(what) + ": expected " + std::string(expected) + ", found " + found)
      .WithLocation(node.location);
}

Result<std::string> ReadString(const YamlNode& node, std::string_view what) {
  if (!node.is_scalar()) return WrongShape(node, what, "a string");
  return node.scalar;
}

Result<std::vector<std::string>> ReadStringList(const YamlNode& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.is_null()) return out;
  if (node.is_scalar()) {
    out.push_back(node.scalar);
    return out;
  }
  if (!node.is_sequence()) return WrongShape(node, what, "a string or a list of strings");
  out.reserve(node.items.size());
  for (const auto& item : node.items) {
    if (!item.is_scalar()) return WrongShape(item, what, "a string");
    out.push_back(item.scalar);
  }
  return out;
}

Result<bool> ReadBool(const YamlNode& node, std::string_view what) {
  tmpl::Value v = node.ToValue();
  if (!node.is_scalar() || !v.is_bool()) return WrongShape(node, what, "true or false");
  return v.AsBool();
}

Result<int> ReadInt(const YamlNode& node, std::string_view what) {
  tmpl::Value v = node.ToValue();
  if (!node.is_scalar() || !v.is_int()) return WrongShape(node, what, "a whole number");
  return static_cast<int>(v.AsInt());
}

Status ExpectMap(const YamlNode& node, std::string_view what) {
  if (!node.is_map()) return WrongShape(node, what, "a map");
  return Status::Ok();
}

Status ExpectList(const YamlNode& node, std::string_view what) {
  if (!node.is_sequence()) return WrongShape(node, what, "a list");
  return Status::Ok();
}

namespace {

Result<tmpl::Value> Render(const YamlNode& node, const RenderOptions& options, bool rendered) {
  switch (node.kind) {
    case YamlNode::Kind::kScalar: {
      if (!node.tmpl || !rendered) return node.ToValue();
      auto v = node.tmpl->Evaluate(options.context);
      if (!v.ok()) {
        if (!options.keep_if_mentions.empty() && node.scalar.find(options.keep_if_mentions) != std::string::npos) {
          return tmpl::Value(node.scalar);
        }
        return std::move(v).status();
      }
      return v;
    }
    case YamlNode::Kind::kSequence: {
      tmpl::ValueList list;
      list.reserve(node.items.size());
      for (const auto& item : node.items) {
        ASSIGN_OR_RETURN(tmpl::Value v, Render(item, options, rendered));
        list.push_back(std::move(v));
      }
      return tmpl::Value(std::move(list));
    }
    case YamlNode::Kind::kMap: {
      tmpl::ValueMap map;
      for (const auto& e : node.entries) {
        bool keep = std::find(options.unrendered.begin(), options.unrendered.end(), e.key) != options.unrendered.end();
        ASSIGN_OR_RETURN(tmpl::Value v, Render(e.value, options, rendered && !keep));
        map.Set(e.key, std::move(v));
      }
      return tmpl::Value(std::move(map));
    }
    case YamlNode::Kind::kNull:
      return tmpl::Value();
  }
  return tmpl::Value();
}

}  // namespace

Result<tmpl::Value> RenderValue(const YamlNode& node, const RenderOptions& options) {
  return Render(node, options, true);
}

std::string SuggestionSuffix(std::string_view key, const std::vector<std::string>& known) {
  std::string s = DidYouMean(key, known);
  return s.empty() ? "" : "; " + s;
}

void WarnUnknownKeys(const YamlNode& map, const std::vector<std::string>& known, std::string_view what,
                     std::vector<Warning>* warnings) {
  for (const auto& e : map.entries) {
    if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
    warnings->push_back(
        {e.key_location, "unknown key '" + e.key + "' in " + std::string(what) + SuggestionSuffix(e.key, known)});
  }
}

std::string RelativePath(const std::filesystem::path& p, const std::filesystem::path& base) {
  return p.lexically_relative(base).generic_string();
}

}  // namespace floe::models::internal
