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
  // Remembers a value to mask, as given and as it appears inside a JSON
  // string. Values shorter than 3 characters are not masked: masking "1" or
  // "a" would garble every line and hide nothing.
  void Add(std::string value);
  // `text` with every remembered value replaced by ******, longest first (a
  // secret that contains another is masked whole).
  std::string Mask(std::string_view text) const;
  // Whether `text` holds a remembered value.
  bool Holds(std::string_view text) const;
  // The remembered values, longest first (a subflow's execution masks its
  // parent's secrets too).
  std::vector<std::string> Values() const;
  bool empty() const;

 private:
  void Insert(std::string value);

  mutable std::mutex mu_;
  std::vector<std::string> values_;  // longest first
};

}  // namespace floe::exec
