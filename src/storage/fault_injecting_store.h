// FaultInjectingStore: wraps a store and, at random (seeded, so a failing
// test can be replayed), makes operations fail the ways remote stores do —
// an error before the operation, an error after it took effect (the answer
// was lost), a read cut short or with a flipped byte, a write stored short —
// so tests can check that floe's consumers of ObjectStore retry what can be
// retried and never take damaged data as good.
#pragma once

#include <atomic>
#include <mutex>
#include <random>

#include "storage/object_store.h"

namespace floe::storage {

struct FaultPlan {
  uint64_t seed = 1;
  // Probabilities per operation, 0..1.
  double fail_before = 0;   // Unavailable, nothing done
  double fail_after = 0;    // Unavailable after a write or delete took effect
  double short_read = 0;    // a read returns (and GetToFile writes) fewer bytes, status OK
  double corrupt_read = 0;  // a read has one byte flipped, status OK
  double short_write = 0;   // a put stores fewer bytes than given, status OK
};

class FaultInjectingStore : public ObjectStore {
 public:
  FaultInjectingStore(ObjectStore& inner, FaultPlan plan) : inner_(inner), plan_(plan), rng_(plan.seed) {}

  struct Counts {
    int failed_before = 0, failed_after = 0, short_reads = 0, corrupt_reads = 0, short_writes = 0;
  };
  Counts counts() const;

  std::string Uri(std::string_view key) const override { return inner_.Uri(key); }
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override;
  Status GetToFile(std::string_view key, const std::filesystem::path& file) override;
  Status Put(std::string_view key, std::string_view data, const PutOptions& options) override;
  Status PutFile(std::string_view key, const std::filesystem::path& file, const PutOptions& options) override;
  Result<std::unique_ptr<MultipartUpload>> StartMultipart(std::string_view key, const PutOptions& options) override;
  Result<ListPage> List(std::string_view prefix, std::string_view delimiter, std::string_view continuation_token,
                        int max_keys) override;
  Status Delete(std::string_view key) override;
  Status DeleteMany(const std::vector<std::string>& keys) override;
  Status Copy(std::string_view from_key, std::string_view to_key) override;

  // Used by the multipart wrapper.
  Status MaybeFailBefore(std::string_view what, std::string_view key);
  Status MaybeFailAfter(std::string_view what, std::string_view key);

 private:
  bool Roll(double p);
  std::string Damage(std::string data);  // may cut or flip, counting what it did

  ObjectStore& inner_;
  FaultPlan plan_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  Counts counts_;
};

}  // namespace floe::storage
