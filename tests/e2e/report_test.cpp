// End-to-end: every run writes report.html, and the page renders in a real browser. Debian's
// chromium (installed by scripts/install-deps.sh) loads it headless: its DOM must hold the run and
// its screenshot must show the charts' lines and the state badge. (Where chromium could not be
// installed, the same checks run on the HTML as written, with a message, and the screenshot is skipped.) A killed run's page shows how
// far it got; `xp report` rebuilds a page from the folder.
#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include <cstdlib>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::read_text;
using xp::testing::TempDir;

using namespace xp::e2e;

namespace {

// scripts/install-deps.sh installs Debian's chromium when it can (make test runs the script).
bool have_chromium() {
  static const bool found = std::system("command -v chromium >/dev/null 2>&1") == 0;
  if (!found)
    MESSAGE(
        "chromium is missing (scripts/install-deps.sh could not install it): report.html is "
        "checked as written, not rendered");
  return found;
}

// Runs headless Chromium on `page` with `arguments` (--dump-dom, --screenshot=…); its stdout.
std::string chromium(const TempDir& dir, const fs::path& page, const std::string& arguments) {
  const fs::path out = dir.path() / "chromium.out";
  // --no-sandbox: tests may run as root, where Chromium's sandbox refuses to start.
  const std::string command = "chromium --headless --no-sandbox --disable-gpu --user-data-dir=" +
                              (dir.path() / "chromium-profile").string() + " " + arguments +
                              " file://" + fs::absolute(page).string() + " >" + out.string() +
                              " 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  return read_text(out);
}

// Pixels within `tolerance` of an RGB colour.
int pixels_near(const cv::Mat& bgr, int r, int g, int b, int tolerance = 12) {
  int n = 0;
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b pixel = bgr.at<cv::Vec3b>(y, x);
      n += std::abs(pixel[2] - r) <= tolerance && std::abs(pixel[1] - g) <= tolerance &&
           std::abs(pixel[0] - b) <= tolerance;
    }
  return n;
}

// A page up to its log section (the log gains the "results:" line after the run's last report).
std::string before_log(const std::string& page) {
  return page.substr(0, page.find("<section id=\"log\">"));
}

}  // namespace

TEST_CASE(
    "report: every run writes report.html, and headless Chromium shows the run, its charts and its "
    "state") {
  TempDir dir;
  const std::string recipe =
      write_recipe(dir.path(), "  - lr_find: {num_it: 8}\n  - tta: {n_aug: 2}\n") +
      " --set stages[0].fit.cycles=2";
  const Outcome run = run_xp("run " + recipe + " --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "results");
  const fs::path page = folder / "report.html";
  REQUIRE(fs::exists(page));

  const std::string dom = have_chromium() ? chromium(dir, page, "--dump-dom") : read_text(page);
  CHECK(dom.find("<title>tiny · COMPLETE · xp report</title>") != std::string::npos);
  CHECK(dom.find(folder.filename().string()) != std::string::npos);
  CHECK(count(dom, "<svg") >= 5);  // losses, metric, LR schedule, lr_find, timings
  CHECK(dom.find("[1] lr_find [2] tta") !=
        std::string::npos);  // epoch-less stages share a boundary after the fit
  CHECK(dom.find("Predictions and TTA") != std::string::npos);
  CHECK(dom.find("<table class=\"confusion\">") != std::string::npos);
  CHECK(count(dom, "<circle") == 3 * 2);  // trn_loss, val_loss, accuracy for 2 epochs

  if (have_chromium()) {  // what a person sees: the charts' lines and the state badge are drawn
    const fs::path shot = dir.path() / "report.png";
    chromium(dir, page, "--window-size=1000,3200 --screenshot=" + shot.string());
    const cv::Mat image = xp::testing::imread(shot);
    REQUIRE_FALSE(image.empty());
    CHECK(pixels_near(image, 0x1f, 0x77, 0xb4) >
          300);  // the first series' lines (trn_loss, accuracy, LR)
    CHECK(pixels_near(image, 0xff, 0x7f, 0x0e) > 100);     // the second series (val_loss)
    CHECK(pixels_near(image, 0x2e, 0x7d, 0x32, 4) > 100);  // the green COMPLETE badge
  }

  // xp report rebuilds the page from the folder's files alone.
  const std::string written = read_text(page);
  fs::remove(page);
  const Outcome rebuilt = run_xp("report " + folder.string());
  CAPTURE(rebuilt.output);
  REQUIRE(rebuilt.exit_code == 0);
  CHECK(before_log(read_text(page)) == before_log(written));
  const Outcome not_a_run = run_xp("report " + (dir.path() / "results").string());
  CHECK(not_a_run.exit_code != 0);
  CHECK(not_a_run.output.find("is not a run folder") != std::string::npos);
}

TEST_CASE(
    "report: a killed run's page shows the stages it finished and how to continue, and resuming "
    "completes it") {
  TempDir dir;
  // Two fits of 16 batches an epoch: killed in the second fit's first epoch.
  const std::string recipe = write_recipe(dir.path(), "  - fit: {lr: 0.01, cycles: 1}\n") +
                             " --set stages[0].fit.cycles=1";
  const Outcome killed = run_xp_with(
      "XP_TEST_KILL_AT_BATCH=20 ", "run " + recipe + " --out " + (dir.path() / "results").string());
  CHECK(killed.exit_code != 0);
  const fs::path folder = only_run(dir.path() / "results");
  const std::string after_first_stage =
      read_text(folder / "report.html");  // written when stage [0] ended
  CHECK(after_first_stage.find("class=\"state RUNNING\"") != std::string::npos);
  CHECK(after_first_stage.find("<td class=\"num\">0 / 1</td><td class=\"num\">not run</td>") !=
        std::string::npos);

  REQUIRE(run_xp("report " + folder.string()).exit_code == 0);
  const std::string killed_page = have_chromium()
                                      ? chromium(dir, folder / "report.html", "--dump-dom")
                                      : read_text(folder / "report.html");
  CHECK(killed_page.find("class=\"state KILLED\"") !=
        std::string::npos);  // no process holds the folder
  CHECK(killed_page.find("continue with  xp run --resume " + folder.string()) != std::string::npos);

  REQUIRE(run_xp("run --resume " + folder.string()).exit_code == 0);
  const std::string done = read_text(folder / "report.html");
  CHECK(done.find("class=\"state COMPLETE\"") != std::string::npos);
  CHECK(done.find("<td class=\"num\">1 / 1</td>") != std::string::npos);
  CHECK(done.find("not run") == std::string::npos);
}
