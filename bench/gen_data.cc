// Deterministic benchmark data generator.
//
//   sluice_gen_data csv    OUT.csv    --rows N [--seed S]
//   sluice_gen_data ndjson OUT.ndjson --rows N [--seed S]
//
// Output depends only on (format, rows, seed): the PRNG is our own splitmix64 and every number is
// formatted from integers, so no libc float formatting or locale can change a byte across
// machines. The file is written to OUT.partial and renamed at the end, so an interrupted run never
// leaves a truncated file that a later "generate only if missing" step would trust.

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n). Multiply-shift instead of modulo: faster, and the tiny bias is irrelevant
  // for test data while staying fully deterministic.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

  // Inclusive range.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }

  template <size_t N>
  std::string_view Pick(const std::string_view (&list)[N]) {
    return list[Below(N)];
  }

 private:
  uint64_t state_;
};

// Output buffer flushed with large fwrite calls; per-value iostream formatting would dominate
// the run time at ~1 GB.
class Writer {
 public:
  static constexpr size_t kCapacity = 8 << 20;
  // Upper bound on one record; Flush is checked once per record, not per value.
  static constexpr size_t kMaxRecord = 4096;

  explicit Writer(FILE* out) : out_(out), buf_(kCapacity + kMaxRecord) {}

  void MaybeFlush() {
    if (pos_ >= kCapacity) Flush();
  }

  bool Flush() {
    if (pos_ > 0 && std::fwrite(buf_.data(), 1, pos_, out_) != pos_) ok_ = false;
    bytes_ += pos_;
    pos_ = 0;
    return ok_;
  }

  bool ok() const { return ok_; }
  uint64_t bytes() const { return bytes_ + pos_; }

  void Char(char c) { buf_[pos_++] = c; }

  void Str(std::string_view s) {
    std::memcpy(buf_.data() + pos_, s.data(), s.size());
    pos_ += s.size();
  }

  void UInt(uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) buf_[pos_++] = tmp[--n];
  }

  // Exactly `width` digits, zero padded (dates, zip codes, fractional parts).
  void UIntPadded(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf_[pos_ + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    pos_ += width;
  }

  // Fixed-point money: 123456 -> "1234.56".
  void Cents(uint64_t cents) {
    UInt(cents / 100);
    Char('.');
    UIntPadded(cents % 100, 2);
  }

 private:
  FILE* out_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  uint64_t bytes_ = 0;
  bool ok_ = true;
};

constexpr std::string_view kFirstNames[] = {"Alice", "Bob",   "Carla",  "David", "Elena", "Farid",
                                            "Grace", "Hiro",  "Ines",   "Jonas", "Kofi",  "Lena",
                                            "Mateo", "Nadia", "Oscar",  "Priya", "Quinn", "Rosa",
                                            "Sven",  "Tariq", "Ursula", "Zoë",   "José",  "Łukasz"};
constexpr std::string_view kLastNames[] = {
    "Smith",  "Müller", "Garcia", "Rossi", "Kowalski", "Nguyen", "Okafor", "Silva",
    "Tanaka", "Dubois", "Jensen", "Novak", "Ivanova",  "Kim",    "Patel",  "Haddad"};
constexpr std::string_view kNicknames[] = {"Ace", "Bud", "Doc", "Red", "Sky"};
constexpr std::string_view kCountries[] = {"US", "DE", "FR", "GB", "IT", "ES", "PL", "NL",
                                           "SE", "JP", "BR", "IN", "CA", "AU", "MX", "NG"};
constexpr std::string_view kWords[] = {
    "ship",   "before", "noon",  "gift", "wrap",   "fragile", "please", "call",
    "on",     "late",   "leave", "at",   "door",   "back",    "office", "urgent",
    "thanks", "the",    "box",   "was",  "dented", "replace", "item",   "missing"};
constexpr std::string_view kCities[] = {"Berlin", "Lisbon", "Osaka",   "Austin", "Lagos",
                                        "Krakow", "Lyon",   "Toronto", "Pune",   "Malmö"};
constexpr std::string_view kTags[] = {"gift", "express", "fragile", "bulk", "promo", "return"};

constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

struct DateTime {
  int year, month, day, hour, minute, second;
};

DateTime RandomDateTime(SplitMix64& rng) {
  DateTime t;
  t.year = static_cast<int>(rng.Range(2023, 2024));
  t.month = static_cast<int>(rng.Range(1, 12));
  int days = kDaysInMonth[t.month - 1] + (t.month == 2 && t.year % 4 == 0 ? 1 : 0);
  t.day = static_cast<int>(rng.Range(1, days));
  t.hour = static_cast<int>(rng.Range(0, 23));
  t.minute = static_cast<int>(rng.Range(0, 59));
  t.second = static_cast<int>(rng.Range(0, 59));
  return t;
}

