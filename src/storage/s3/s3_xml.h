#pragma once
// S3's XML responses (ListObjectsV2 pages, multipart upload ids, errors) are small, so they are
// parsed with expat into a little element tree rather than streamed.
#include <string>
#include <vector>

namespace sluice {

struct XmlElement {
  std::string name;  // without namespace prefix handling: S3 uses a default namespace only
  std::string text;  // character data directly inside this element
  std::vector<XmlElement> children;

  // The first child named `name`, or nullptr.
  const XmlElement* Child(const std::string& name) const;
  // The text of the first child named `name`, or "".
  std::string ChildText(const std::string& name) const;
};

// Throws an IoError (retriable: a garbled body is most likely a cut connection) if `xml` is not
// well-formed.
XmlElement ParseXml(const std::string& xml);

// Escapes &, <, >, " and ' for element content.
std::string XmlEscape(const std::string& text);

}  // namespace sluice
