#include "formats/csv/dialect_sniffer.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/value_parse.h"
#include "formats/csv/csv_tokenizer.h"

namespace sluice {
namespace {

constexpr char kDelimiterCandidates[] = {',', ';', '\t', '|'};
constexpr size_t kMaxSniffRows = 2000;

// The tokenizer needs a '\n' sentinel after the data, so the sniffer works on a padded copy.
struct Sample {
  std::string text;  // sample + '\n'
  std::string_view view;
  explicit Sample(std::string_view s) : text(s) {
    text.push_back('\n');
    view = std::string_view(text.data(), s.size());
  }
};

// Tokenizes and keeps only rows that surely are complete records.
void SampleRows(const Sample& sample, bool complete, const CsvDialect& d, CsvTokens* tokens) {
  TokenizeCsv(sample.view, d, tokens);
  if (!complete && !tokens->rows.empty()) tokens->rows.pop_back();
  if (!tokens->rows.empty() && tokens->rows.back().unterminated) tokens->rows.pop_back();
  if (tokens->rows.size() > kMaxSniffRows) tokens->rows.resize(kMaxSniffRows);
}

struct Consistency {
  double share = 0;     // rows with the most common field count / all rows
  uint32_t fields = 0;  // the most common field count
};

Consistency Measure(const CsvTokens& tokens) {
  Consistency best;
  if (tokens.rows.empty()) return best;
  std::vector<uint32_t> counts;
  counts.reserve(tokens.rows.size());
  for (const CsvRow& r : tokens.rows) counts.push_back(r.num_fields);
  std::sort(counts.begin(), counts.end());
  size_t run_best = 0;
  for (size_t i = 0; i < counts.size();) {
    size_t j = i;
    while (j < counts.size() && counts[j] == counts[i]) ++j;
    if (j - i > run_best || (j - i == run_best && counts[i] > best.fields)) {
      run_best = j - i;
      best.fields = counts[i];
    }
    i = j;
  }
  best.share = double(run_best) / double(counts.size());
  return best;
}

bool IsStructural(char c) {
  return c == ',' || c == ';' || c == '\t' || c == '|' || c == '\n' || c == '\r';
}

// Backslash escapes if \" inside text is more common than "" inside text.
char SniffEscape(std::string_view s, char quote) {
  size_t backslashed = 0, doubled = 0;
  for (size_t i = 1; i + 1 < s.size(); i++) {
    if (s[i] != quote) continue;
    if (s[i - 1] == '\\' && !IsStructural(s[i + 1])) {
      ++backslashed;
    } else if (s[i + 1] == quote && !IsStructural(s[i - 1]) && i + 2 < s.size() &&
               !IsStructural(s[i + 2])) {
      ++doubled;
      ++i;
    }
  }
  return backslashed > doubled ? '\\' : quote;
}

std::string FieldText(const Sample& sample, const CsvField& f, const CsvDialect& d) {
  std::string v(sample.view.substr(f.offset, f.length));
  if (f.flags & CsvField::kNeedsUnescape) v.resize(UnescapeCsvField(v.data(), v.size(), d));
  return v;
}

bool IsNullToken(const CsvField& f, std::string_view v, const CsvOptions& o) {
  if (f.flags & CsvField::kQuoted) return false;
  return std::find(o.null_tokens.begin(), o.null_tokens.end(), v) != o.null_tokens.end();
}

bool SniffHeader(const Sample& sample, const CsvTokens& tokens, const CsvDialect& d,
                 const CsvOptions& options) {
  if (tokens.rows.empty()) return false;
  const CsvRow& first = tokens.rows[0];
  std::vector<std::string> names;
  for (uint32_t i = 0; i < first.num_fields; i++) {
    std::string v = FieldText(sample, tokens.fields[first.first_field + i], d);
    // One-letter names like "n" or "y" classify as booleans but are fine header names.
    // An empty name is allowed (pandas writes one for its index column, and a trailing
    // delimiter leaves one at the end); it becomes col_<position>.
    const TypeId type = ClassifyText(v).type.id;
    if (!v.empty() && type != TypeId::kText && type != TypeId::kBoolean) return false;
    names.push_back(std::move(v));
  }
  size_t empty_names = 0;
  for (const auto& n : names) empty_names += n.empty();
  if (empty_names == names.size()) return false;
  // A column whose later values are all typed (numbers, dates, ...) under a text first value
  // is the classic header.
  for (uint32_t c = 0; c < first.num_fields; c++) {
    if (names[c].empty()) continue;
    InferredType t;
    bool any = false;
    for (size_t r = 1; r < tokens.rows.size() && t.type.id != TypeId::kText; r++) {
      const CsvRow& row = tokens.rows[r];
      if (c >= row.num_fields) continue;
      const CsvField& f = tokens.fields[row.first_field + c];
      const std::string v = FieldText(sample, f, d);
      if (IsNullToken(f, v, options)) continue;
      t = Join(t, ClassifyText(v));
      any = true;
    }
    if (any && t.type.id != TypeId::kText) return true;
  }
  // All text: a header is likely when the first row's values are distinct, non-empty names
  // (an empty first-row cell is only taken as a header name with typed columns as evidence).
  if (empty_names > 0) return false;
  std::unordered_set<std::string> unique(names.begin(), names.end());
  return unique.size() == names.size();
}

}  // namespace

size_t Utf8BomLength(std::string_view data) {
  return data.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
}

SniffResult SniffCsvDialect(std::string_view text, bool complete, const CsvOptions& options) {
  const Sample sample(text);
  SniffResult result;
  CsvDialect& d = result.dialect;

  const size_t brk = text.find_first_of("\r\n");
  if (brk != std::string_view::npos && text[brk] == '\r') {
    d.terminator = brk + 1 < text.size() && text[brk + 1] == '\n' ? LineTerminator::kCrLf
                   : brk + 1 < text.size() || complete            ? LineTerminator::kCr
                                                                  : LineTerminator::kCrLf;
  }

  std::vector<char> quotes;
  if (options.quote) {
    quotes.push_back(options.quote);
  } else {
    quotes = {'"', '\''};
  }
  std::vector<char> delimiters;
  if (options.delimiter) {
    delimiters.push_back(options.delimiter);
  } else {
    delimiters.assign(std::begin(kDelimiterCandidates), std::end(kDelimiterCandidates));
  }

  CsvTokens tokens;
  Consistency best;
  bool found = false;
  d.delimiter = delimiters[0];
  d.quote = quotes[0];
  for (char quote : quotes) {
    if (options.delimiter == quote) continue;
    const char escape = options.escape == '\\' ? '\\'
                        : options.escape != 0  ? quote
                                               : SniffEscape(text, quote);
    for (char delimiter : delimiters) {
      if (delimiter == quote) continue;
      CsvDialect candidate = d;
      candidate.delimiter = delimiter;
      candidate.quote = quote;
      candidate.escape = escape;
      SampleRows(sample, complete, candidate, &tokens);
      const Consistency c = Measure(tokens);
      if (c.fields < 2 && !options.delimiter) continue;
      // Strictly better only, so earlier candidates (',' and '"') win ties.
      if (!found || c.share > best.share + 1e-9 ||
          (c.share > best.share - 1e-9 && c.fields > best.fields && quote == d.quote)) {
        best = c;
        found = true;
        d.delimiter = delimiter;
        d.quote = quote;
        d.escape = escape;
      }
    }
  }
  if (!found) {
    d.escape = options.escape == '\\' ? '\\' : d.quote;
  }
  result.delimiter_confident = options.delimiter != 0 || found;

  switch (options.header) {
    case CsvOptions::HeaderMode::kYes:
      d.header = true;
      break;
    case CsvOptions::HeaderMode::kNo:
      d.header = false;
      break;
    case CsvOptions::HeaderMode::kAuto:
      SampleRows(sample, complete, d, &tokens);
      if (tokens.rows.empty() && !complete) {
        // The sample did not hold one whole record; look at the partial first record.
        TokenizeCsv(sample.view, d, &tokens);
      }
      d.header = SniffHeader(sample, tokens, d, options);
      break;
  }
  return result;
}

}  // namespace sluice
