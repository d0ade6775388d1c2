// report.html and its SVG charts, on run folders written by hand: what the page shows for a
// complete run, a failed one and a folder with damaged or missing files.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>

#include "core/report/html.h"
#include "core/report/html_report.h"
#include "core/report/svg_chart.h"
#include "core/util/error.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::report;
using xp::testing::read_text;
using xp::testing::TempDir;
using xp::testing::write_text;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
    ++n;
  return n;
}

// A run of four stages as the engine records it: a precompute fit, an unfreeze, an SGDR fit with
// three layer groups and a TTA; the first fit came from the stage cache.
void write_complete_run(const fs::path& folder) {
  const nlohmann::json run = {
      {"xp_version", "0.1.0"},
      {"git_sha", "abc123"},
      {"git_dirty", false},
      {"threads", 2},
      {"precision", "fp32"},
      {"optimizer_step", "fused"},
      {"seed", 42},
      {"started", "2026-11-29T10:00:00Z"},
      {"ended", "2026-11-29T10:02:05Z"},
      {"command_line", {"xp", "run", "recipes/shoes.yaml"}},
      {"resumed",
       {{{"at", "2026-11-29T10:01:00Z"},
         {"command_line", {"xp", "run", "--resume", "results/shoes/x"}}}}},
      {"plan",
       {{{"stage", 0},
         {"type", "fit"},
         {"description", "lr=0.01 constant precompute"},
         {"epochs", 2}},
        {{"stage", 1},
         {"type", "unfreeze"},
         {"description", "all layer groups train"},
         {"epochs", 0}},
        {{"stage", 2},
         {"type", "fit"},
         {"description", "lr=[0.001, 0.003, 0.01] sgdr"},
         {"epochs", 3}},
        {{"stage", 3},
         {"type", "tta"},
         {"description", "1 plain + 4 augmented passes"},
         {"epochs", 0}}}},
      {"timings",
       {{{"stage", 0}, {"type", "fit"}, {"seconds", 0.0}, {"cached", true}},
        {{"stage", 1}, {"type", "unfreeze"}, {"seconds", 0.01}, {"cached", false}},
        {{"stage", 2}, {"type", "fit"}, {"seconds", 95.5}, {"cached", false}},
        {{"stage", 3}, {"type", "tta"}, {"seconds", 20.0}, {"cached", false}}}},
      {"stage_cache",
       {{{"stage", 0},
         {"hit", true},
         {"from", "results/shoes/20261128T090000Z-aaaaaa"},
         {"seconds_saved", 61.0}}}},
      {"lr_find",
       {{{"stage", 0},
         {"batches", 5},
         {"scheduled", 5},
         {"diverged", false},
         {"suggestions", {{"valley", 0.001}, {"steep", 0.01}}}}}},
      {"tta",
       {{{"stage", 3},
         {"valid_images", 20},
         {"n_aug", 4},
         {"combine", "mean"},
         {"plain", {{"accuracy", 0.85}, {"log_loss", 0.5}}},
         {"tta", {{"accuracy", 0.9}, {"log_loss", 0.4}}}}}}};
  write_text(folder / "run.json", run.dump(2));
  write_text(folder / "status.json",
             R"({"state": "COMPLETE", "stage": 3, "heartbeat": "2026-11-29T10:02:05Z"})");
  write_text(folder / "metrics.csv",
             "stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss,accuracy,seconds\n"
             "0,fit,0,0.01,1.2,1.3,0.9,0.6,1\n0,fit,1,0.01,1.0,1.1,0.8,0.7,1\n"
             "2,fit,0,0.01,0.9,0.95,0.7,0.75,30\n2,fit,1,0.01,0.7,0.8,0.6,0.8,30\n2,fit,2,0.01,0.6,"
             "0.65,0.55,0.85,30\n");
  std::string schedule = "stage,iteration,lr_g0,lr_g1,lr_g2\n";
  for (int it = 0; it < 6; ++it) schedule += "0," + std::to_string(it) + ",0.01,0.01,0.01\n";
  for (int it = 0; it < 9; ++it) schedule += "2," + std::to_string(it) + ",0.001,0.003,0.01\n";
  write_text(folder / "lr_schedule.csv", schedule);
  std::string losses = "stage,iteration,loss,smoothed_loss\n";
  for (int it = 0; it < 6; ++it) losses += "0," + std::to_string(it) + ",1.5,1.4\n";
  for (int it = 0; it < 9; ++it) losses += "2," + std::to_string(it) + ",0.9,0.8\n";
  write_text(folder / "training_loss.csv", losses);
  write_text(folder / "lr_find.csv",
             "stage,iteration,lr,loss,raw_loss\n0,0,1e-05,2.5,2.5\n0,1,0.0001,2.4,2.3\n"
             "0,2,0.001,2.0,1.9\n0,3,0.01,1.5,1.4\n0,4,0.1,3.0,4.0\n");
  // A class name with a comma and one with markup: both must come through the CSV and the HTML.
  write_text(folder / "confusion.csv",
             "actual\\predicted,\"Boot, ankle\",<Sandal>\n\"Boot, ankle\",8,2\n<Sandal>,0,10\n");
  write_text(folder / "recipe.yaml", "name: shoes\nstages:\n  - fit: {lr: 0.01}\n");
  write_text(folder / "log.txt", "stage [0] fit\nresults: done\n");
}

}  // namespace