void WriteDate(Writer& w, const DateTime& t) {
  w.UIntPadded(t.year, 4);
  w.Char('-');
  w.UIntPadded(t.month, 2);
  w.Char('-');
  w.UIntPadded(t.day, 2);
}

void WriteTime(Writer& w, const DateTime& t) {
  w.UIntPadded(t.hour, 2);
  w.Char(':');
  w.UIntPadded(t.minute, 2);
  w.Char(':');
  w.UIntPadded(t.second, 2);
}

// ---------------------------------------------------------------------------------------------
// CSV: ~88 bytes/row at 12M rows (~1 GB). Quoting follows RFC 4180: only fields that need it are
// quoted and inner quotes are doubled, which is what exporters in the wild produce.

void CsvName(Writer& w, SplitMix64& rng) {
  std::string_view first = rng.Pick(kFirstNames);
  std::string_view last = rng.Pick(kLastNames);
  uint64_t r = rng.Below(1000);
  if (r < 10) {  // ~1%: embedded newline, e.g. a name pasted from a two-line form.
    w.Char('"');
    w.Str(first);
    w.Char('\n');
    w.Str(last);
    w.Char('"');
  } else if (r < 50) {  // ~4%: embedded quotes.
    w.Char('"');
    w.Str(first);
    w.Str(" \"\"");
    w.Str(rng.Pick(kNicknames));
    w.Str("\"\" ");
    w.Str(last);
    w.Char('"');
  } else if (r < 110) {  // ~6%: "Last, First" needs quoting for the comma.
    w.Char('"');
    w.Str(last);
    w.Str(", ");
    w.Str(first);
    w.Char('"');
  } else {
    w.Str(first);
    w.Char(' ');
    w.Str(last);
  }
}

void CsvComment(Writer& w, SplitMix64& rng) {
  uint64_t r = rng.Below(100);
  if (r < 35) return;  // Empty field: NULL under the default CSV null string.
  if (r < 40) {        // Explicit token that many exports write for NULL.
    w.Str("NULL");
    return;
  }
  int words = static_cast<int>(rng.Range(1, 3));
  bool comma = rng.Below(8) == 0;
  if (comma) w.Char('"');
  for (int i = 0; i < words; ++i) {
    if (i > 0) w.Str(comma && i == 1 ? ", " : " ");
    w.Str(rng.Pick(kWords));
  }
  if (comma) w.Char('"');
}

void CsvRatio(Writer& w, SplitMix64& rng) {
  if (rng.Below(10) == 0) {  // Small values in scientific notation: 1.5e-3.
    w.UInt(rng.Range(1, 9));
    w.Char('.');
    w.UInt(rng.Range(0, 9));
    w.Str("e-");
    w.UInt(rng.Range(3, 6));
  } else {
    w.Str("0.");
    w.UIntPadded(rng.Below(1000), 3);
  }
}

void WriteCsv(Writer& w, SplitMix64& rng, uint64_t rows) {
  w.Str(
      "id,customer_id,amount,ratio,quantity,is_active,created_at,order_date,country,name,"
      "comment\n");
  for (uint64_t id = 1; id <= rows; ++id) {
    w.UInt(id);
    w.Char(',');
    w.UInt(rng.Range(1, 99999));
    w.Char(',');
    w.Cents(rng.Range(1, 999999));
    w.Char(',');
    CsvRatio(w, rng);
    w.Char(',');
    w.UInt(rng.Range(1, 9));
    w.Char(',');
    w.Str(rng.Below(4) != 0 ? "true" : "false");
    w.Char(',');
    DateTime t = RandomDateTime(rng);
    WriteDate(w, t);
    w.Char(' ');
    WriteTime(w, t);
    w.Char(',');
    WriteDate(w, t);
    w.Char(',');
    w.Str(rng.Pick(kCountries));
    w.Char(',');
    CsvName(w, rng);
    w.Char(',');
    CsvComment(w, rng);
    w.Char('\n');
    w.MaybeFlush();
  }
}

// ---------------------------------------------------------------------------------------------
// NDJSON: nested order documents, one per line.

