#include "fuzz/xml_fuzz_target.h"

#include <string_view>

#include "storage/xml.h"

namespace floe::fuzz {
namespace {

size_t Walk(const storage::XmlElement& e) {
  size_t n = e.name.size() + e.text.size();
  for (const auto& c : e.children) n += Walk(c);
  return n;
}

}  // namespace

void FuzzXml(const uint8_t* data, size_t size) {
  auto doc = storage::ParseXml(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!doc.ok()) return;
  volatile size_t sink = Walk(*doc) + doc->ChildText("Key").size() + doc->Children("Contents").size();
  (void)sink;
}

}  // namespace floe::fuzz
