// Small string helpers used by diagnostics and the command line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xp {

// Levenshtein distance (insert, delete, substitute each cost 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is within `max_distance` edits, else "".
// Used for "did you mean 'cycle_len'?" on unknown keys and verbs.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates,
                          std::size_t max_distance = 2);

// "a, b, c" — for messages that list the allowed values.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

std::string trim(std::string_view text);

// "a,b,,c" split at ',' → {"a", "b", "", "c"} (no quoting: for files xp writes itself).
std::vector<std::string> split(std::string_view text, char separator);

// printf into a std::string: str_printf("%.9g", lr). For numbers in fixed formats (CSV cells,
// console columns), where str_cat's stream formatting is not what is wanted.
std::string str_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));

// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, inner quotes doubled.
std::string csv_field(const std::string& text);

// `text` for a message: whole when short, else its first `max_chars` bytes, "…" and its length —
// an error about a 5 MB CSV field quotes its start, not all of it.
std::string clipped(std::string_view text, std::size_t max_chars = 80);

}  // namespace xp
