#include "api/paginator.h"

#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <set>

#include "api/json_path.h"
#include "api/url.h"
#include "core/error.h"
#include "core/json_string.h"

namespace sluice {

void PageRequest::SetParam(const std::string& name, const std::string& value) {
  for (auto& param : params) {
    if (param.first == name) {
      param.second = value;
      return;
    }
  }
  params.emplace_back(name, value);
}

namespace {

using simdjson::dom::element;

bool IsNull(element e) {
  return e.type() == simdjson::dom::element_type::NULL_VALUE;
}

// The value at `path`, nullopt when missing or null.
std::optional<element> Find(const JsonPath& path, element body) {
  auto found = path.First(body);
  if (!found || IsNull(*found)) return std::nullopt;
  return found;
}

std::optional<int64_t> FindInteger(const JsonPath& path, element body, const char* what) {
  const auto found = Find(path, body);
  if (!found) return std::nullopt;
  int64_t n;
  double d;
  std::string_view text;
  if (found->get(n) == simdjson::SUCCESS) return n;
  if (found->get(d) == simdjson::SUCCESS) {
    // A double outside int64's range (1e300, and never NaN or inf in JSON) cannot be converted.
    if (std::isfinite(d) && d >= -9.2e18 && d <= 9.2e18) return static_cast<int64_t>(d);
    throw InputError(std::string("paginator: ") + what + " at " + path.text() +
                     " is out of range: " + simdjson::to_string(*found));
  }
  if (found->get(text) == simdjson::SUCCESS) {
    try {
      return std::stoll(std::string(text));
    } catch (const std::exception&) {
    }
  }
  throw InputError(std::string("paginator: ") + what + " at " + path.text() +
                   " is not a number: " + simdjson::to_string(*found));
}

// `json` with the field at `path` (created with its parent objects if needed) set to the JSON
// text `value`; every other member kept in order.
void WriteWithField(std::optional<element> node, const std::vector<std::string>& path, size_t depth,
                    const std::string& value, std::string* out) {
  if (depth == path.size()) {
    *out += value;
    return;
  }
  simdjson::dom::object object;
  const bool is_object = node && node->get_object().get(object) == simdjson::SUCCESS;
  *out += '{';
  bool first = true, written = false;
  if (is_object) {
    for (auto field : object) {
      if (!first) *out += ',';
      first = false;
      AppendJsonString(field.key, out);
      *out += ':';
      if (field.key == path[depth]) {
        WriteWithField(field.value, path, depth + 1, value, out);
        written = true;
      } else {
        *out += simdjson::to_string(field.value);
      }
    }
  }
  if (!written) {
    if (!first) *out += ',';
    AppendJsonString(path[depth], out);
    *out += ':';
    WriteWithField(std::nullopt, path, depth + 1, value, out);
  }
  *out += '}';
}

std::string SetJsonField(const std::string& json, const std::vector<std::string>& path,
                         const std::string& value) {
  simdjson::dom::parser parser;
  element root;
  if (!json.empty() && parser.parse(json).get(root) != simdjson::SUCCESS) {
    throw UsageError("paginator: the request body is not valid JSON");
  }
  std::string out;
  WriteWithField(json.empty() ? std::nullopt : std::optional<element>(root), path, 0, value, &out);
  return out;
}

std::vector<std::string> FieldPath(const std::string& text, const char* option) {
  const auto names = JsonPath::Parse(text).FieldNames();
  if (!names || names->empty()) {
    throw UsageError(std::string("paginator ") + option + " \"" + text +
                     "\": must name a field (a.b.c), without indexes or wildcards");
  }
  return *names;
}

// A link whose target is the page it came from would be fetched forever. Credentials go with
// every request, so a link to another origin (scheme, host and port; an https -> http downgrade
// included) than the page's is refused; the page's origin is the first request's, since no link
// ever left it.
void FollowLink(const std::string& next, const std::string& base_url, PageRequest* request) {
  const std::string current = JoinUrl(base_url, request->url);
  const std::string resolved = ResolveUrl(current, next);
  if (resolved == current) {
    throw InputError("paginator: the next link points to the page itself");
  }
  const std::string from = UrlOrigin(current);
  const std::string to = UrlOrigin(resolved);
  if (!from.empty() && to != from) {
    throw InputError("paginator: refusing to follow a next link to " +
                     (to.empty() ? std::string("a URL that is not http(s)") : to) +
                     ", another origin than " + from +
                     " (credentials are only sent to the API's own origin)");
  }
  request->url = resolved;
}

class SinglePage : public Paginator {
 public:
  void Init(PageRequest*) override {}
  bool Next(const HttpResponse&, element, size_t, PageRequest*) override { return false; }
};

class JsonLink : public Paginator {
 public:
  JsonLink(const std::string& path, std::string base_url)
      : path_(JsonPath::Parse(path)), base_url_(std::move(base_url)) {}
  void Init(PageRequest*) override {}
  bool Next(const HttpResponse&, element body, size_t, PageRequest* request) override {
    const auto next = Find(path_, body);
    if (!next) return false;
    std::string_view url;
    if (next->get(url) != simdjson::SUCCESS) {
      throw InputError("paginator json_link: " + path_.text() +
                       " is not a URL string: " + simdjson::to_string(*next));
    }
    if (url.empty()) return false;
    FollowLink(std::string(url), base_url_, request);
    return true;
  }

