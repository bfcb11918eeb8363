// ObjectStores: opens the store behind a URI — s3://bucket/key (one S3 client,
// configured from the environment as the AWS CLI would be, shared by every bucket), file:///path
// or a plain path (the local file system).
//
//   ObjectStores stores;
//   ASSIGN_OR_RETURN(ObjectLocation at, stores.Open("s3://lake/raw/orders.csv"));
//   ASSIGN_OR_RETURN(ObjectInfo info, at.store->Head(at.key));
#pragma once

#include <memory>
#include <mutex>

#include "storage/object_store.h"
#include "storage/s3_client.h"

namespace floe::storage {

struct ObjectLocation {
  std::shared_ptr<ObjectStore> store;
  std::string key;  // may be empty: the whole store (a bucket, the file system root)
};

class ObjectStores {
 public:
  Result<ObjectLocation> Open(std::string_view uri);

 private:
  std::mutex mu_;
  std::shared_ptr<S3Client> s3_;
  std::shared_ptr<ObjectStore> local_;
};

}  // namespace floe::storage
