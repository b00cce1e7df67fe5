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

}  // namespace sluice
