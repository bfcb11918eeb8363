#include "storage/object_stores.h"

#include "storage/local_store.h"
#include "storage/s3_store.h"

namespace floe::storage {

Result<ObjectLocation> ObjectStores::Open(std::string_view uri) {
  ASSIGN_OR_RETURN(ObjectUri parsed, ParseObjectUri(uri));
  std::lock_guard lock(mu_);
  if (parsed.scheme == ObjectUri::Scheme::kFile) {
    if (!local_) local_ = std::make_shared<LocalStore>("/");
    return ObjectLocation{local_, parsed.key};
  }
  if (!s3_) {
    auto config = S3ConfigFromEnvironment();
    if (!config.ok()) return Status(config.status()).WithContext(std::string(uri));
    s3_ = std::make_shared<S3Client>(*config);
  }
  return ObjectLocation{std::make_shared<S3Store>(s3_, parsed.bucket), parsed.key};
}

}  // namespace floe::storage
