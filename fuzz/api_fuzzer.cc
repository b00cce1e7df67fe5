// libFuzzer target: what sluice does with bytes an API or a webhook sender controls. The input is
// "selector\ncursor path\nbody": the JSONPath subset parses the first lines (errors allowed), the
// body goes through the JSON syntax checker, and, if it parses, through record selection, the
// record shaper, the incremental cursor, the parent-field extractor, and the webhook signature
// parsers (as a Stripe-Signature / X-Hub-Signature-256 value and as a signed body). Must never
// crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/json_path.h"
#include "core/error.h"
#include "normalize/json_syntax.h"
#include "sources/api/record_cursor.h"
#include "sources/api/record_shaper.h"
#include "webhook/signature_verifier.h"

namespace {

std::string Line(const std::string& text, size_t* pos) {
  const size_t end = text.find('\n', *pos);
  const std::string line =
      text.substr(*pos, end == std::string::npos ? std::string::npos : end - *pos);
  *pos = end == std::string::npos ? text.size() : end + 1;
  return line;
}

sluice::JsonPath PathOr(const std::string& text, const char* fallback) {
  try {
    return sluice::JsonPath::Parse(text);
  } catch (const sluice::Error&) {
    return sluice::JsonPath::Parse(fallback);
  }
}

void Signatures(const std::string& header, const std::string& body) {
  for (auto scheme :
       {sluice::SignatureConfig::Scheme::kStripe, sluice::SignatureConfig::Scheme::kGithub,
        sluice::SignatureConfig::Scheme::kHmac}) {
    sluice::SignatureConfig config;
    config.scheme = scheme;
    config.secret = "whsec_fuzz";
    config.header = "X-Signature";
    config.encoding = body.size() % 2 ? "hex" : "base64";
    sluice::SignatureVerifier verifier(config);
    verifier.Verify([&](const std::string&) { return header; }, body, 1700000000);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t pos = 0;
  const std::string selector = Line(text, &pos);
  const std::string cursor_path = Line(text, &pos);
  const std::string body = text.substr(pos);
  Signatures(selector, body);

  sluice::JsonSyntaxError where;
  const bool syntax_ok = sluice::CheckJsonSyntax(body, &where);
  if (!syntax_ok && where.offset > body.size()) __builtin_trap();

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return 0;
  // simdjson also validates UTF-8 and the checker does not; the reverse must hold.
  if (!syntax_ok) __builtin_trap();

  const sluice::JsonPath path = PathOr(selector, "$");
  std::vector<simdjson::dom::element> records;
  path.Select(root, &records);
  path.First(root);

  sluice::ResourceConfig resource;
  resource.filters.push_back(
      {cursor_path.empty() ? "id" : "id", sluice::RecordFilterConfig::Op::kGreater, {"3"}});
  resource.exclude_columns = {"secret"};
  sluice::RecordShaper shaper(resource);
  sluice::IncrementalConfig incremental;
  incremental.cursor_path = "$";
  try {
    sluice::JsonPath::Parse(cursor_path);
    incremental.cursor_path = cursor_path.empty() ? "$" : cursor_path;
  } catch (const sluice::Error&) {
  }
  incremental.lag = body.size() % 3 ? "" : "10";
  sluice::ParentFieldExtractor extractor("p", {}, {"id", "a.b"});
  try {
    sluice::RecordCursor cursor(incremental, {"id"}, body.size() % 2 ? "" : body);
    for (auto record : records) {
      shaper.Keep(record);
      std::string line;
      sluice::ParentRecord parent;
      std::string error;
      extractor.Extract(record, &parent, &error);
      shaper.Write(record, &parent, &line);
      cursor.Judge(record, line);
    }
    cursor.StateJson();
  } catch (const sluice::Error&) {
    // Lags that do not fit the cursor's type are usage errors: fine.
  }
  return 0;
}