 private:
  JsonPath path_;
  std::string base_url_;
};

std::string LowerCase(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string NextLinkFromHeader(const std::string& header) {
  // link-value = "<" URI ">" *( ";" param ), values separated by commas outside <> and quotes.
  size_t i = 0;
  const size_t n = header.size();
  while (i < n) {
    const size_t open = header.find('<', i);
    if (open == std::string::npos) return "";
    const size_t close = header.find('>', open);
    if (close == std::string::npos) return "";
    const std::string target = header.substr(open + 1, close - open - 1);
    i = close + 1;
    bool is_next = false;
    // Parameters up to the next comma outside quotes.
    while (i < n && header[i] != ',') {
      if (header[i] != ';') {
        i++;
        continue;
      }
      i++;
      while (i < n && std::isspace(static_cast<unsigned char>(header[i]))) i++;
      size_t name_end = i;
      while (name_end < n && header[name_end] != '=' && header[name_end] != ';' &&
             header[name_end] != ',') {
        name_end++;
      }
      std::string name = header.substr(i, name_end - i);
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
        name.pop_back();
      i = name_end;
      std::string value;
      if (i < n && header[i] == '=') {
        i++;
        while (i < n && std::isspace(static_cast<unsigned char>(header[i]))) i++;
        if (i < n && header[i] == '"') {
          for (i++; i < n && header[i] != '"'; i++) {
            if (header[i] == '\\' && i + 1 < n) i++;
            value += header[i];
          }
          i++;
        } else {
          while (i < n && header[i] != ';' && header[i] != ',') value += header[i++];
          while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
            value.pop_back();
          }
        }
      }
      if (LowerCase(name) == "rel") {
        // rel may list several relation types: rel="next last".
        size_t start = 0;
        const std::string rels = LowerCase(value);
        while (start < rels.size()) {
          size_t end = rels.find(' ', start);
          if (end == std::string::npos) end = rels.size();
          if (rels.substr(start, end - start) == "next") is_next = true;
          start = end + 1;
        }
      }
    }
    if (is_next) return target;
    i++;  // the comma
  }
  return "";
}

namespace {

std::string NextLinkOf(const HttpResponse& response) {
  // Several Link headers are one comma-separated list.
  std::string joined;
  for (const auto& [name, value] : response.headers) {
    if (name == "link") joined += (joined.empty() ? "" : ", ") + value;
  }
  return NextLinkFromHeader(joined);
}

class HeaderLink : public Paginator {
 public:
  explicit HeaderLink(std::string base_url) : base_url_(std::move(base_url)) {}
  void Init(PageRequest*) override {}
  bool Next(const HttpResponse& response, element, size_t, PageRequest* request) override {
    const std::string next = NextLinkOf(response);
    if (next.empty()) return false;
    FollowLink(next, base_url_, request);
    return true;
  }

 private:
  std::string base_url_;
};

class Cursor : public Paginator {
 public:
  explicit Cursor(const PaginatorConfig& config)
      : config_(config), path_(JsonPath::Parse(config.cursor_path)) {
    if (!config.cursor_body_path.empty()) {
      body_path_ = FieldPath(config.cursor_body_path, "cursor_body_path");
    }
  }
  void Init(PageRequest*) override {}
  bool Next(const HttpResponse&, element body, size_t records, PageRequest* request) override {
    if (records == 0 && config_.stop_after_empty_page) return false;
    const auto cursor = Find(path_, body);
    if (!cursor) return false;
    const std::string text = JsonScalarText(*cursor);
    if (text.empty()) return false;
    if (seen_.count(text)) {
      throw InputError("paginator cursor: the API returned cursor \"" + text + "\" again (at " +
                       config_.cursor_path + "); stopping to avoid a loop");
    }
    seen_.insert(text);
    if (body_path_.empty()) {
      request->SetParam(config_.cursor_param, text);
    } else {
      request->json_body =
          SetJsonField(request->json_body, body_path_, simdjson::to_string(*cursor));
    }
    return true;
  }

