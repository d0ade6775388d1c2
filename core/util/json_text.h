// The text of a JSON file xp writes (run.json, status.json, ledger.json, tta.json, …).
//
// Strings come from outside — class folder names, CSV cells, error messages quoting them — and may
// hold invalid UTF-8, which nlohmann's dump() refuses by throwing. A record that cannot be written
// is worse than one with a replaced character: a run that failed on such a name once stayed RUNNING
// because writing FAILED threw too. So invalid bytes are written as U+FFFD.
#pragma once

#include <string>

namespace xp {

template <typename Json>
std::string json_text(const Json& value, int indent = 2) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace xp
