// The REST API's namespace routes (Kestra's NamespaceController,
// KVController and NamespaceFileController), under /api/v1 and /api/v1/{tenant}:
//
//   GET    /namespaces/search                       ?q= &page= &size=: namespaces with flows, their parents too
//   GET    /namespaces/{namespace}                  {"id"}
//   GET    /namespaces/{namespace}/kv               [{"key", "creationDate", "updateDate", "expirationDate"}]
//   GET    /namespaces/{namespace}/kv/{key}         {"type": "STRING|NUMBER|BOOLEAN|JSON", "value"}; 404; 410 expired
//   PUT    /namespaces/{namespace}/kv/{key}         the body is the value (JSON, or else text); header ttl: PT1H
//   DELETE /namespaces/{namespace}/kv/{key}         true when it existed
//   DELETE /namespaces/{namespace}/kv               {"keys": [...]} -> {"keys": those that existed}
//   GET    /namespaces/{namespace}/files/search     ?q=: the paths that contain it
//   GET    /namespaces/{namespace}/files/export     every file, as a zip
//   GET    /namespaces/{namespace}/files            ?path=/a/b.sql: the file
//   GET    /namespaces/{namespace}/files/stats      ?path=: {"fileName", "type": "File|Directory", "size", ...}
//   GET    /namespaces/{namespace}/files/directory  ?path=/: its entries
//   POST   /namespaces/{namespace}/files/directory  ?path=: creates it
//   POST   /namespaces/{namespace}/files            ?path=: multipart, the part fileContent
//   PUT    /namespaces/{namespace}/files            ?from= &to=: moves a file or folder
//   DELETE /namespaces/{namespace}/files            ?path=: a file, or a folder with what it holds
//
// Namespace files are <flows>/_files/<namespace>/ (what namespaceFiles and
// read() see). A path that would leave the namespace's folder ("..", a
// link out) is refused with 422.
#pragma once

#include <filesystem>
#include <memory>

#include "core/status.h"
#include "server/api_context.h"

namespace floe::server {

Result<std::shared_ptr<void>> AddNamespaceRoutes(ApiContext& api);

// The file `path` (as the API names it: "/a/b.txt") of a namespace under
// `root`; InvalidArgument for a path that leaves it.
Result<std::filesystem::path> NamespaceFilePath(const std::filesystem::path& root, const std::string& ns,
                                                const std::string& path);

}  // namespace floe::server
