// The built web UI (ui/dist), embedded in the binary by cmake/EmbedUi.cmake.
//
//   for (const UiAsset& a : UiAssets()) ...            // "index.html", "assets/index-3f9a.js", ...
//   if (const UiAsset* a = FindUiAsset("index.html")) Send(a->data);
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace floe::server {

struct UiAsset {
  std::string_view path;  // relative to ui/dist, '/'-separated
  std::string_view data;
  std::string_view gzip;  // the same bytes gzipped; empty when not kept
};

// Every embedded file, sorted by path (generated).
std::span<const UiAsset> UiAssets();

// The file at `path`, or nullptr.
const UiAsset* FindUiAsset(std::string_view path);

}  // namespace floe::server
