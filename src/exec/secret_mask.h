// SecretMask: the secret values an execution has read, and the masking of
// them ("******") in every log line and stored output. Thread-safe.
// Internal to exec.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace floe::exec {

class SecretMask {
 public:
  // Remembers a value to mask. Values shorter than 3 characters are not
  // masked: masking "1" or "a" would garble every line and hide nothing.
  void Add(std::string value);
  // `text` with every remembered value replaced by ******, longest first (a
  // secret that contains another is masked whole).
  std::string Mask(std::string_view text) const;
  bool empty() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> values_;  // longest first
};

}  // namespace floe::exec
