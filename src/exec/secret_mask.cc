#include "exec/secret_mask.h"

#include <algorithm>

#include "tmpl/json.h"

namespace floe::exec {

void SecretMask::Add(std::string value) {
  if (value.size() < 3) return;
  // Stored documents are JSON: a value with quotes, backslashes or control
  // characters appears there escaped, and is masked in that form too.
  std::string quoted = tmpl::ToJson(tmpl::Value(value));
  std::string escaped = quoted.substr(1, quoted.size() - 2);
  if (escaped != value) Insert(std::move(escaped));
  Insert(std::move(value));
}

void SecretMask::Insert(std::string value) {
  std::lock_guard lock(mu_);
  if (std::find(values_.begin(), values_.end(), value) != values_.end()) return;
  auto at = std::find_if(values_.begin(), values_.end(), [&](const std::string& v) { return v.size() < value.size(); });
  values_.insert(at, std::move(value));
}

bool SecretMask::empty() const {
  std::lock_guard lock(mu_);
  return values_.empty();
}

bool SecretMask::Holds(std::string_view text) const {
  std::lock_guard lock(mu_);
  return std::any_of(values_.begin(), values_.end(),
                     [&](const std::string& secret) { return text.find(secret) != std::string_view::npos; });
}

std::vector<std::string> SecretMask::Values() const {
  std::lock_guard lock(mu_);
  return values_;
}

std::string SecretMask::Mask(std::string_view text) const {
  std::lock_guard lock(mu_);
  std::string out(text);
  for (const auto& secret : values_) {
    size_t at = 0;
    while ((at = out.find(secret, at)) != std::string::npos) {
      out.replace(at, secret.size(), "******");
      at += 6;
    }
  }
  return out;
}

}  // namespace floe::exec