TEST_CASE("html_escape replaces the five characters that end text or attributes") {
  CHECK(html_escape(R"(<a href="x">Tom & 'Jerry'</a>)") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  CHECK(format_number(NAN) == "—");
  CHECK(format_number(0.123456) == "0.1235");
}

TEST_CASE("thin_points keeps every peak and trough of a long SGDR schedule") {
  // 8 cosine cycles of 2,000 iterations: each restart's peak and each cycle's trough must survive.
  std::vector<double> xs, ys;
  for (int i = 0; i < 16000; ++i) {
    xs.push_back(i);
    ys.push_back(0.05 * (1 + std::cos(M_PI * (i % 2000) / 2000.0)) / 2);
  }
  const auto thinned = thin_points(xs, ys, 400);
  CHECK(thinned.size() <= 400);
  CHECK(std::is_sorted(thinned.begin(), thinned.end()));
  int peaks = 0, troughs = 0;
  for (const auto& [x, y] : thinned) {
    peaks += y == 0.05;
    troughs += y < 1e-6;
  }
  CHECK(peaks == 8);
  CHECK(troughs >= 8);
  CHECK(thin_points({1, 2}, {3, 4}, 400).size() == 2);
}

TEST_CASE(
    "svg_line_chart draws each series as a path, breaks it at values a log axis cannot show, and "
    "escapes text") {
  LineChart chart;
  chart.title = "loss <vs> lr";
  chart.log_x = true;
  chart.series.push_back({"a&b", {0.001, 0.01, 0.0, 0.1, 1.0}, {3, 2, 1, 2, 3}, true});
  chart.markers.push_back({0.01, "valley"});
  const std::string svg = svg_line_chart(chart);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("loss &lt;vs&gt; lr") != std::string::npos);
  CHECK(svg.find("a&amp;b") != std::string::npos);
  CHECK(svg.find("a&b") == std::string::npos);
  // x = 0 cannot be drawn on a log axis: the line is two pieces and 4 points carry a dot.
  const std::smatch path = [&] {
    std::smatch match;
    REQUIRE(std::regex_search(svg, match, std::regex("<path d=\"([^\"]*)\"")));
    return match;
  }();
  CHECK(count(path[1].str(), "M") == 2);
  CHECK(count(path[1].str(), "L") == 2);
  CHECK(count(svg, "<circle") == 4);
  CHECK(svg.find("valley") != std::string::npos);
  CHECK(svg.find(">1e-03<") != std::string::npos);  // decade ticks on the log axis

  LineChart empty;
  empty.series.push_back({"nothing", {1, 2}, {NAN, NAN}, false});
  CHECK(svg_line_chart(empty).find("no values to plot") != std::string::npos);
}

TEST_CASE(
    "svg_line_chart maps the highest value to the top of the plot and the lowest to the bottom") {
  LineChart chart;
  chart.width = 400;
  chart.height = 200;
  chart.series.push_back({"y", {0, 1, 2}, {5, 10, 7.5}, false});
  std::smatch match;
  const std::string svg = svg_line_chart(chart);
  REQUIRE(std::regex_search(
      svg, match,
      std::regex("<path d=\"M([0-9.]+) ([0-9.]+) L([0-9.]+) ([0-9.]+) L([0-9.]+) ([0-9.]+)\"")));
  const double y5 = std::stod(match[2]), y10 = std::stod(match[4]), y75 = std::stod(match[6]);
  CHECK(y10 < y75);  // SVG's y grows downwards
  CHECK(y75 < y5);
  CHECK((y5 + y10) / 2 == doctest::Approx(y75).epsilon(0.01));  // linear
  CHECK(std::stod(match[1]) < std::stod(match[3]));
  CHECK(std::stod(match[5]) <= 400);
}

