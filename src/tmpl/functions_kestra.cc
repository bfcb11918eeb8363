// Kestra's functions beyond Pebble's: render/renderOnce, printContext,
// fetchContext, currentEachOutput, yaml, encrypt/decrypt, and those the
// host serves (errorLogs, fileSize, fileURI).
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <memory>
#include <regex>

#include "core/strings.h"
#include "tmpl/internal/builtins.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {
namespace {

// A YAML scalar typed as YAML 1.2's core schema types it (what Kestra's
// Jackson reader gives): null, booleans, ints, floats; quoted is text.
Value TypedScalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return Value(s);  // quoted
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Value();
  if (s == "true" || s == "True" || s == "TRUE") return Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value(false);
  if (std::regex_match(s, kInt)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return Value(static_cast<int64_t>(v));
    return Value(std::strtod(s.c_str(), nullptr));
  }
  if (std::regex_match(s, kFloat)) return Value(std::strtod(s.c_str(), nullptr));
  if (s == ".inf" || s == ".Inf" || s == "+.inf") return Value(HUGE_VAL);
  if (s == "-.inf" || s == "-.Inf") return Value(-HUGE_VAL);
  if (s == ".nan" || s == ".NaN") return Value(std::nan(""));
  return Value(s);
}

Value FromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      ValueList items;
      for (const auto& item : node) items.push_back(FromYaml(item));
      return Value(std::move(items));
    }
    case YAML::NodeType::Map: {
      ValueMap map;
      for (const auto& entry : node) map.Set(entry.first.Scalar(), FromYaml(entry.second));
      return Value(std::move(map));
    }
    case YAML::NodeType::Scalar:
      return TypedScalar(node);
    default:
      return Value();
  }
}

// Kestra's encrypt/decrypt: AES-GCM with the base64 `key` (16, 24 or 32
// bytes), a random 12-byte IV and a 16-byte tag; the text is
// base64(IV || ciphertext || tag).
constexpr size_t kIvSize = 12;
constexpr size_t kTagSize = 16;

Result<const EVP_CIPHER*> CipherFor(const Value* key_arg, std::string& key, RenderState& st, std::string_view fn) {
  if (!key_arg || !key_arg->is_string()) return ArgError(st, fn, "needs a key: a base64 AES key");
  auto decoded = Base64Decode(key_arg->AsString());
  if (!decoded.ok()) return ArgError(st, fn, "the key is not base64: " + decoded.status().message());
  key = std::move(*decoded);
  switch (key.size()) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
    default:
      return ArgError(st, fn,
                      "the key must be 16, 24 or 32 bytes once base64-decoded, not " + std::to_string(key.size()));
  }
}

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Result<Value> Encrypt(Args& args, RenderState& st) {
  std::string key;
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherFor(args.Arg(0, "key"), key, st, "encrypt"));
  const Value* text = args.Arg(1, "plaintext");
  if (!text || !text->is_string()) return ArgError(st, "encrypt", "needs the text to encrypt");
  const std::string& plain = text->AsString();
  std::string out(kIvSize + plain.size() + kTagSize, '\0');
  auto* iv = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(iv, kIvSize) != 1) return ArgError(st, "encrypt", "no random bytes for the IV");
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0, total = 0;
  auto* key_bytes = reinterpret_cast<const unsigned char*>(key.data());
  auto* body = iv + kIvSize;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key_bytes, iv) == 1 &&
            EVP_EncryptUpdate(ctx.get(), body, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                              static_cast<int>(plain.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), body + total, &len) == 1;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, body + total) == 1;
  if (!ok) return ArgError(st, "encrypt", "encryption failed");
  return Value(Base64Encode(out));
}

Result<Value> Decrypt(Args& args, RenderState& st) {
  std::string key;
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherFor(args.Arg(0, "key"), key, st, "decrypt"));
  const Value* text = args.Arg(1, "encrypted");
  if (!text || !text->is_string()) return ArgError(st, "decrypt", "needs the encrypted text");
  auto sealed = Base64Decode(text->AsString());
  if (!sealed.ok() || sealed->size() < kIvSize + kTagSize)
    return ArgError(st, "decrypt", "the text is not what encrypt() gives (base64 of IV, ciphertext and tag)");
  auto* iv = reinterpret_cast<const unsigned char*>(sealed->data());
  size_t body_size = sealed->size() - kIvSize - kTagSize;
  std::string plain(body_size, '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  std::string tag = sealed->substr(kIvSize + body_size);
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, reinterpret_cast<const unsigned char*>(key.data()), iv) == 1 &&
      EVP_DecryptUpdate(ctx.get(), out, &len, iv + kIvSize, static_cast<int>(body_size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) == 1;
  int final_len = 0;
  if (!ok || EVP_DecryptFinal_ex(ctx.get(), out + len, &final_len) != 1)
    return ArgError(st, "decrypt", "the text does not decrypt with this key (wrong key, or altered text)");
  return Value(std::move(plain));
}

