// S3Client: floe's own S3 client over libcurl, signed with SigV4. Works with
// AWS and S3-compatible stores (MinIO, Ceph, R2, moto): path-style or
// virtual-hosted addressing, connection reuse, retries with exponential
// backoff and jitter on 5xx, SlowDown, timeouts and connection resets,
// Content-MD5 on uploads and length/MD5 checks on downloads, and S3's XML
// errors turned into Status messages naming the bucket, key, code, message
// and request id.
//
//   ASSIGN_OR_RETURN(S3Config config, S3ConfigFromEnvironment());
//   S3Client s3(config);
//   RETURN_IF_ERROR(s3.Put("lake", "raw/orders.csv", csv_text));
//   ASSIGN_OR_RETURN(std::string back, s3.Get("lake", "raw/orders.csv"));
//
// Thread-safe: requests may run concurrently (each takes a pooled handle).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "storage/object_store.h"
#include "storage/sigv4.h"

namespace floe::storage {

struct S3Config {
  std::string endpoint;  // "http://127.0.0.1:9000"; empty: https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  bool path_style = false;  // bucket in the path instead of the host name
  Credentials credentials;
  std::string ca_file;   // extra trusted certificates (PEM), e.g. a private MinIO's; empty: the system's
  int max_attempts = 5;  // per request, counting the first
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{300000};
  std::chrono::milliseconds retry_base_delay{100};
};

// What a task sets itself (Kestra's endpointOverride, region, forcePathStyle,
// accessKeyId/secretKeyId/sessionToken); empty fields leave the
// environment's choice.
struct S3Overrides {
  std::string endpoint;
  std::string region;
  bool path_style = false;
  Credentials credentials;
};

// What the AWS CLI would use, then `overrides`:
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_REGION
// (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, and the
// AWS_PROFILE (default "default") of ~/.aws/credentials and ~/.aws/config
// (region, endpoint_url, ca_bundle, s3 { addressing_style = path }). A custom endpoint
// implies path-style addressing unless the config says virtual.
Result<S3Config> S3ConfigFromEnvironment(const S3Overrides& overrides = {});

class S3Client {
 public:
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Config& config() const { return config_; }

  Status CreateBucket(const std::string& bucket);
  Result<ObjectInfo> Head(const std::string& bucket, const std::string& key);
  // The whole object, or `length` bytes from `offset` (a ranged GET).
  Result<std::string> Get(const std::string& bucket, const std::string& key);
  Result<std::string> GetRange(const std::string& bucket, const std::string& key, int64_t offset, int64_t length);
  Status Put(const std::string& bucket, const std::string& key, std::string_view data, const PutOptions& options = {});
  // Uploads a local file: one PUT up to `part_size`, multipart above it
  // (parts of part_size, at most 10,000, `parallel` at once; aborted on
  // failure).
  Status PutFile(const std::string& bucket, const std::string& key, const std::filesystem::path& file,
                 const PutOptions& options = {}, int64_t part_size = 8 << 20, int parallel = 4);
  Status GetToFile(const std::string& bucket, const std::string& key, const std::filesystem::path& file);
  Result<ListPage> List(const std::string& bucket, const std::string& prefix, const std::string& delimiter = "",
                        const std::string& continuation_token = "", int max_keys = 1000);
  // Every object under the prefix, following continuation tokens.
  Result<std::vector<ObjectInfo>> ListAll(const std::string& bucket, const std::string& prefix);
  Status Delete(const std::string& bucket, const std::string& key);
  // Deletes in batches of 1,000 (DeleteObjects); any per-key error fails.
  Status DeleteMany(const std::string& bucket, const std::vector<std::string>& keys);
  Status Copy(const std::string& from_bucket, const std::string& from_key, const std::string& to_bucket,
              const std::string& to_key);

  // Multipart upload, step by step (PutFile uses them).
  Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                            const PutOptions& options = {});
  Result<std::string> UploadPart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                 int part_number, std::string_view data);  // returns the part's ETag
  Status CompleteMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                 const std::vector<std::pair<int, std::string>>& parts);
  Status AbortMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id);

  // A multipart upload that was started and neither completed nor aborted:
  // its parts are stored (and billed) but no object is visible.
  struct MultipartUpload {
    std::string key;
    std::string upload_id;
    std::string initiated;  // ISO-8601, as S3 gives it
  };
  // Every unfinished upload whose key starts with `prefix`, following
  // ListMultipartUploads' key and upload-id markers across pages.
  Result<std::vector<MultipartUpload>> ListMultipartUploads(const std::string& bucket, const std::string& prefix);

  struct Response {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // names lower-case
    int64_t streamed_bytes = 0;                  // with Request::download_to: the bytes written there
    std::string streamed_md5;                    // ... and their MD5 (hex)
  };

  struct Request {
    std::string method;
    std::string bucket;
    std::string key;
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string_view body;
    // A 2xx answer's body is streamed into this file (rewritten on each attempt).
    const std::filesystem::path* download_to = nullptr;
  };

  // Signs and sends, retrying what may succeed on a second try; a non-2xx
  // answer becomes a Status built from S3's XML error.
  Result<Response> Send(const Request& request);

 private:
  struct Handle;
  std::unique_ptr<Handle> TakeHandle();
  void ReturnHandle(std::unique_ptr<Handle> handle);
  Result<Response> SendOnce(const Request& request, Handle& handle, bool* retryable);

  S3Config config_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Handle>> pool_;
};

}  // namespace floe::storage
