#include "server/multipart.h"

namespace floe::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The value of `param` in a header value like `form-data; name="a"; filename="b.csv"`:
// parameters after the first ';', values plain or quoted (with \ escapes).
std::optional<std::string> HeaderParam(std::string_view value, std::string_view param) {
  size_t i = value.find(';');
  if (i == std::string_view::npos) return std::nullopt;
  ++i;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t' || value[i] == ';')) ++i;
    size_t key_start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ';') ++i;
    std::string key = Lower(Trim(value.substr(key_start, i - key_start)));
    std::string v;
    if (i < value.size() && value[i] == '=') {
      ++i;
      while (i < value.size() && value[i] == ' ') ++i;
      if (i < value.size() && value[i] == '"') {
        ++i;
        bool closed = false;
        for (; i < value.size(); ++i) {
          if (value[i] == '\\' && i + 1 < value.size()) {
            v += value[++i];
          } else if (value[i] == '"') {
            closed = true;
            ++i;
            break;
          } else {
            v += value[i];
          }
        }
        if (!closed) return std::nullopt;
      } else {
        size_t v_start = i;
        while (i < value.size() && value[i] != ';') ++i;
        v = std::string(Trim(value.substr(v_start, i - v_start)));
      }
    }
    if (key == Lower(param)) return v;
    while (i < value.size() && value[i] != ';') ++i;
  }
  return std::nullopt;
}

std::optional<std::string> PercentDecodeForm(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
        return std::nullopt;
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body) {
  std::optional<std::string> boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200)
    return InvalidArgument("multipart/form-data without a usable boundary in its Content-Type");
  std::string delimiter = "--" + *boundary;
  std::vector<FormPart> parts;
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return InvalidArgument("multipart body without its boundary '" + *boundary + "'");
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // the closing boundary
    if (body.substr(pos, 2) != "\r\n")
      return InvalidArgument("multipart body: a boundary at byte " + std::to_string(pos) + " is not followed by CRLF");
    pos += 2;
    size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos)
      return InvalidArgument("multipart body: part " + std::to_string(parts.size() + 1) + " has no end of headers");
    FormPart part;
    bool has_disposition = false;
    std::string_view headers = body.substr(pos, headers_end - pos);
    size_t line_start = 0;
    while (line_start <= headers.size()) {
      size_t line_end = headers.find("\r\n", line_start);
      std::string_view line = headers.substr(
          line_start, line_end == std::string_view::npos ? std::string_view::npos : line_end - line_start);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name = Lower(Trim(line.substr(0, colon)));
        std::string_view value = Trim(line.substr(colon + 1));
        if (name == "content-disposition") {
          has_disposition = true;
          part.name = HeaderParam(value, "name").value_or("");
          part.filename = HeaderParam(value, "filename");
        } else if (name == "content-type") {
          part.content_type = std::string(value);
        }
      }
      if (line_end == std::string_view::npos) break;
      line_start = line_end + 2;
    }
    if (!has_disposition || part.name.empty())
      return InvalidArgument("multipart body: part " + std::to_string(parts.size() + 1) +
                             " has no Content-Disposition with a name");
    size_t data_start = headers_end + 4;
    size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos)
      return InvalidArgument("multipart body: part '" + part.name +
                             "' is not closed by the boundary (truncated body?)");
    part.data = std::string(body.substr(data_start, next - data_start));
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

Result<std::vector<FormPart>> ParseUrlEncoded(std::string_view body) {
  std::vector<FormPart> parts;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('&', start);
    std::string_view pair = body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      auto name = PercentDecodeForm(pair.substr(0, eq));
      auto value = PercentDecodeForm(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
      if (!name || !value) return InvalidArgument("malformed %-escape in the form field '" + std::string(pair) + "'");
      parts.push_back({.name = *name, .data = *value});
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

Result<std::vector<FormPart>> ParseForm(const HttpRequest& request) {
  std::string type = Lower(request.headers.Get("content-type"));
  if (type.rfind("multipart/form-data", 0) == 0)
    return ParseMultipart(request.headers.Get("content-type"), request.body);
  if (type.rfind("application/x-www-form-urlencoded", 0) == 0) return ParseUrlEncoded(request.body);
  if (request.body.empty()) return std::vector<FormPart>{};
  return InvalidArgument("expected a multipart/form-data or url-encoded form, not Content-Type '" +
                         std::string(request.headers.Get("content-type")) + "'");
}

}  // namespace floe::server
