#include "iceberg/values.h"

#include <cstring>

namespace floe::iceberg {
namespace {

using K = Type::Kind;

std::string LittleEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = 0; i < bytes; ++i) out[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

int64_t ReadLittleEndian(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < b.size(); ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
  if (b.size() < 8 && (static_cast<uint8_t>(b.back()) & 0x80)) v |= ~uint64_t{0} << (8 * b.size());  // sign-extend
  return static_cast<int64_t>(v);
}

// The shortest two's-complement big-endian bytes of `v` (decimal bounds and hashes).
std::string MinimalBigEndian(int64_t v) {
  std::string out;
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
  size_t skip = 0;
  while (skip + 1 < out.size()) {
    uint8_t b = static_cast<uint8_t>(out[skip]), next = static_cast<uint8_t>(out[skip + 1]);
    if ((b == 0x00 && !(next & 0x80)) || (b == 0xff && (next & 0x80))) {
      ++skip;
    } else {
      break;
    }
  }
  return out.substr(skip);
}

Status Mismatch(const Type& type, const tmpl::Value& v) {
  return InvalidArgument("a " + std::string(v.TypeName()) + " is not a value of type " + type.ToString());
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Year and month (1-12) of a day number (days since 1970-01-01), proleptic Gregorian.
void CivilFromDays(int64_t z, int64_t& year, int64_t& month) {
  z += 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = yoe + era * 400 + (month <= 2);
}

constexpr int64_t kMicrosPerDay = 86400000000;
constexpr int64_t kMicrosPerHour = 3600000000;

}  // namespace

bool ValueLess(const tmpl::Value& a, const tmpl::Value& b) {
  if (a.is_int() && b.is_int()) return a.AsInt() < b.AsInt();
  if (a.is_number() && b.is_number()) return a.AsDouble() < b.AsDouble();
  if (a.is_string() && b.is_string()) return a.AsString() < b.AsString();
  if (a.is_bool() && b.is_bool()) return !a.AsBool() && b.AsBool();
  return false;
}

Result<std::string> ToBound(const Type& type, const tmpl::Value& v) {
  switch (type.kind) {
    case K::kBoolean:
      if (!v.is_bool()) return Mismatch(type, v);
      return std::string(1, v.AsBool() ? '\x01' : '\x00');
    case K::kInt:
    case K::kDate:
      if (!v.is_int()) return Mismatch(type, v);
      return LittleEndian(static_cast<uint64_t>(v.AsInt()), 4);
    case K::kLong:
    case K::kTime:
    case K::kTimestamp:
    case K::kTimestampTz:
      if (!v.is_int()) return Mismatch(type, v);
      return LittleEndian(static_cast<uint64_t>(v.AsInt()), 8);
    case K::kFloat: {
      if (!v.is_number()) return Mismatch(type, v);
      float f = static_cast<float>(v.AsDouble());
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      return LittleEndian(bits, 4);
    }
    case K::kDouble: {
      if (!v.is_number()) return Mismatch(type, v);
      double d = v.AsDouble();
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      return LittleEndian(bits, 8);
    }
    case K::kDecimal:
      if (!v.is_int()) return Mismatch(type, v);
      return MinimalBigEndian(v.AsInt());
    case K::kString:
    case K::kBinary:
      if (!v.is_string()) return Mismatch(type, v);
      return v.AsString();
    case K::kUuid:
      if (!v.is_string() || v.AsString().size() != 16) return InvalidArgument("a uuid is 16 bytes");
      return v.AsString();
    case K::kFixed:
      if (!v.is_string() || static_cast<int>(v.AsString().size()) != type.length)
        return InvalidArgument("a " + type.ToString() + " value is " + std::to_string(type.length) + " bytes");
      return v.AsString();
    default:
      return InvalidArgument("a " + type.ToString() + " has no single-value serialization");
  }
}

Result<tmpl::Value> FromBound(const Type& type, std::string_view b) {
  auto wrong = [&]() {
    return InvalidArgument("a bound of " + std::to_string(b.size()) + " bytes is not a " + type.ToString());
  };
  switch (type.kind) {
    case K::kBoolean:
      if (b.size() != 1) return wrong();
      return tmpl::Value(b[0] != 0);
    case K::kInt:
    case K::kDate:
      if (b.size() != 4) return wrong();
      return tmpl::Value(ReadLittleEndian(b));
    case K::kLong:
    case K::kTime:
    case K::kTimestamp:
    case K::kTimestampTz:
      // A 4-byte bound of a long was an int before promotion; of a timestamp, a date.
      if (b.size() == 4) {
        int64_t v = ReadLittleEndian(b);
        return tmpl::Value(type.kind == K::kTimestamp || type.kind == K::kTimestampTz ? v * kMicrosPerDay : v);
      }
      if (b.size() != 8) return wrong();
      return tmpl::Value(ReadLittleEndian(b));
    case K::kFloat:
    case K::kDouble: {
      if (b.size() == 4) {
        uint32_t bits = static_cast<uint32_t>(ReadLittleEndian(b));
        float f;
        std::memcpy(&f, &bits, 4);
        return tmpl::Value(static_cast<double>(f));
      }
      if (b.size() != 8 || type.kind == K::kFloat) return wrong();
      uint64_t bits = static_cast<uint64_t>(ReadLittleEndian(b));
      double d;
      std::memcpy(&d, &bits, 8);
      return tmpl::Value(d);
    }
    case K::kDecimal: {
      if (b.empty() || b.size() > 8) return wrong();
      int64_t v = (static_cast<uint8_t>(b[0]) & 0x80) ? -1 : 0;
      for (char c : b) v = static_cast<int64_t>((static_cast<uint64_t>(v) << 8) | static_cast<uint8_t>(c));
      return tmpl::Value(v);
    }
    case K::kUuid:
      if (b.size() != 16) return wrong();
      return tmpl::Value(std::string(b));
    case K::kFixed:
      if (static_cast<int>(b.size()) != type.length) return wrong();
      return tmpl::Value(std::string(b));
    case K::kString:
    case K::kBinary:
      return tmpl::Value(std::string(b));
    default:
      return InvalidArgument("a " + type.ToString() + " has no single-value serialization");
  }
}

int32_t Murmur3(std::string_view data) {
  constexpr uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  uint32_t h = 0;
  size_t blocks = data.size() / 4;
  for (size_t i = 0; i < blocks; ++i) {
    uint32_t k = 0;
    for (int j = 0; j < 4; ++j) k |= static_cast<uint32_t>(static_cast<uint8_t>(data[i * 4 + j])) << (8 * j);
    k *= c1;
    k = rotl(k, 15);
    k *= c2;
    h ^= k;
    h = rotl(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  uint32_t k = 0;
  size_t tail = blocks * 4;
  switch (data.size() & 3) {
    case 3:
      k ^= static_cast<uint32_t>(static_cast<uint8_t>(data[tail + 2])) << 16;
      [[fallthrough]];
    case 2:
      k ^= static_cast<uint32_t>(static_cast<uint8_t>(data[tail + 1])) << 8;
      [[fallthrough]];
    case 1:
      k ^= static_cast<uint32_t>(static_cast<uint8_t>(data[tail]));
      k *= c1;
      k = rotl(k, 15);
      k *= c2;
      h ^= k;
  }
  h ^= static_cast<uint32_t>(data.size());
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return static_cast<int32_t>(h);
}

Result<int32_t> BucketHash(const Type& type, const tmpl::Value& v) {
  switch (type.kind) {
    case K::kInt:
    case K::kLong:
    case K::kDate:
    case K::kTime:
    case K::kTimestamp:
    case K::kTimestampTz:
      // Every integer-like value hashes as an 8-byte long (the spec's vectors).
      if (!v.is_int()) return Mismatch(type, v);
      return Murmur3(LittleEndian(static_cast<uint64_t>(v.AsInt()), 8));
    case K::kDecimal:
      if (!v.is_int()) return Mismatch(type, v);
      return Murmur3(MinimalBigEndian(v.AsInt()));
    case K::kString:
    case K::kBinary:
    case K::kUuid:
    case K::kFixed:
      if (!v.is_string()) return Mismatch(type, v);
      return Murmur3(v.AsString());
    default:
      return InvalidArgument("bucket does not apply to a " + type.ToString());
  }
}

Result<tmpl::Value> ApplyTransform(const Transform& t, const Type& source, const tmpl::Value& v) {
  if (v.is_null() || v.is_undefined() || t.kind == Transform::Kind::kVoid) return tmpl::Value();
  ASSIGN_OR_RETURN(TypePtr result, TransformResultType(t, source));
  (void)result;  // checks that the transform applies to the source type
  switch (t.kind) {
    case Transform::Kind::kIdentity:
      return v;
    case Transform::Kind::kBucket: {
      ASSIGN_OR_RETURN(int32_t hash, BucketHash(source, v));
      return tmpl::Value(int64_t{(hash & 0x7fffffff) % t.param});
    }
    case Transform::Kind::kTruncate: {
      if (source.kind == K::kString) {
        if (!v.is_string()) return Mismatch(source, v);
        const std::string& s = v.AsString();
        size_t at = 0;
        for (int points = 0; at < s.size() && points < t.param; ++points) {
          ++at;
          while (at < s.size() && (static_cast<uint8_t>(s[at]) & 0xc0) == 0x80) ++at;  // continuation bytes
        }
        return tmpl::Value(s.substr(0, at));
      }
      if (source.kind == K::kBinary) {
        if (!v.is_string()) return Mismatch(source, v);
        return tmpl::Value(v.AsString().substr(0, static_cast<size_t>(t.param)));
      }
      if (!v.is_int()) return Mismatch(source, v);
      int64_t n = v.AsInt(), w = t.param;
      return tmpl::Value(n - (((n % w) + w) % w));
    }
    case Transform::Kind::kYear:
    case Transform::Kind::kMonth:
    case Transform::Kind::kDay:
    case Transform::Kind::kHour: {
      if (!v.is_int()) return Mismatch(source, v);
      int64_t n = v.AsInt();
      bool is_date = source.kind == K::kDate;
      if (t.kind == Transform::Kind::kHour) return tmpl::Value(FloorDiv(n, kMicrosPerHour));
      int64_t days = is_date ? n : FloorDiv(n, kMicrosPerDay);
      if (t.kind == Transform::Kind::kDay) return tmpl::Value(days);
      int64_t year, month;
      CivilFromDays(days, year, month);
      if (t.kind == Transform::Kind::kYear) return tmpl::Value(year - 1970);
      return tmpl::Value((year - 1970) * 12 + (month - 1));
    }
    case Transform::Kind::kVoid:
      break;
  }
  return tmpl::Value();
}

}  // namespace floe::iceberg
