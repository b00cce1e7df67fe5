#pragma once
// How sluice types are stored in SQLite, and back (docs/configuration.md, "SQLite").
//
// SQLite keeps a column's declared type verbatim and derives an *affinity* from it, which
// converts some values on the way in: a NUMERIC column (e.g. declared DECIMAL or JSON) turns the
// text '1.10' into the REAL 1.1 and '123' into the INTEGER 123. Every declared type below was
// chosen so its affinity stores the bound value unchanged, and so ReadTables can map it back:
//
//   sluice          declared type         affinity  stored as
//   boolean         BOOLEAN               NUMERIC   INTEGER 0 / 1
//   int64           BIGINT                INTEGER   INTEGER
//   decimal(18,s)   DECIMAL_TEXT(18,s)    TEXT      canonical text, exactly s digits after '.'
//   double          DOUBLE                REAL      REAL (-0.0 reads back as 0.0: see below)
//   date            DATE_TEXT             TEXT      'YYYY-MM-DD'
//   timestamp       TIMESTAMP_TEXT        TEXT      'YYYY-MM-DD HH:MM:SS.ffffff'
//   timestamptz     TIMESTAMPTZ_TEXT      TEXT      'YYYY-MM-DD HH:MM:SS.ffffffZ' (UTC)
//   text, null      TEXT                  TEXT      TEXT (bytes as given)
//   json            JSON_TEXT             TEXT      the JSON text
//   binary          BLOB                  BLOB      BLOB
//   uuid            UUID_TEXT             TEXT      lower-case 8-4-4-4-12 hex
//
// Fixed-width date and time text sorts and compares like the values. REAL affinity stores a
// whole-number double as an integer on disk to save space, which drops the sign of -0.0 (every
// other double, including infinities, is kept bit for bit).
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/column.h"
#include "core/types.h"

namespace sluice::sqlite {

// The declared type for a column of `type`.
std::string DeclaredType(DataType type);
// The sluice type of a declared type; kText for anything sluice does not create.
DataType TypeFromDeclared(std::string_view declared);

// Fixed-width renderings used for storage (not Column::AppendValueAsText's canonical text,
// which drops a zero fraction).
constexpr size_t kTimestampChars = 26;  // YYYY-MM-DD HH:MM:SS.ffffff
size_t FormatStoredTimestamp(int64_t micros, bool utc, char* out);
size_t FormatUuid(std::string_view bytes16, char* out);  // 36 chars

// One value in SQLite's terms. Text and blob point into the column's heap or into `scratch`;
// both must outlive the bind (they are bound SQLITE_STATIC: no copies on the row path).
struct StoredValue {
  enum Kind : uint8_t { kNull, kInteger, kReal, kText, kBlob } kind = kNull;
  int64_t integer = 0;
  double real = 0;
  const char* data = nullptr;
  size_t size = 0;
};
constexpr size_t kScratchBytes = 48;  // enough for any rendered fixed-width value
StoredValue EncodeValue(const Column& column, size_t row, char* scratch);

// Binds one encoded value (SQLITE_STATIC) / sets it as a function result (copied).
int BindStoredValue(sqlite3_stmt* stmt, int index, const StoredValue& v);
void ResultStoredValue(sqlite3_context* ctx, const StoredValue& v);

// Appends the stored value `v` of a column of `type` to `out` (whose type is `type`); false if
// the stored value is not a valid encoding of that type (e.g. a value written by another tool).
bool DecodeValue(sqlite3_value* v, DataType type, Column* out);

}  // namespace sluice::sqlite
