#include "storage/xml.h"

#include <cstdint>

namespace floe::storage {
namespace {

constexpr size_t kMaxInput = 64u << 20;
constexpr int kMaxDepth = 256;

class XmlParser {
 public:
  explicit XmlParser(std::string_view s) : s_(s) {}

  Result<XmlElement> Document() {
    if (s_.size() > kMaxInput) return Error("the document is larger than 64 MiB");
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
    RETURN_IF_ERROR(SkipMisc());
    if (pos_ >= s_.size() || s_[pos_] != '<') return Error("expected the root element");
    XmlElement root;
    RETURN_IF_ERROR(Element(root, 0));
    RETURN_IF_ERROR(SkipMisc());
    if (pos_ != s_.size()) return Error("unexpected content after the root element");
    return root;
  }

 private:
  Status Error(std::string what) const {
    return InvalidArgument("malformed XML at byte " + std::to_string(pos_) + ": " + what);
  }

  bool StartsWith(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }

  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  Status SkipPast(std::string_view end, std::string_view what) {
    size_t at = s_.find(end, pos_);
    if (at == std::string_view::npos) return Error("unterminated " + std::string(what));
    pos_ = at + end.size();
    return Status::Ok();
  }

  // Whitespace, comments, processing instructions and a DOCTYPE.
  Status SkipMisc() {
    while (true) {
      SkipSpace();
      if (StartsWith("<?")) {
        RETURN_IF_ERROR(SkipPast("?>", "processing instruction"));
      } else if (StartsWith("<!--")) {
        RETURN_IF_ERROR(SkipPast("-->", "comment"));
      } else if (StartsWith("<!DOCTYPE")) {
        RETURN_IF_ERROR(SkipPast(">", "DOCTYPE"));
      } else {
        return Status::Ok();
      }
    }
  }

  static bool NameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':' ||
           static_cast<unsigned char>(c) >= 0x80;
  }

  Result<std::string> Name() {
    size_t start = pos_;
    while (pos_ < s_.size() && NameChar(s_[pos_])) ++pos_;
    if (pos_ == start) return Error("expected a name");
    std::string_view name = s_.substr(start, pos_ - start);
    size_t colon = name.rfind(':');
    return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // At '&': decodes one entity into `out`.
  Status Entity(std::string& out) {
    size_t end = s_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) return Error("unterminated entity");
    std::string_view name = s_.substr(pos_ + 1, end - pos_ - 1);
    if (name == "amp") {
      out.push_back('&');
    } else if (name == "lt") {
      out.push_back('<');
    } else if (name == "gt") {
      out.push_back('>');
    } else if (name == "quot") {
      out.push_back('"');
    } else if (name == "apos") {
      out.push_back('\'');
    } else if (name.size() > 1 && name[0] == '#') {
      bool hex = name[1] == 'x' || name[1] == 'X';
      std::string_view digits = name.substr(hex ? 2 : 1);
      if (digits.empty()) return Error("empty character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : hex && std::isxdigit(static_cast<unsigned char>(c))
                    ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                    : -1;
        if (d < 0) return Error("bad character reference '&" + std::string(name) + ";'");
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) return Error("character reference out of range");
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return Error("invalid character reference");
      AppendUtf8(out, cp);
    } else {
      return Error("unknown entity '&" + std::string(name) + ";'");
    }
    pos_ = end + 1;
    return Status::Ok();
  }

  Status Attributes() {
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size()) return Error("unterminated start tag");
      if (s_[pos_] == '>' || s_[pos_] == '/') return Status::Ok();
      RETURN_IF_ERROR(Name().status());
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '=') return Error("expected '=' after an attribute name");
      ++pos_;
      SkipSpace();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) return Error("expected a quoted value");
      char quote = s_[pos_++];
      size_t end = s_.find(quote, pos_);
      if (end == std::string_view::npos) return Error("unterminated attribute value");
      pos_ = end + 1;
    }
  }

  Status Element(XmlElement& e, int depth) {
    if (depth >= kMaxDepth) return Error("elements nested deeper than 256");
    ++pos_;  // '<'
    ASSIGN_OR_RETURN(e.name, Name());
    RETURN_IF_ERROR(Attributes());
    if (s_[pos_] == '/') {
      if (!StartsWith("/>")) return Error("expected '/>'");
      pos_ += 2;
      return Status::Ok();
    }
    ++pos_;  // '>'
    while (true) {
      if (pos_ >= s_.size()) return Error("element <" + e.name + "> is not closed");
      char c = s_[pos_];
      if (c == '&') {
        RETURN_IF_ERROR(Entity(e.text));
      } else if (c != '<') {
        e.text.push_back(c);
        ++pos_;
      } else if (StartsWith("</")) {
        pos_ += 2;
        ASSIGN_OR_RETURN(std::string closing, Name());
        if (closing != e.name) return Error("</" + closing + "> closes <" + e.name + ">");
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '>') return Error("expected '>'");
        ++pos_;
        return Status::Ok();
      } else if (StartsWith("<!--")) {
        RETURN_IF_ERROR(SkipPast("-->", "comment"));
      } else if (StartsWith("<![CDATA[")) {
        size_t end = s_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return Error("unterminated CDATA");
        e.text.append(s_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (StartsWith("<?")) {
        RETURN_IF_ERROR(SkipPast("?>", "processing instruction"));
      } else {
        e.children.emplace_back();
        RETURN_IF_ERROR(Element(e.children.back(), depth + 1));
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child) const {
  for (const auto& c : children)
    if (c.name == child) return &c;
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child) const {
  const XmlElement* c = Child(child);
  return c ? c->text : "";
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children)
    if (c.name == child) out.push_back(&c);
  return out;
}

Result<XmlElement> ParseXml(std::string_view text) { return XmlParser(text).Document(); }

}  // namespace floe::storage