 private:
  PaginatorConfig config_;
  JsonPath path_;
  std::vector<std::string> body_path_;
  std::set<std::string> seen_;
};

class Offset : public Paginator {
 public:
  explicit Offset(const PaginatorConfig& config) : config_(config), offset_(config.offset) {
    if (config.limit <= 0) throw UsageError("paginator offset: limit must be positive");
    if (!config.total_path.empty()) total_path_ = JsonPath::Parse(config.total_path);
  }
  void Init(PageRequest* request) override {
    request->SetParam(config_.offset_param, std::to_string(offset_));
    if (!config_.limit_param.empty()) {
      request->SetParam(config_.limit_param, std::to_string(config_.limit));
    }
  }
  bool Next(const HttpResponse&, element body, size_t records, PageRequest* request) override {
    // With a total, the total decides: servers cap page sizes below a requested limit, so a
    // short page is no end. An empty page still is, unless stop_after_empty_page is false (the
    // total and maximum_offset then bound the walk). Without a total a short page, empty
    // included, is the last one.
    if (records == 0 && (config_.stop_after_empty_page || !total_path_)) return false;
    if (!total_path_ && static_cast<int64_t>(records) < config_.limit) return false;
    // A capped page moves the offset by what it held, so no record is skipped.
    const int64_t step = records > 0 && static_cast<int64_t>(records) < config_.limit
                             ? static_cast<int64_t>(records)
                             : config_.limit;
    if (offset_ > std::numeric_limits<int64_t>::max() - step) return false;
    offset_ += step;
    if (total_path_) {
      const auto total = FindInteger(*total_path_, body, "total");
      if (!total) {
        throw InputError("paginator offset: the response has no total at " + config_.total_path);
      }
      if (offset_ >= *total) return false;
    }
    if (config_.maximum_offset >= 0 && offset_ >= config_.maximum_offset) return false;
    request->SetParam(config_.offset_param, std::to_string(offset_));
    return true;
  }

 private:
  PaginatorConfig config_;
  int64_t offset_;
  std::optional<JsonPath> total_path_;
};

class PageNumber : public Paginator {
 public:
  explicit PageNumber(const PaginatorConfig& config) : config_(config), page_(config.base_page) {
    if (!config.total_path.empty()) total_path_ = JsonPath::Parse(config.total_path);
    if (!total_path_ && !config.stop_after_empty_page && config.maximum_page < 0 &&
        config.max_pages < 0) {
      throw UsageError(
          "paginator page_number: nothing would stop it; set total_path, maximum_page, "
          "max_pages or stop_after_empty_page");
    }
  }
  void Init(PageRequest* request) override {
    request->SetParam(config_.page_param, std::to_string(page_));
  }
  bool Next(const HttpResponse&, element body, size_t records, PageRequest* request) override {
    if (records == 0 && config_.stop_after_empty_page) return false;
    if (total_path_) {
      const auto total = FindInteger(*total_path_, body, "total pages");
      if (!total) {
        throw InputError("paginator page_number: the response has no total at " +
                         config_.total_path);
      }
      if (page_ - config_.base_page + 1 >= *total) return false;
    }
    page_++;
    if (config_.maximum_page >= 0 && page_ > config_.maximum_page) return false;
    request->SetParam(config_.page_param, std::to_string(page_));
    return true;
  }

 private:
  PaginatorConfig config_;
  int64_t page_;
  std::optional<JsonPath> total_path_;
};

// The first object holding key `name`, depth first in document order.
std::optional<element> FindKeyAnywhere(element node, const std::string& name) {
  simdjson::dom::object object;
  simdjson::dom::array array;
  if (node.get_object().get(object) == simdjson::SUCCESS) {
    element value;
    if (object.at_key(name).get(value) == simdjson::SUCCESS) return value;
    for (auto field : object) {
      if (auto found = FindKeyAnywhere(field.value, name)) return found;
    }
  } else if (node.get_array().get(array) == simdjson::SUCCESS) {
    for (element child : array) {
      if (auto found = FindKeyAnywhere(child, name)) return found;
    }
  }
  return std::nullopt;
}

class Relay : public Paginator {
 public:
  explicit Relay(const PaginatorConfig& config)
      : config_(config), path_(JsonPath::Parse(config.page_info_path)) {
    if (config.cursor_variable.empty())
      throw UsageError("paginator relay: cursor_variable is empty");
    const auto names = path_.FieldNames();
    if (names && names->size() == 1) bare_name_ = names->front();
  }
  void Init(PageRequest*) override {}
  bool Next(const HttpResponse&, element body, size_t, PageRequest* request) override {
    auto page_info = path_.First(body);
    // A bare name (the default "pageInfo") is looked for anywhere in the response.
    if (!page_info && !bare_name_.empty()) page_info = FindKeyAnywhere(body, bare_name_);
    if (!page_info || IsNull(*page_info)) {
      throw InputError("paginator relay: the response has no pageInfo at " + path_.text());
    }
    bool has_next = false;
    if ((*page_info)["hasNextPage"].get(has_next) != simdjson::SUCCESS || !has_next) return false;
    element end_cursor;
    if ((*page_info)["endCursor"].get(end_cursor) != simdjson::SUCCESS || IsNull(end_cursor)) {
      return false;
    }
    const std::string text = JsonScalarText(end_cursor);
    if (text.empty()) return false;
    if (!seen_.insert(text).second) {
      throw InputError("paginator relay: the API returned endCursor \"" + text +
                       "\" again; stopping to avoid a loop");
    }
    request->json_body = SetJsonField(request->json_body, {"variables", config_.cursor_variable},
                                      simdjson::to_string(end_cursor));
    return true;
  }

