#include "storage/gcs/gcs_json.h"

#include <simdjson.h>

#include "core/value_parse.h"
#include "storage/gcs/jwt.h"

namespace sluice {
namespace {

// The JSON API sends 64-bit numbers (size, generation) as strings.
bool Int64Field(simdjson::dom::element object, const char* name, int64_t* out) {
  std::string_view text;
  if (!object[name].get(text)) return ParseInt64(text, out);
  return !object[name].get(*out);
}

std::string HexMd5FromBase64(std::string_view base64) {
  std::string raw;
  // md5Hash is standard base64; map to the url alphabet so one decoder serves both.
  std::string url(base64);
  for (char& c : url) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  if (!Base64UrlDecode(url, &raw) || raw.size() != 16) return "";
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

bool FromElement(simdjson::dom::element object, GcsObjectMetadata* out) {
  std::string_view name;
  if (!object.is_object() || object["name"].get(name)) return false;
  out->name = std::string(name);
  if (!Int64Field(object, "size", &out->size)) return false;
  Int64Field(object, "generation", &out->generation);
  std::string_view md5, etag, updated;
  if (!object["md5Hash"].get(md5)) out->etag = HexMd5FromBase64(md5);
  if (out->etag.empty() && !object["etag"].get(etag)) out->etag = std::string(etag);
  int64_t micros = 0;
  bool has_zone = false;
  if (!object["updated"].get(updated) && ParseTimestamp(updated, &micros, &has_zone)) {
    out->mtime_ns = micros * 1000;
  }
  return true;
}

}  // namespace

bool ParseGcsObject(std::string_view body, GcsObjectMetadata* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return false;
  return FromElement(doc, out);
}

bool ParseGcsListPage(std::string_view body, GcsListPage* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) || !doc.is_object()) return false;
  out->items.clear();
  out->next_page_token.clear();
  simdjson::dom::array items;
  if (!doc["items"].get(items)) {  // absent on an empty page
    for (simdjson::dom::element item : items) {
      GcsObjectMetadata meta;
      if (!FromElement(item, &meta)) return false;
      out->items.push_back(std::move(meta));
    }
  }
  std::string_view token;
  if (!doc["nextPageToken"].get(token)) out->next_page_token = std::string(token);
  return true;
}

std::string GoogleErrorMessage(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return "";
  std::string_view message;
  if (!doc["error"]["message"].get(message)) return std::string(message);
  // The token endpoint's shape: {"error": "...", "error_description": "..."}.
  if (!doc["error_description"].get(message)) return std::string(message);
  return "";
}

}  // namespace sluice
