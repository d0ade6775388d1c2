// Checking a JSON value against one of the published schemas in schemas/ (valijson, draft-07):
// the e2e suite checks every run folder it leaves, unit tests check what a writer produces.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xp::testing {

// "" when `value` follows schemas/<schema_file> — or, with `definition`, that schema's
// definitions/<definition> — else one line per problem: "  <where>: <what>".
std::string schema_problems(const nlohmann::json& value, const std::string& schema_file,
                            const std::string& definition = "");

}  // namespace xp::testing
