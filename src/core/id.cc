#include "core/id.h"

#include <chrono>
#include <mutex>
#include <random>

namespace floe {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

std::string EncodeId(uint64_t unix_ms, uint64_t random_hi16, uint64_t random_lo64) {
  // 128 bits: [48 time][16 hi random][64 lo random], written as 26 base32 digits
  // (the first digit carries only 3 bits).
  unsigned __int128 v = (static_cast<unsigned __int128>(unix_ms & 0xFFFFFFFFFFFFull) << 80) |
                        (static_cast<unsigned __int128>(random_hi16 & 0xFFFF) << 64) | random_lo64;
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i) {
    out[i] = kCrockford[static_cast<unsigned>(v & 31)];
    v >>= 5;
  }
  return out;
}

std::string NewId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  static uint64_t last_ms = 0, last_hi = 0, last_lo = 0;
  std::lock_guard lock(mu);
  uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  if (now <= last_ms) {
    // Same (or earlier) millisecond: increment the randomness so order holds.
    now = last_ms;
    if (++last_lo == 0) last_hi = (last_hi + 1) & 0xFFFF;
  } else {
    last_ms = now;
    last_hi = rng() & 0xFFFF;
    last_lo = rng();
  }
  return EncodeId(last_ms, last_hi, last_lo);
}

}  // namespace floe
