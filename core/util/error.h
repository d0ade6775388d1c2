// Error handling for all of xp (shared/STYLE.md R10–R13).
//
// Two families that are never mixed:
//   XP_CHECK(cond, parts...)  — something a recipe, a dataset, a weight file or the command line can
//                               trigger. Throws xp::UserError (or use the typed helpers below).
//   XP_ASSERT(cond, parts...) — a broken invariant inside xp: a bug. Always on, unlike assert().
//
// Example:
//   XP_CHECK(batch_size > 0, "batch_size must be > 0, got ", batch_size);
//   throw xp::DataError(path, "expected IDX magic 0x00000803, found ", magic);
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace xp {

// XP_ASSERT always takes a message: XP_ASSERT(n > 0, "empty batch").

// Concatenates any streamable values: str_cat("lr=", 0.1, " groups=", 3).
template <typename... Parts>
std::string str_cat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

// Base of every error xp reports to a user. `what()` is the full, printable message.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A user-caused problem with no more specific type (bad CLI value, bad option).
class UserError : public Error {
 public:
  using Error::Error;
};

// A problem with input data; the message always starts with the offending path.
class DataError : public Error {
 public:
  template <typename... Parts>
  DataError(const std::string& path, Parts&&... parts)
      : Error(str_cat("data error: '", path, "': ", std::forward<Parts>(parts)...)), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A problem with a model definition or a weight file.
class ModelError : public Error {
 public:
  using Error::Error;
};

// A cache or result-folder file that cannot be trusted (truncated, corrupt, locked).
class CacheError : public Error {
 public:
  using Error::Error;
};

// Thrown when the user interrupts (Ctrl-C); the runner maps it to exit code 130.
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

namespace detail {
[[noreturn]] void throw_internal_error(const char* file, int line, const char* condition,
                                       const std::string& message);
}  // namespace detail

}  // namespace xp

#define XP_CHECK(cond, ...)                                         \
  do {                                                              \
    if (!(cond)) throw ::xp::UserError(::xp::str_cat(__VA_ARGS__)); \
  } while (false)

#define XP_ASSERT(cond, ...)                                                                     \
  do {                                                                                           \
    if (!(cond))                                                                                 \
      ::xp::detail::throw_internal_error(__FILE__, __LINE__, #cond, ::xp::str_cat(__VA_ARGS__)); \
  } while (false)
