#include "destinations/postgres/copy_binary_writer.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>

#include "core/value_parse.h"
#include "destinations/postgres/copy_writers.h"
#include "destinations/postgres/postgres_test_util.h"

namespace sluice {
namespace {

using testing_util::MakeBatch;

const DataType kInt = DataType::Of(TypeId::kInt64);
const DataType kText = DataType::Of(TypeId::kText);

// Everything the writer sends for one COPY of `batch`.
std::string Encode(std::vector<ColumnSchema> columns, const Batch& batch, bool sequence = false,
                   size_t piece_bytes = 1 << 20, size_t* pieces = nullptr) {
  std::string out;
  CopyBinaryWriter writer(
      std::move(columns), sequence,
      [&](const char* d, size_t n) {
        out.append(d, n);
        if (pieces) ++*pieces;
      },
      piece_bytes);
  writer.Begin();
  writer.Append(batch, 100);
  writer.Finish();
  return out;
}

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

constexpr size_t kHeader = 19;  // signature (11), flags (4), extension length (4)

TEST(CopyBinaryWriter, FramesTheStreamAsTheCopyBinaryFormatSpecifies) {
  Batch b = MakeBatch("t", {"a", "b"}, {kInt, kText}, {{"1", nullptr}});
  const std::string s = Encode({{"a", kInt}, {"b", kText}}, b);
  EXPECT_EQ(Hex(s.substr(0, kHeader)),
            "5047434f50590aff0d0a00"
            "00000000"
            "00000000");
  // Field count 2; bigint 1 (length 8); NULL (length -1); then the trailer -1.
  EXPECT_EQ(Hex(s.substr(kHeader)),
            "0002"
            "00000008"
            "0000000000000001"
            "ffffffff"
            "ffff");
}

TEST(CopyBinaryWriter, AMissingBatchColumnIsNullAndTheSequenceComesLast) {
  Batch b = MakeBatch("t", {"a"}, {kInt}, {{"7"}, {"8"}});
  const std::string s = Encode({{"missing", kText}, {"a", kInt}}, b, /*sequence=*/true);
  EXPECT_EQ(Hex(s.substr(kHeader)),
            "0003"
            "ffffffff"
            "00000008"
            "0000000000000007"
            "00000008"
            "0000000000000064"
            "0003"
            "ffffffff"
            "00000008"
            "0000000000000008"
            "00000008"
            "0000000000000065"
            "ffff");
}

// The numeric field of a one-column decimal batch: length, ndigits, weight, sign, dscale, digits.
std::string NumericHex(int64_t unscaled, uint8_t scale) {
  Batch b;
  b.table = "t";
  b.names = {"n"};
  b.columns.emplace_back(DataType::Decimal(scale));
  b.columns[0].AppendDecimal(unscaled);
  b.num_rows = 1;
  const std::string s = Encode({{"n", DataType::Decimal(scale)}}, b);
  return Hex(s.substr(kHeader + 2, s.size() - kHeader - 2 - 2));
}

TEST(CopyBinaryWriter, EncodesNumericsInBase10000AroundTheDecimalPoint) {
  // 1234.5678: digits 1234 5678, weight 0, dscale 4.
  EXPECT_EQ(NumericHex(12345678, 4),
            "0000000c"
            "0002"
            "0000"
            "0000"
            "0004"
            "04d2"
            "162e");
  // 0: no digits, the scale kept.
  EXPECT_EQ(NumericHex(0, 2),
            "00000008"
            "0000"
            "0000"
            "0000"
            "0002");
  // -0.0001: one digit 1 at weight -1, negative.
  EXPECT_EQ(NumericHex(-1, 4),
            "0000000a"
            "0001"
            "ffff"
            "4000"
            "0004"
            "0001");
  // 10000 (scale 0): trailing zero groups dropped, weight 1.
  EXPECT_EQ(NumericHex(10000, 0),
            "0000000a"
            "0001"
            "0001"
            "0000"
            "0000"
            "0001");
  // 0.00000001: leading zero fractional groups move the weight to -2.
  EXPECT_EQ(NumericHex(1, 8),
            "0000000a"
            "0001"
            "fffe"
            "0000"
            "0008"
            "0001");
  // 12.5 at scale 3: the fraction 500 pads to 5000.
  EXPECT_EQ(NumericHex(12500, 3),
            "0000000c"
            "0002"
            "0000"
            "0000"
            "0003"
            "000c"
            "1388");
}

TEST(CopyBinaryWriter, SendsPiecesOfAboutTheConfiguredSizeAndGrowsForLargeValues) {
  Batch b;
  b.table = "t";
  b.names = {"s"};
  b.columns.emplace_back(kText);
  const std::string big(3 << 20, 'x');  // larger than the piece size and the first buffer
  for (int i = 0; i < 100; i++) b.columns[0].AppendString(i == 50 ? big : "small value");
  b.num_rows = 100;
  size_t pieces = 0;
  const std::string s = Encode({{"s", kText}}, b, false, 64 * 1024, &pieces);
  EXPECT_GE(pieces, 2u);
  EXPECT_EQ(s.size(), kHeader + 100 * (2 + 4) + 99 * 11 + big.size() + 2);
}

TEST(CopyBinaryWriter, RefusesABatchColumnOfAnotherType) {
  Batch b = MakeBatch("t", {"a"}, {kText}, {{"1"}});
  EXPECT_THROW(Encode({{"a", kInt}}, b), Error);
}

// Round trips through a real server: every type, read back as PostgreSQL renders it as text.
class CopyBinaryRoundTrip : public testing_util::PostgresTest {
 protected:
  // Copies `batch` into a new table of the given PostgreSQL column types and returns every row
  // rendered as text ("a|b|c", NULL for NULL).
  std::vector<std::string> RoundTrip(const std::vector<ColumnSchema>& columns,
                                     const std::vector<std::string>& pg_types, const Batch& batch) {
    admin_->Execute("CREATE SCHEMA " + QuoteIdentifier(schema_));
    std::string ddl = "CREATE TABLE t (row_number bigserial";
    std::string select = "SELECT ";
    for (size_t i = 0; i < columns.size(); i++) {
      ddl += ", " + QuoteIdentifier(columns[i].name) + " " + pg_types[i];
      select += (i ? ", " : "") + QuoteIdentifier(columns[i].name) + "::text";
    }
    admin_->Execute(ddl + ")");
    CopyTarget target;
    target.table = "t";
    target.columns = columns;
    admin_->BeginCopy(target.CopySql());
    CopyBinaryWriter writer(columns, false,
                            [&](const char* d, size_t n) { admin_->PutCopyData(d, n); });
    writer.Begin();
    writer.Append(batch);
    writer.Finish();
    admin_->EndCopy();
    return Rows(select + " FROM t ORDER BY row_number");
  }
};

TEST_F(CopyBinaryRoundTrip, EveryTypeComesBackExactly) {
  const std::vector<ColumnSchema> columns = {{"b", DataType::Of(TypeId::kBoolean)},
                                             {"i", kInt},
                                             {"d", DataType::Decimal(2)},
                                             {"f", DataType::Of(TypeId::kDouble)},
                                             {"day", DataType::Of(TypeId::kDate)},
                                             {"ts", DataType::Of(TypeId::kTimestamp)},
                                             {"tz", DataType::Of(TypeId::kTimestampTz)},
                                             {"s", kText},
                                             {"j", DataType::Of(TypeId::kJson)},
                                             {"bin", DataType::Of(TypeId::kBinary)},
                                             {"u", DataType::Of(TypeId::kUuid)},
                                             {"nothing", DataType::Of(TypeId::kNull)}};
  std::vector<std::string> pg_types;
  for (const auto& c : columns) pg_types.push_back(PgTypeName(c.type));
  std::vector<DataType> types;
  for (const auto& c : columns) types.push_back(c.type);
  std::vector<std::string> names;
  for (const auto& c : columns) names.push_back(c.name);
  Batch b = MakeBatch("t", names, types,
                      {{"true", "9223372036854775807", "-5", "0.1", "0", "0", "0", "",
                        "{\"a\":[1,2.5,\"x\"]}", "", "0123456789abcdeffedcba9876543210", nullptr},
                       {"false", "-9223372036854775808", "123456789012345678", "-1e300", "-1",
                        "1700000000123456", "-1", "\xC5\x81ukasz \xE2\x9C\x93 \"q\" \\ \t\n;",
                        "null", "\x01\x7f\xff", "00000000000000000000000000000000", nullptr},
                       {nullptr, "0", "0", "5e-324", "10957", "946684800000000", "86399999999",
                        "select", "[]", "x", "ffffffffffffffffffffffffffffffff", nullptr},
                       {nullptr, nullptr, nullptr, nullptr, "-719162", "-62135596800000000",
                        nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}});
  // A NUL-free binary value with a zero byte added: bytea takes any byte.
  b.columns[9] = Column(DataType::Of(TypeId::kBinary));
  b.columns[9].AppendString("");
  b.columns[9].AppendString(std::string("\x00\x01\xff", 3));
  b.columns[9].AppendString("x");
  b.columns[9].AppendNull();
  EXPECT_EQ(RoundTrip(columns, pg_types, b),
            (std::vector<std::string>{
                "true|9223372036854775807|-0.05|0.1|1970-01-01|1970-01-01 00:00:00|"
                "1970-01-01 00:00:00+00||{\"a\": [1, 2.5, \"x\"]}|\\x|"
                "01234567-89ab-cdef-fedc-ba9876543210|NULL",
                "false|-9223372036854775808|1234567890123456.78|-1e+300|1969-12-31|"
                "2023-11-14 22:13:20.123456|1969-12-31 23:59:59.999999+00|"
                "\xC5\x81ukasz \xE2\x9C\x93 \"q\" \\ \t\n;|null|\\x0001ff|"
                "00000000-0000-0000-0000-000000000000|NULL",
                "NULL|0|0.00|5e-324|2000-01-01|2000-01-01 00:00:00|1970-01-01 23:59:59.999999+00|"
                "select|[]|\\x78|ffffffff-ffff-ffff-ffff-ffffffffffff|NULL",
                "NULL|NULL|NULL|NULL|0001-01-01|0001-01-01 00:00:00|NULL|NULL|NULL|NULL|NULL|"
                "NULL"}));
}

TEST_F(CopyBinaryRoundTrip, DecimalsOfEveryScaleAndTheInt64ExtremesAreExact) {
  // numeric(18,s) for s = 0..18 with values of up to 18 digits, and unconstrained numeric for
  // the 19-digit int64 extremes (they do not fit 18 digits, but the encoding must hold them).
  const std::vector<int64_t> values = {0,
                                       1,
                                       -1,
                                       7,
                                       -10000,
                                       123456789,
                                       100000000,
                                       999999999999999999,
                                       -999999999999999999,
                                       10,
                                       1000000000000000000 - 1};
  const std::vector<int64_t> extremes = {INT64_MAX, INT64_MIN, INT64_MIN + 1};
  std::vector<ColumnSchema> columns;
  std::vector<std::string> pg_types;
  for (int s = 0; s <= 18; s++) {
    columns.push_back({"d" + std::to_string(s), DataType::Decimal(uint8_t(s))});
    pg_types.push_back("numeric(18," + std::to_string(s) + ")");
  }
  for (int s : {0, 9, 18}) {
    columns.push_back({"x" + std::to_string(s), DataType::Decimal(uint8_t(s))});
    pg_types.push_back("numeric");
  }
  Batch b;
  b.table = "t";
  for (const auto& c : columns) {
    b.names.push_back(c.name);
    b.columns.emplace_back(c.type);
  }
  std::vector<std::string> expected;
  for (size_t row = 0; row < values.size(); row++) {
    std::string line;
    for (size_t c = 0; c < columns.size(); c++) {
      const bool extreme = c >= 19;
      const int64_t v = extreme ? extremes[row % extremes.size()] : values[row];
      const uint8_t scale = columns[c].type.scale;
      b.columns[c].AppendDecimal(v);
      char text[32];
      line += (c ? "|" : "") + std::string(text, FormatDecimal(v, scale, text));
    }
    expected.push_back(line);
  }
  b.num_rows = values.size();
  EXPECT_EQ(RoundTrip(columns, pg_types, b), expected);
}

TEST_F(CopyBinaryRoundTrip, ManyRowsSpanManyPieces) {
  Batch b;
  b.table = "t";
  b.names = {"i", "s"};
  b.columns = {Column(kInt), Column(kText)};
  for (int i = 0; i < 200000; i++) {
    b.columns[0].AppendInt64(i);
    if (i % 7 == 0) {
      b.columns[1].AppendNull();
    } else {
      b.columns[1].AppendString("value number " + std::to_string(i));
    }
  }
  b.num_rows = 200000;
  RoundTrip({{"i", kInt}, {"s", kText}}, {"bigint", "text"}, b);
  EXPECT_EQ(Value("SELECT count(*), sum(i), count(s), max(s) FROM t"),
            "200000|19999900000|171428|value number 99999");
}

}  // namespace
}  // namespace sluice
