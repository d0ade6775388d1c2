// The result contract users' scripts rely on: every run folder an e2e test leaves behind is
// checked against the published schemas before its TempDir is removed — run.json against
// schemas/run.schema.json, status.json against schemas/status.schema.json, and tta.json against
// the run schema's record of a tta stage.
#pragma once

#include <filesystem>

namespace xp::e2e {

// Checks every run folder (a folder with run.json) below `root`; one doctest failure per file
// that does not validate, naming it and what is wrong.
void check_result_contract(const std::filesystem::path& root);

}  // namespace xp::e2e