TEST_CASE(
    "report.html of a complete run shows its state, plan, curves with stage boundaries, LR "
    "schedule, lr_find, TTA, confusion and timings") {
  TempDir dir;
  const fs::path folder = dir.path() / "shoes" / "20261129T100000Z-abcdef";
  fs::create_directories(folder);
  write_complete_run(folder);
  write_report(folder);
  const std::string page = read_text(folder / "report.html");
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("<title>shoes · COMPLETE") != std::string::npos);
  CHECK(page.find("class=\"state COMPLETE\"") != std::string::npos);
  CHECK(page.find("2:05") != std::string::npos);  // the duration, started → ended
  for (const char* id : {"plan", "curves", "training-loss", "lr-schedule", "lr-find", "tta",
                         "confusion", "timings", "provenance", "log", "files"})
    CHECK_MESSAGE(page.find(std::string("<section id=\"") + id + "\"") != std::string::npos, id);
  // Plan: the cached stage says where it came from; epochs done of planned.
  CHECK(page.find("<span class=\"hit\">HIT</span> from 20261128T090000Z-aaaaaa, 1:01 saved") !=
        std::string::npos);
  CHECK(page.find("<td class=\"num\">3 / 3</td>") != std::string::npos);
  // Curves: one dot per epoch for trn_loss, val_loss and accuracy; the unfreeze and the second fit
  // start at the same epoch and share one boundary line.
  CHECK(count(page, "<circle") == 15);
  CHECK(page.find("[1] unfreeze [2] fit") != std::string::npos);
  CHECK(page.find("[3] tta") != std::string::npos);
  CHECK(page.find("best accuracy</span><b>0.85</b>") != std::string::npos);
  // Training loss per iteration: the batch losses and the smoothed curve, 15 iterations each.
  CHECK(page.find("data-name=\"smoothed loss\"") != std::string::npos);
  CHECK(page.find("data-name=\"batch loss\"") != std::string::npos);
  // LR schedule: three layer groups differ in the second fit, so three lines.
  CHECK(page.find("data-name=\"layer group 2\"") != std::string::npos);
  // lr_find: both suggestions marked.
  CHECK(page.find("valley 1.00e-03") != std::string::npos);
  CHECK(page.find("steep 1.00e-02") != std::string::npos);
  // TTA gain, signed.
  CHECK(page.find("<td>accuracy</td><td>0.85</td><td>0.9</td><td>+0.05</td>") != std::string::npos);
  // Confusion: names from quoted CSV fields, escaped; recall per row; the total right.
  CHECK(page.find("<th>Boot, ankle</th>") != std::string::npos);
  CHECK(page.find("<th>&lt;Sandal&gt;</th>") != std::string::npos);
  CHECK(page.find("<td class=\"num\">0.8</td>") != std::string::npos);
  CHECK(page.find("20 validation images, 18 right (90.00%)") != std::string::npos);
  // Timings and provenance.
  CHECK(page.find("(from the stage cache)") != std::string::npos);
  CHECK(page.find("xp run recipes/shoes.yaml") != std::string::npos);
  CHECK(page.find("<td>optimizer step</td><td>fused</td>") != std::string::npos);
  CHECK(page.find("2026-11-29T10:01:00Z  xp run --resume results/shoes/x") != std::string::npos);
  CHECK(page.find("<a href=\"metrics.csv\">") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);  // nothing runs, nothing is fetched
  CHECK(page.find("http://") == page.find("http://www.w3.org/2000/svg"));
}