void JsonName(Writer& w, SplitMix64& rng) {
  w.Char('"');
  w.Str(rng.Pick(kFirstNames));
  if (rng.Below(50) == 0) {  // ~2%: escaped quotes inside the string.
    w.Str(" \\\"");
    w.Str(rng.Pick(kNicknames));
    w.Str("\\\"");
  }
  w.Char(' ');
  w.Str(rng.Pick(kLastNames));
  w.Char('"');
}

void WriteNdjson(Writer& w, SplitMix64& rng, uint64_t rows) {
  for (uint64_t id = 1; id <= rows; ++id) {
    w.Str("{\"order_id\":");
    w.UInt(id);
    w.Str(",\"customer\":{\"id\":");
    w.UInt(rng.Range(1, 200000));
    w.Str(",\"name\":");
    JsonName(w, rng);
    w.Str(",\"address\":{\"city\":\"");
    w.Str(rng.Pick(kCities));
    w.Str("\",\"zip\":\"");
    w.UIntPadded(rng.Below(100000), 5);
    w.Str("\"}},\"total\":");

    // Items are drawn first so that total is their exact sum, but written after the header
    // fields to keep the documented key order.
    struct Item {
      uint64_t sku, qty, price_cents;
    } items[5];
    int n_items = static_cast<int>(rng.Range(1, 5));
    uint64_t total = 0;
    for (int i = 0; i < n_items; ++i) {
      items[i] = {rng.Below(100000), static_cast<uint64_t>(rng.Range(1, 9)),
                  static_cast<uint64_t>(rng.Range(99, 49999))};
      total += items[i].qty * items[i].price_cents;
    }
    w.Cents(total);

    DateTime t = RandomDateTime(rng);
    w.Str(",\"created_at\":\"");
    WriteDate(w, t);
    w.Char('T');
    WriteTime(w, t);
    w.Str("Z\",\"tags\":[");
    int n_tags = static_cast<int>(rng.Below(4));
    for (int i = 0; i < n_tags; ++i) {
      if (i > 0) w.Char(',');
      w.Char('"');
      w.Str(rng.Pick(kTags));
      w.Char('"');
    }
    w.Str("],\"items\":[");
    for (int i = 0; i < n_items; ++i) {
      if (i > 0) w.Char(',');
      w.Str("{\"sku\":\"SKU-");
      w.UIntPadded(items[i].sku, 5);
      w.Str("\",\"qty\":");
      w.UInt(items[i].qty);
      w.Str(",\"price\":");
      w.Cents(items[i].price_cents);
      w.Char('}');
    }
    w.Str("]}\n");
    w.MaybeFlush();
  }
}

int Usage() {
  std::fprintf(stderr,
               "usage: sluice_gen_data csv|ndjson OUT --rows N [--seed S]\n"
               "  Writes a deterministic benchmark file (same bytes on every machine).\n");
  return 2;
}

bool ParseU64(const char* s, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-') return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::string_view format = argv[1];
  if (format != "csv" && format != "ndjson") return Usage();
  std::string out_path = argv[2];
  uint64_t rows = 0;
  uint64_t seed = 20240305;
  bool have_rows = false;
  for (int i = 3; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      if (!ParseU64(argv[++i], &rows)) return Usage();
      have_rows = true;
    } else if (arg == "--seed" && i + 1 < argc) {
      if (!ParseU64(argv[++i], &seed)) return Usage();
    } else {
      return Usage();
    }
  }
  if (!have_rows) return Usage();

  std::string tmp_path = out_path + ".partial";
  FILE* out = std::fopen(tmp_path.c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "sluice_gen_data: cannot open %s: %s\n", tmp_path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  // Our own buffer already batches writes; stdio buffering would only add a copy.
  std::setvbuf(out, nullptr, _IONBF, 0);

  auto start = std::chrono::steady_clock::now();
  Writer w(out);
  SplitMix64 rng(seed);
  if (format == "csv") {
    WriteCsv(w, rng, rows);
  } else {
    WriteNdjson(w, rng, rows);
  }
  bool ok = w.Flush();
  ok = (std::fclose(out) == 0) && ok;
  if (!ok || std::rename(tmp_path.c_str(), out_path.c_str()) != 0) {
    std::fprintf(stderr, "sluice_gen_data: writing %s failed: %s\n", out_path.c_str(),
                 std::strerror(errno));
    std::remove(tmp_path.c_str());
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "sluice_gen_data: %s rows=%llu bytes=%llu (%.1f bytes/row) in %.2fs\n",
               out_path.c_str(), static_cast<unsigned long long>(rows),
               static_cast<unsigned long long>(w.bytes()),
               rows ? static_cast<double>(w.bytes()) / rows : 0.0, secs);
  return 0;
}