// Kestra's render(text, recursive=true): renders again while the result
// still holds template syntax and changes.
Result<Value> RenderText(Args& args, RenderState& st, std::string_view fn, bool recursive_default) {
  const Value* text = args.Arg(0, "expression");
  if (!text) return ArgError(st, fn, "needs a template string");
  const Value* recursive_arg = fn == "render" ? args.Arg(1, "recursive") : nullptr;
  bool recursive = recursive_arg ? recursive_arg->Truthy() : recursive_default;
  if (!text->is_string()) return *text;
  std::string current = text->AsString();
  constexpr int kMaxRounds = 100;
  for (int round = 0;; ++round) {
    ASSIGN_OR_RETURN(std::string next, st.RenderNested(current));
    bool again =
        recursive && next != current && (next.find("{{") != std::string::npos || next.find("{%") != std::string::npos);
    current = std::move(next);
    if (!again) break;
    if (round + 1 == kMaxRounds)
      return ArgError(st, fn, "still holds template syntax after " + std::to_string(kMaxRounds) + " renders");
  }
  return Value(std::move(current));
}

// Kestra's currentEachOutput(outputs.task): the task's outputs for the
// current iterations, found by the values of the enclosing ForEach runs
// (parents, outermost first) and this run's own.
Result<Value> CurrentEachOutput(Args& args, RenderState& st) {
  const Value* outputs = args.Arg(0, "outputs");
  if (!outputs || !outputs->is_map()) return ArgError(st, "currentEachOutput", "needs a task's outputs (a map)");
  std::vector<std::string> keys;
  if (const Value* parents = st.context().Get("parents"); parents && parents->is_list()) {
    const ValueList& list = parents->AsList();
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      const Value* taskrun = it->Get("taskrun");
      const Value* value = taskrun ? taskrun->Get("value") : nullptr;
      if (value) keys.push_back(Text(*value, st));
    }
  }
  if (const Value* taskrun = st.context().Get("taskrun"))
    if (const Value* value = taskrun->Get("value")) keys.push_back(Text(*value, st));
  if (keys.empty()) return ArgError(st, "currentEachOutput", "is only meaningful inside a ForEach");
  Value at = *outputs;
  for (const auto& key : keys) {
    const Value* next = at.is_map() ? at.Get(key) : nullptr;
    if (!next) return ArgError(st, "currentEachOutput", "no outputs for the iteration value '" + key + "'");
    at = *next;
  }
  return at;
}

}  // namespace

void AddKestraFunctions(Environment& env) {
  env.AddFunction("render", [](Args& args, RenderState& st) { return RenderText(args, st, "render", true); });
  env.AddFunction("renderOnce", [](Args& args, RenderState& st) { return RenderText(args, st, "renderOnce", false); });
  env.AddFunction("printContext", [](Args&, RenderState& st) -> Result<Value> { return Value(ToJson(st.context())); });
  env.AddFunction("fetchContext", [](Args&, RenderState& st) -> Result<Value> { return st.context(); });
  env.AddFunction("currentEachOutput", CurrentEachOutput);
  env.AddFunction("yaml", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* text = args.Arg(0, "yaml");
    if (!text || !text->is_string()) return ArgError(st, "yaml", "needs YAML text");
    try {
      return FromYaml(YAML::Load(text->AsString()));
    } catch (const YAML::Exception& e) {
      return ArgError(st, "yaml", "not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
    }
  });
  env.AddFunction("encrypt", Encrypt);
  env.AddFunction("decrypt", Decrypt);
  env.AddFunction("errorLogs", [](Args&, RenderState& st) -> Result<Value> {
    auto logs = st.host().ErrorLogs();
    if (!logs.ok()) return ArgError(st, "errorLogs", logs.status().ToString());
    return logs;
  });
  env.AddFunction("fileSize", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* uri = args.Arg(0, "path");
    if (!uri || !uri->is_string()) return ArgError(st, "fileSize", "needs a file URI or path");
    auto size = st.host().FileSize(uri->AsString());
    if (!size.ok()) return ArgError(st, "fileSize", size.status().ToString());
    return Value(*size);
  });
  // Kestra's fileExists(uri) and isFileEmpty(uri).
  env.AddFunction("fileExists", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* uri = args.Arg(0, "path");
    if (!uri || !uri->is_string()) return ArgError(st, "fileExists", "needs a file URI or path");
    auto size = st.host().FileSize(uri->AsString());
    if (size.ok()) return Value(true);
    if (size.status().code() == StatusCode::kNotFound) return Value(false);
    return ArgError(st, "fileExists", size.status().ToString());
  });
  env.AddFunction("isFileEmpty", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* uri = args.Arg(0, "path");
    if (!uri || !uri->is_string()) return ArgError(st, "isFileEmpty", "needs a file URI or path");
    auto size = st.host().FileSize(uri->AsString());
    if (!size.ok()) return ArgError(st, "isFileEmpty", size.status().ToString());
    return Value(*size == 0);
  });
  env.AddFunction("fileURI", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* path = args.Arg(0, "path");
    if (!path || !path->is_string()) return ArgError(st, "fileURI", "needs a namespace file's path");
    auto uri = st.host().NamespaceFileUri(path->AsString());
    if (!uri.ok()) return ArgError(st, "fileURI", uri.status().ToString());
    return Value(std::move(*uri));
  });
}

}  // namespace floe::tmpl::builtins
