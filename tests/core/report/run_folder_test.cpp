#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "core/report/metrics_csv.h"
#include "core/report/run_folder.h"
#include "tests/test_support.h"

using namespace xp;

TEST_CASE("run ids are UTC timestamps with a random suffix") {
  const std::string id = report::make_run_id();
  CHECK(std::regex_match(id, std::regex(R"(\d{8}T\d{6}Z-[0-9a-f]{6})")));
}

TEST_CASE("run folders never collide, even when created in the same second") {
  testing::TempDir dir;
  std::set<std::string> folders;
  for (int run = 0; run < 50; ++run)
    folders.insert(report::create_run_folder(dir.path(), "demo").string());
  CHECK(folders.size() == 50);
  for (const auto& folder : folders) CHECK(std::filesystem::is_directory(folder));
}

TEST_CASE("metrics.csv has its header and one formatted row per epoch") {
  testing::TempDir dir;
  report::MetricsCsv csv(dir.path() / "metrics.csv", "accuracy");
  report::MetricsRow row;
  row.stage = 1;
  row.stage_type = "fit";
  row.epoch = 2;
  row.lr = 0.01;
  row.trn_loss = 0.5;
  row.trn_loss_mean = 0.55;
  row.val_loss = 0.25;
  row.metric = 0.875;
  row.seconds = 1.5;
  csv.add(row);
  CHECK(testing::read_text(dir.path() / "metrics.csv") ==
        "stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss,accuracy,seconds\n"
        "1,fit,2,0.01,0.5,0.55,0.25,0.875,1.500\n");
}
