#include "storage/s3/s3_xml.h"

#include <expat.h>

#include <memory>

#include "core/error.h"

namespace sluice {
namespace {

struct ParseState {
  XmlElement root;
  std::vector<XmlElement*> open;  // path from the root to the innermost open element
  bool seen_root = false;
};

void OnStart(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto* state = static_cast<ParseState*>(data);
  if (state->open.empty()) {
    state->root.name = name;
    state->open.push_back(&state->root);
    state->seen_root = true;
    return;
  }
  XmlElement* parent = state->open.back();
  parent->children.push_back(XmlElement{name, "", {}});
  state->open.push_back(&parent->children.back());
}

void OnEnd(void* data, const XML_Char* /*name*/) {
  static_cast<ParseState*>(data)->open.pop_back();
}

void OnText(void* data, const XML_Char* text, int size) {
  auto* state = static_cast<ParseState*>(data);
  if (!state->open.empty()) state->open.back()->text.append(text, static_cast<size_t>(size));
}

}  // namespace

const XmlElement* XmlElement::Child(const std::string& child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::string XmlElement::ChildText(const std::string& child_name) const {
  const XmlElement* child = Child(child_name);
  return child ? child->text : "";
}

XmlElement ParseXml(const std::string& xml) {
  std::unique_ptr<XML_ParserStruct, void (*)(XML_Parser)> parser(XML_ParserCreate("UTF-8"),
                                                                 XML_ParserFree);
  if (!parser) throw Error(ErrorKind::kInternal, "cannot create an XML parser");
  ParseState state;
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), /*isFinal=*/1) !=
          XML_STATUS_OK ||
      !state.seen_root) {
    throw Error(ErrorKind::kIo,
                std::string("malformed XML in the storage service's response: ") +
                    XML_ErrorString(XML_GetErrorCode(parser.get())),
                /*retriable=*/true);
  }
  return std::move(state.root);
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace sluice
