// A small XML reader for S3's answers (ListBucketResult, Error,
// InitiateMultipartUploadResult, ...): elements with their text and
// children; attributes, comments, processing instructions and the DOCTYPE
// are skipped; the five named entities, numeric character references and
// CDATA are decoded. Malformed input is an error saying where.
//
//   ASSIGN_OR_RETURN(XmlElement root, ParseXml(body));
//   for (const XmlElement* c : root.Children("Contents")) c->ChildText("Key");
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace floe::storage {

struct XmlElement {
  std::string name;  // without a namespace prefix
  std::string text;  // the concatenated character data directly inside
  std::vector<XmlElement> children;

  // The first child with this name, or nullptr.
  const XmlElement* Child(std::string_view child) const;
  // Its text, or "" when absent.
  std::string ChildText(std::string_view child) const;
  std::vector<const XmlElement*> Children(std::string_view child) const;
};

// Limits: 64 MiB of input, 256 levels of nesting.
Result<XmlElement> ParseXml(std::string_view text);

}  // namespace floe::storage
