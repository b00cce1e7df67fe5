#pragma once
// Turns arbitrary header / key names into SQL-friendly column and table names.
// The rule (docs/architecture.md, "Names"): ASCII letters are lower-cased, camelCase is split
// with '_', every run of characters other than [a-z0-9] and non-ASCII UTF-8 becomes one '_',
// leading and trailing '_' are trimmed, a leading digit gets a '_' prefix, and an empty result
// becomes "col_<position>". "__" never survives, so it can separate nesting levels.
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

std::string NormalizeIdentifier(std::string_view raw);
// Normalizes each name and makes the list unique by appending _2, _3, ... to later repeats.
// Empty names become col_<1-based position>.
std::vector<std::string> NormalizeColumnNames(const std::vector<std::string>& raw);
// Columns sluice adds itself (_sluice_id, _sluice_parent_id, _sluice_list_idx, _sluice_seq,
// _sluice_load_id); a source column that normalizes to one of them gets "_2".
bool IsReservedColumnName(std::string_view name);
// Appends _2, _3, ... to repeated names in place.
void MakeUnique(std::vector<std::string>* names);
// A name as an SQL identifier: "name" with embedded double quotes doubled (DuckDB, PostgreSQL and
// SQLite all read it back as exactly `name`, whatever characters it holds).
std::string QuoteIdentifier(std::string_view name);
// Fits `name` into a destination's identifier limit (PostgreSQL: 63 bytes). A name of at most
// `max_bytes` bytes (or any name when max_bytes is 0) is returned unchanged; a longer one becomes
// a prefix cut at a UTF-8 character boundary, without trailing '_', then "_" and 8 hex digits of
// the XXH3 hash of the whole name, so it is at most `max_bytes` long, the same name always
// shortens the same way, and distinct names stay distinct. No "__" is introduced (it separates
// nesting levels). max_bytes below 10 leaves room for the hash digits only.
std::string ShortenIdentifier(std::string_view name, size_t max_bytes);

}  // namespace sluice
