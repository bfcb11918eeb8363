#include "exec/secret_mask.h"

#include <algorithm>

namespace floe::exec {

void SecretMask::Add(std::string value) {
  if (value.size() < 3) return;
  std::lock_guard lock(mu_);
  if (std::find(values_.begin(), values_.end(), value) != values_.end()) return;
  auto at = std::find_if(values_.begin(), values_.end(), [&](const std::string& v) { return v.size() < value.size(); });
  values_.insert(at, std::move(value));
}

bool SecretMask::empty() const {
  std::lock_guard lock(mu_);
  return values_.empty();
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