TEST_CASE(
    "report.html of a failed run shows the error and how to continue, and damaged files do not "
    "break the page") {
  TempDir dir;
  const fs::path folder = dir.path() / "shoes" / "20261129T100000Z-abcdef";
  fs::create_directories(folder);
  write_complete_run(folder);
  write_text(folder / "status.json",
             R"({"state": "FAILED", "stage": 2, "error": "stage [2]: <boom> at epoch 1"})");
  write_text(folder / "resume.h5", "");
  write_text(folder / "lr_find.csv",
             "stage,iteration,lr,loss,raw_loss\n0,0,\"1e-05\n");  // unterminated quote
  fs::remove(folder / "confusion.csv");
  const std::string page = render_report(folder);
  CHECK(page.find("class=\"state FAILED\"") != std::string::npos);
  CHECK(page.find("stage [2]: &lt;boom&gt; at epoch 1") != std::string::npos);
  CHECK(page.find("xp run --resume " + folder.string()) != std::string::npos);
  CHECK(page.find("<section id=\"lr-find\"><h2>Learning rate finder</h2>\n<p class=\"banner "
                  "warn\">could not be shown") != std::string::npos);
  CHECK(page.find("lr_find.csv:2") != std::string::npos);  // where the damage is
  CHECK(page.find("<section id=\"confusion\"") == std::string::npos);
  CHECK(page.find("<section id=\"curves\"") != std::string::npos);

  CHECK_THROWS_WITH_AS(render_report(dir.path()), doctest::Contains("is not a run folder"),
                       xp::Error);
}

TEST_CASE("report.html: for regression the best epoch is the one with the lowest mse") {
  TempDir dir;
  const fs::path folder = dir.path() / "ages" / "20261129T100000Z-abcdef";
  fs::create_directories(folder);
  write_complete_run(folder);
  write_text(folder / "metrics.csv",
             "stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss,mse,seconds\n"
             "0,fit,0,0.01,9,9,8,40.5,1\n0,fit,1,0.01,5,5,4,12.25,1\n2,fit,0,0.01,6,6,5,20,1\n");
  const std::string page = render_report(folder);
  CHECK(page.find("best mse</span><b>12.25</b>") != std::string::npos);
  CHECK(page.find("mse (last epoch)</span><b>20</b>") != std::string::npos);
}

TEST_CASE(
    "report.html: beyond 30 classes the confusion matrix gives way to the most confused pairs") {
  TempDir dir;
  const fs::path folder = dir.path() / "breeds" / "20261129T100000Z-abcdef";
  fs::create_directories(folder);
  write_complete_run(folder);
  // 40 classes, 10 images each, all right but for 3 pugs taken for boxers and 1 boxer for a pug.
  std::string csv = "actual\\predicted";
  for (int c = 0; c < 40; ++c) csv += ",breed" + std::to_string(c);
  for (int r = 0; r < 40; ++r) {
    csv += "\nbreed" + std::to_string(r);
    for (int c = 0; c < 40; ++c) {
      int count = r == c ? 10 : 0;
      if (r == 7 && c == 7) count = 7;
      if (r == 7 && c == 9) count = 3;
      if (r == 9 && c == 9) count = 9;
      if (r == 9 && c == 7) count = 1;
      csv += "," + std::to_string(count);
    }
  }
  write_text(folder / "confusion.csv", csv + "\n");
  const std::string page = render_report(folder);
  CHECK(page.find("<table class=\"confusion\">") == std::string::npos);
  CHECK(page.find("40 classes: too many for a readable matrix") != std::string::npos);
  const auto first = page.find("<tr><td>breed7</td><td>breed9</td><td>3</td></tr>");
  const auto second = page.find("<tr><td>breed9</td><td>breed7</td><td>1</td></tr>");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(first < second);
  CHECK(page.find("400 validation images, 396 right (99.00%)") != std::string::npos);
}

TEST_CASE("svg_line_chart with integer_x puts ticks on whole epochs only") {
  LineChart chart;
  chart.integer_x = true;
  chart.series.push_back({"val_loss", {1, 2}, {0.5, 0.4}, true});
  chart.markers.push_back({0.5, "[0] fit"});
  chart.markers.push_back({2.5, "[1] tta"});
  const std::string svg = svg_line_chart(chart);
  CHECK(svg.find("text-anchor=\"middle\">1</text>") != std::string::npos);
  CHECK(svg.find("text-anchor=\"middle\">2</text>") != std::string::npos);
  CHECK(svg.find("middle\">1.5<") == std::string::npos);
  CHECK(svg.find("middle\">0.5<") == std::string::npos);
  chart.integer_x = false;
  CHECK(svg_line_chart(chart).find("middle\">1.5<") != std::string::npos);
}