 private:
  PaginatorConfig config_;
  JsonPath path_;
  std::string bare_name_;
  std::set<std::string> seen_;
};

// Decides on the first response: a Link rel=next header, else a next URL in one of the usual
// body places, else a single page.
class Auto : public Paginator {
 public:
  explicit Auto(std::string base_url) : base_url_(std::move(base_url)) {}
  void Init(PageRequest*) override {}
  bool Next(const HttpResponse& response, element body, size_t records,
            PageRequest* request) override {
    if (!chosen_) {
      if (!NextLinkOf(response).empty()) {
        chosen_ = std::make_unique<HeaderLink>(base_url_);
      } else {
        for (const char* path :
             {"next", "links.next", "_links.next.href", "next_page_url", "pagination.next"}) {
          const auto found = Find(JsonPath::Parse(path), body);
          std::string_view url;
          if (found && found->get(url) == simdjson::SUCCESS && LooksLikeUrl(url)) {
            chosen_ = std::make_unique<JsonLink>(path, base_url_);
            break;
          }
        }
      }
      if (!chosen_) chosen_ = std::make_unique<SinglePage>();
    }
    return chosen_->Next(response, body, records, request);
  }

 private:
  static bool LooksLikeUrl(std::string_view s) {
    return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0 || s.rfind('/', 0) == 0 ||
           s.rfind('?', 0) == 0;
  }
  std::string base_url_;
  std::unique_ptr<Paginator> chosen_;
};

// What every type shares: max_pages (pages fetched, whatever the inner paginator says), and
// errors that name the page they are about.
class Guarded : public Paginator {
 public:
  Guarded(std::unique_ptr<Paginator> inner, int64_t max_pages, std::string base_url)
      : inner_(std::move(inner)), max_pages_(max_pages), base_url_(std::move(base_url)) {}
  void Init(PageRequest* request) override { inner_->Init(request); }
  bool Next(const HttpResponse& response, element body, size_t records,
            PageRequest* request) override {
    if (max_pages_ >= 0 && ++pages_ >= max_pages_) return false;
    const std::string page = JoinUrl(base_url_, request->url);
    try {
      return inner_->Next(response, body, records, request);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInput) throw;
      throw InputError(std::string(e.what()) + " (page " + UrlForDisplay(page) + ")");
    }
  }

 private:
  std::unique_ptr<Paginator> inner_;
  int64_t max_pages_;
  std::string base_url_;
  int64_t pages_ = 0;
};

std::unique_ptr<Paginator> MakeInner(const PaginatorConfig& config, const std::string& base_url) {
  using Type = PaginatorConfig::Type;
  switch (config.type) {
    case Type::kAuto:
      return std::make_unique<Auto>(base_url);
    case Type::kSinglePage:
      return std::make_unique<SinglePage>();
    case Type::kJsonLink:
      return std::make_unique<JsonLink>(config.next_url_path, base_url);
    case Type::kHeaderLink:
      return std::make_unique<HeaderLink>(base_url);
    case Type::kCursor:
      return std::make_unique<Cursor>(config);
    case Type::kOffset:
      return std::make_unique<Offset>(config);
    case Type::kPageNumber:
      return std::make_unique<PageNumber>(config);
    case Type::kRelay:
      return std::make_unique<Relay>(config);
  }
  throw Error(ErrorKind::kInternal, "unknown paginator type");
}

}  // namespace

std::unique_ptr<Paginator> MakePaginator(const PaginatorConfig& config,
                                         const std::string& base_url) {
  if (config.max_pages == 0) throw UsageError("paginator: max_pages must be positive or -1");
  return std::make_unique<Guarded>(MakeInner(config, base_url), config.max_pages, base_url);
}

}  // namespace sluice
