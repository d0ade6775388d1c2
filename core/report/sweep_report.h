// A sweep folder's report.html: the trials side by side — each one's grid values, state, final
// metric, val_loss and time with a link to its own report.html, the final metric as bars, and
// every complete trial's metric and val_loss per epoch overlaid on one chart each. Built from the
// ledger's records and each trial's metrics.csv; rewritten whenever the ledger's summary is.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/report/sweep_ledger.h"

namespace xp::report {

std::string render_sweep_report(const std::filesystem::path& sweep_folder,
                                const std::vector<std::string>& grid_keys,
                                const std::vector<TrialRecord>& trials,
                                const std::string& metric_name);

}  // namespace xp::report
