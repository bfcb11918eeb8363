// Request bodies of HTML forms: multipart/form-data (files and fields, as
// Kestra's execution and namespace-file endpoints take them) and
// application/x-www-form-urlencoded.
//
//   ASSIGN_OR_RETURN(std::vector<FormPart> parts, ParseForm(request));
//   for (const FormPart& p : parts) if (p.filename) SaveFile(*p.filename, p.data);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "server/http_message.h"

namespace floe::server {

struct FormPart {
  std::string name;                     // Content-Disposition's name
  std::optional<std::string> filename;  // set for a file part (may be "")
  std::string content_type;             // the part's Content-Type; "" when absent
  std::string data;
};

// Parses a multipart/form-data body with the boundary of `content_type`.
// A missing boundary, a part without a name, or a body that does not end
// with the closing boundary is InvalidArgument, saying where.
Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body);

// The fields of an application/x-www-form-urlencoded body.
Result<std::vector<FormPart>> ParseUrlEncoded(std::string_view body);

// The request's form, by its Content-Type: multipart, url-encoded, or no
// body (no parts). Another type is InvalidArgument.
Result<std::vector<FormPart>> ParseForm(const HttpRequest& request);

}  // namespace floe::server
