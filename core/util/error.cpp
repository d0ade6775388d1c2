#include "core/util/error.h"

namespace xp::detail {

void throw_internal_error(const char* file, int line, const char* condition,
                          const std::string& message) {
  // A std::logic_error, not an xp::Error: the runner reports it as a bug, not as a user mistake.
  throw std::logic_error(str_cat("internal error at ", file, ":", line, ": ", condition,
                                 message.empty() ? "" : " — ", message,
                                 "\nthis is a bug in xp, please report it"));
}

}  // namespace xp::detail
