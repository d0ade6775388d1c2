// End-to-end: the xp binary on a tiny generated IDX dataset, checked through its exit codes, its
// console output and the result folder it writes.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::TempDir;

using namespace xp::e2e;

TEST_CASE("xp check prints the plan and runs nothing") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  const Outcome outcome = run_xp("check " + recipe);
  CAPTURE(outcome.output);
  CHECK(outcome.exit_code == 0);
  CHECK(
      outcome.output.find("[0] fit  lr=0.01 sgdr cycles=4 cycle_len=1 cycle_mult=1  → 4 epochs") !=
      std::string::npos);
  CHECK(outcome.output.find("total   4 epochs") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() / "results"));
}

TEST_CASE("xp run trains, writes the result folder and ends with its path") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  const fs::path results = dir.path() / "results";
  const Outcome outcome = run_xp("run " + recipe + " --out " + results.string());
  CAPTURE(outcome.output);
  REQUIRE(outcome.exit_code == 0);
  const fs::path folder = only_run(results);
  CHECK(last_line(outcome.output) == "results: " + folder.string());
  CHECK(std::regex_match(folder.filename().string(), std::regex(R"(\d{8}T\d{6}Z-[0-9a-f]{6})")));
  CHECK(outcome.output.find("epoch      trn_loss   val_loss   accuracy") != std::string::npos);

  for (const char* file :
       {"recipe.yaml", "run.json", "status.json", "metrics.csv", "log.txt", "model.h5"})
    CHECK_MESSAGE(fs::exists(folder / file), file);
  // model.h5 is plain HDF5: h5py reads it, one dataset per state-dict key.
  const std::string h5py =
      "/usr/bin/python3 -c \"import h5py, sys; f = h5py.File(sys.argv[1], 'r'); "
      "assert f['body.conv1.weight'].shape == (64, 3, 7, 7); assert f['head.6.weight'].shape == "
      "(4, 32)\" ";
  CHECK(std::system((h5py + (folder / "model.h5").string()).c_str()) == 0);
  const auto status = nlohmann::json::parse(xp::testing::read_text(folder / "status.json"));
  CHECK(status["state"] == "COMPLETE");
  const auto run = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  CHECK(run["threads"] == 1);
  CHECK(run["seed"] == 7);
  CHECK(run["git_sha"].is_string());
  CHECK(run["git_dirty"].is_boolean());
  CHECK(run["libraries"]["libtorch"].is_string());
  // The decoders that decide the pixels are on record.
  CHECK(run["libraries"]["libjpeg-turbo"].get<std::string>().find('.') != std::string::npos);
  CHECK(run["libraries"]["libpng"].get<std::string>().rfind("1.", 0) == 0);
  CHECK(run["classes"] == nlohmann::json({"top", "middle-high", "middle-low", "bottom"}));
  CHECK(run["ended"].is_string());
  CHECK(run["command_line"].size() == 5);  // xp run RECIPE --out DIR

  const std::string metrics = xp::testing::read_text(folder / "metrics.csv");
  CHECK(metrics.rfind(
            "stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss,accuracy,seconds\n", 0) ==
        0);
  CHECK(std::count(metrics.begin(), metrics.end(), '\n') == 5);
  // The bars are easy: two epochs must learn them.
  CHECK(last_accuracy(folder) >= 0.9);
  // recipe.yaml is the resolved recipe: defaults written out, and it validates again.
  const std::string resolved = xp::testing::read_text(folder / "recipe.yaml");
  CHECK(resolved.find("momentum: 0.9") != std::string::npos);
  CHECK(xp::testing::read_text(folder / "log.txt").find("epoch      trn_loss") !=
        std::string::npos);

  // lr_schedule.csv: every iteration's LR per layer group, as fastai 0.7's CosAnneal sets it —
  // 16 batches per cycle of one epoch: the first cycle's iteration 0 (< 16/20) at lr/100, then
  // lr·(1 + cos(π·c/16))/2 with c the iteration within the cycle, restarting each epoch.
  std::istringstream schedule(xp::testing::read_text(folder / "lr_schedule.csv"));
  std::vector<std::string> rows;
  for (std::string line; std::getline(schedule, line);) rows.push_back(line);
  REQUIRE(rows.size() == 1 + 4 * 16);
  CHECK(rows[0] == "stage,iteration,lr_g0,lr_g1,lr_g2");
  const auto lr_at = [&](int iteration) {
    return std::stod(
        rows[static_cast<std::size_t>(1 + iteration)].substr(rows[1 + iteration].rfind(',') + 1));
  };
  const double pi = std::acos(-1.0);
  CHECK(lr_at(0) == doctest::Approx(0.01 / 100));
  CHECK(lr_at(1) == doctest::Approx(0.01 * (1 + std::cos(pi * 1 / 16)) / 2));
  CHECK(lr_at(8) == doctest::Approx(0.005));
  CHECK(lr_at(16) == doctest::Approx(0.01));  // restart, no warm-up after the first cycle
  CHECK(lr_at(63) == doctest::Approx(0.01 * (1 + std::cos(pi * 15 / 16)) / 2));
  CHECK(rows[9].rfind("0,8,0.005,0.005,0.005", 0) == 0);  // one lr for all three groups
  CHECK(fs::file_size(folder / "lr_schedule.png") > 1000);

  // training_loss.csv: every fit iteration's batch loss, and fastai's smoothed loss computed from
  // them here independently (the debiased moving average of sched.plot_loss, beta 0.98).
  std::istringstream curve(xp::testing::read_text(folder / "training_loss.csv"));
  std::vector<std::string> points;
  for (std::string line; std::getline(curve, line);) points.push_back(line);
  REQUIRE(points.size() == rows.size());  // one per fit iteration, as lr_schedule.csv
  CHECK(points[0] == "stage,iteration,loss,smoothed_loss");
  double average = 0;
  std::vector<double> losses;
  for (std::size_t i = 1; i < points.size(); ++i) {
    CAPTURE(points[i]);
    std::istringstream fields(points[i]);
    std::string stage, iteration, loss, smoothed;
    std::getline(fields, stage, ',');
    std::getline(fields, iteration, ',');
    std::getline(fields, loss, ',');
    std::getline(fields, smoothed, ',');
    CHECK(std::stoi(iteration) == static_cast<int>(i) - 1);
    losses.push_back(std::stod(loss));
    average = 0.98 * average + 0.02 * std::stod(loss);
    CHECK(std::stod(smoothed) ==
          doctest::Approx(average / (1 - std::pow(0.98, static_cast<double>(i)))).epsilon(1e-7));
  }
  CHECK(fs::file_size(folder / "training_loss.png") > 1000);

  // TensorBoard's event file: the same per-iteration losses (as float32), every layer group's LR
  // at every iteration, each epoch's validation loss, the stage as text; TensorBoard's own reader
  // (where installed) reads what the independent one does.
  const nlohmann::json events = xp::testing::read_event_files(folder, false);
  CHECK(events["files"] == 1);
  const auto& tb_losses = events["scalars"]["train/loss"];
  REQUIRE(tb_losses.size() == losses.size());
  for (std::size_t i = 0; i < losses.size(); ++i) {
    CHECK(tb_losses[i][0] == i);
    CHECK(tb_losses[i][1].get<double>() == static_cast<double>(static_cast<float>(losses[i])));
  }
  CHECK(events["scalars"]["lr/group_2"].size() == losses.size());
  CHECK(events["scalars"]["lr/group_2"][8][1].get<double>() == doctest::Approx(0.005));
  CHECK(events["scalars"]["epoch/val_loss"].size() == 4);
  CHECK(events["scalars"]["epoch/accuracy"][3][0] == losses.size() - 1);  // its last iteration
  CHECK(events["texts"]["stages"][0][1] == "[0] fit");
  const nlohmann::json tensorboard = xp::testing::read_event_files(folder, true);
  if (!tensorboard.is_null()) CHECK(tensorboard == events);
}

TEST_CASE("the same recipe and seed give identical metrics") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  REQUIRE(run_xp("run " + recipe + " --out " + (dir.path() / "a").string()).exit_code == 0);
  // Progress lines (stdout is a pipe here, as in a log or under Slurm) change nothing.
  const Outcome b = run_xp("run " + recipe + " --out " + (dir.path() / "b").string() +
                           " --set data.workers=1 --progress-every 0.001");
  REQUIRE(b.exit_code == 0);
  CHECK(metrics_without_time(only_run(dir.path() / "a")) ==
        metrics_without_time(only_run(dir.path() / "b")));
  CAPTURE(b.output);
  CHECK(std::regex_search(
      b.output,
      std::regex(
          R"(\n  \[\d\] fit epoch 1/\d batch \d+/\d+ \(\d+%\) [0-9.]+ it/s ETA [0-9:?]+ loss [0-9.]+\n)")));
  CHECK(b.output.find('\r') == std::string::npos);
  const std::string log = xp::testing::read_text(only_run(dir.path() / "b") / "log.txt");
  CHECK(log.find(" it/s ETA ") == std::string::npos);  // progress is not a result: not in log.txt
}

TEST_CASE("a recipe error exits 2, lists every error and writes nothing") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  const Outcome outcome = run_xp("run " + recipe + " --out " + (dir.path() / "results").string() +
                                 " --set stages[0].fit.lr=-1" + " --set data.batch_sise=3");
  CAPTURE(outcome.output);
  CHECK(outcome.exit_code == 2);
  CHECK(outcome.output.find("--set stages[0].fit.lr=-1:1:18: error:") != std::string::npos);
  CHECK(outcome.output.find("unknown key 'batch_sise' (did you mean 'batch_size'?)") !=
        std::string::npos);
  CHECK(outcome.output.find("2 errors in recipe") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() / "results"));
}

TEST_CASE("command-line errors exit 2") {
  CHECK(run_xp("frobnicate").exit_code == 2);
  CHECK(run_xp("run").exit_code == 2);
  CHECK(run_xp("run does-not-exist.yaml").exit_code == 2);
  const Outcome help = run_xp("run --help");
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--set") != std::string::npos);
}

TEST_CASE("a run that fails on bad data exits 1 and its status.json says why") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  // Truncate the training images after the recipe check would pass (the file exists).
  const fs::path images = dir.path() / "data" / "train-images-idx3-ubyte.gz";
  fs::resize_file(images, fs::file_size(images) / 2);
  const Outcome outcome = run_xp("run " + recipe + " --out " + (dir.path() / "results").string());
  CAPTURE(outcome.output);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.output.find("train-images-idx3-ubyte.gz") != std::string::npos);
  const auto status = nlohmann::json::parse(
      xp::testing::read_text(only_run(dir.path() / "results") / "status.json"));
  CHECK(status["state"] == "FAILED");
  CHECK(status["error"].get<std::string>().find("train-images-idx3-ubyte.gz") != std::string::npos);
}

TEST_CASE("Ctrl-C stops a run at a batch boundary: exit 130 and status INTERRUPTED") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  // 200 epochs would take minutes; SIGINT arrives after two seconds (coreutils timeout).
  const Outcome outcome =
      run_xp_interrupted_after(2, "run " + recipe + " --out " + (dir.path() / "results").string() +
                                      " --set stages[0].fit.cycles=200");
  CAPTURE(outcome.output);
  CHECK(outcome.exit_code == 130);
  const auto status = nlohmann::json::parse(
      xp::testing::read_text(only_run(dir.path() / "results") / "status.json"));
  CHECK(status["state"] == "INTERRUPTED");
  const auto run =
      nlohmann::json::parse(xp::testing::read_text(only_run(dir.path() / "results") / "run.json"));
  CHECK(run["ended"].is_string());
}

TEST_CASE("xp model prints layer groups with parameter and trainable counts") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  const Outcome outcome = run_xp("model " + recipe);
  CAPTURE(outcome.output);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.output.find("model    resnet18") != std::string::npos);
  CHECK(outcome.output.find("input    3×32×32 RGB, normalized with mean [0.485, 0.456, 0.406]") !=
        std::string::npos);
  CHECK(outcome.output.find("frozen   nothing") != std::string::npos);
  // resnet18: layer3 + layer4 hold 2,099,712 + 8,393,728 parameters (torchvision).
  CHECK(outcome.output.find("1          10,493,440     10,493,440  layer3, layer4") !=
        std::string::npos);
}

TEST_CASE("pretrained weights load, freeze the body, and a run trains only the head") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  REQUIRE(xp::testing::run_python_tool("torchvision_reference.py",
                                       dir.path().string() + " resnet18") == 0);
  const std::string weights =
      "--set model.weights=" + (dir.path() / "resnet18.safetensors").string();
  const Outcome model = run_xp("model " + recipe + " " + weights);
  CAPTURE(model.output);
  CHECK(model.exit_code == 0);
  CHECK(model.output.find("frozen   layer groups 0-1") != std::string::npos);
  CHECK(model.output.find("1          10,493,440              0  layer3, layer4") !=
        std::string::npos);

  const Outcome run =
      run_xp("run " + recipe + " " + weights + " --set stages[0].fit.cycles=1 --out " +
             (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("body frozen (layer groups 0-1)") != std::string::npos);
  const auto run_json =
      nlohmann::json::parse(xp::testing::read_text(only_run(dir.path() / "results") / "run.json"));
  CHECK(run_json["weights"].get<std::string>().find("resnet18.safetensors") != std::string::npos);
}

TEST_CASE("a trained model.h5 starts another recipe: its body loads and freezes") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  REQUIRE(run_xp("run " + recipe + " --set stages[0].fit.cycles=1 --out " +
                 (dir.path() / "first").string())
              .exit_code == 0);
  const fs::path model = only_run(dir.path() / "first") / "model.h5";
  const Outcome second = run_xp(
      "run " + recipe + " --set stages[0].fit.cycles=1 --set model.weights=" + model.string() +
      " --out " + (dir.path() / "second").string());
  CAPTURE(second.output);
  CHECK(second.exit_code == 0);
  CHECK(second.output.find("body frozen (layer groups 0-1)") != std::string::npos);
}

TEST_CASE(
    "a TorchScript body runs the whole recipe as the native resnet18 does: frozen fit, unfreeze, "
    "differential LRs") {
  TempDir dir;
  // A bare `- unfreeze`, as the fastai line reads, is a stage without parameters.
  const auto recipe =
      write_recipe(dir.path(), "  - unfreeze\n  - fit: {lr: [0.001, 0.003, 0.01], cycles: 1}\n");
  REQUIRE(xp::testing::run_python_tool("torchvision_reference.py",
                                       "--torchscript " + dir.path().string() + " resnet18") == 0);
  const std::string model =
      " --set model.arch=torchscript --set model.split_at=layer3 --set model.weights=" +
      (dir.path() / "resnet18-body.pt").string();
  const Outcome summary = run_xp("model " + recipe + model);
  CAPTURE(summary.output);
  CHECK(summary.exit_code == 0);
  CHECK(summary.output.find("1          10,493,440              0  layer3, layer4") !=
        std::string::npos);
  CHECK(summary.output.find("features 1024 (concat pooling of 512 channels)") != std::string::npos);

  const std::string one_cycle = " --set stages[0].fit.cycles=1 --no-cache --out ";
  const Outcome run =
      run_xp("run " + recipe + model + one_cycle + (dir.path() / "script").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "script");
  const std::string metrics = metrics_without_time(folder);
  CHECK(std::count(metrics.begin(), metrics.end(), '\n') == 3);  // header + one row per fit
  // The frozen fit learns the bars (chance is 0.25; 1.0 on the CPUs seen).
  CHECK(accuracy_of_row(folder, 0) >= 0.9);
  // model.h5 holds the TorchScript body's tensors under their TorchScript names.
  CHECK(xp::testing::run_python_tool("check_h5_keys.py", (folder / "model.h5").string() +
                                                             " body.layer3.0.conv1.weight") == 0);

  // The same weights as a native resnet18 give the same run, epoch by epoch (bit for bit on the Xeon
  // this was written on; the margin allows for kernels that sum in another order). The unfrozen fit's
  // own accuracy says little here: this body's BatchNorm statistics were drawn at random, not measured
  // on the bars, so switching them from eval (frozen) to batch statistics (unfrozen) changes every
  // feature the head learnt; how much one epoch wins back varies with the head's draw and the CPU's
  // kernels (from chance, 0.25, to 0.66 seen). tests/core/models/parity_test.cpp compares the two
  // bodies step by step.
  const Outcome native = run_xp(
      "run " + recipe + " --set model.weights=" + (dir.path() / "resnet18.safetensors").string() +
      one_cycle + (dir.path() / "native").string());
  CAPTURE(native.output);
  REQUIRE(native.exit_code == 0);
  check_close_metrics(folder, only_run(dir.path() / "native"), 1e-3);
}

TEST_CASE("save and load stages: a checkpoint in the run folder brings the weights back") {
  TempDir dir;
  const std::string recipe =
      write_recipe(dir.path(), "  - save: 224\n  - fit: {lr: 0.5, cycles: 1}\n  - load: 224\n");
  const Outcome run = run_xp("run " + recipe + " --out " + (dir.path() / "a").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "a");
  REQUIRE(fs::exists(folder / "checkpoints" / "224.h5"));
  // The final model is the saved one, not the one the lr 0.5 fit left.
  const std::string same =
      "/usr/bin/python3 -c \"import h5py, sys, numpy as np; a = h5py.File(sys.argv[1], 'r'); "
      "b = h5py.File(sys.argv[2], 'r'); assert set(a) == set(b); "
      "assert all(np.array_equal(a[k][()], b[k][()]) for k in a)\" ";
  CHECK(std::system((same + (folder / "model.h5").string() + " " +
                     (folder / "checkpoints" / "224.h5").string())
                        .c_str()) == 0);

  // A load without an earlier save of that name is a recipe error, found before anything runs.
  const std::string unknown = write_recipe(dir.path(), "  - save: a\n  - load: nope\n");
  const Outcome missing = run_xp("check " + unknown);
  CAPTURE(missing.output);
  CHECK(missing.exit_code == 2);
  CHECK(
      missing.output.find(
          "tiny.yaml:10:11: error: 'stages[2].load': no earlier `save: nope` stage in this recipe "
          "(saved before it: a)") != std::string::npos);
}

// metrics.csv without the stage index and seconds columns.
std::string metrics_without_stage_and_time(const fs::path& folder) {
  std::istringstream in(xp::testing::read_text(folder / "metrics.csv"));
  std::string out;
  for (std::string line; std::getline(in, line);)
    out += line.substr(line.find(','), line.rfind(',') - line.find(',')) + "\n";
  return out;
}

TEST_CASE("lr_find writes its curve and suggestions, and leaves the stages after it unchanged") {
  TempDir dir;
  const std::string plain = write_recipe(dir.path());
  const fs::path with_finder = dir.path() / "finder.yaml";
  std::string text = xp::testing::read_text(plain);
  text.replace(text.find("stages:\n"), 8, "stages:\n  - lr_find: {num_it: 40}\n");
  xp::testing::write_text(with_finder, text);

  const Outcome check = run_xp("check " + with_finder.string());
  CAPTURE(check.output);
  CHECK(check.output.find("[0] lr_find  start_lr=1e-05 end_lr=10 num_it=40") != std::string::npos);
  const Outcome finder =
      run_xp("run " + with_finder.string() + " --out " + (dir.path() / "a").string());
  CAPTURE(finder.output);
  REQUIRE(finder.exit_code == 0);
  CHECK(finder.output.find("lr_find  suggestions: valley ") != std::string::npos);
  const Outcome alone = run_xp("run " + plain + " --out " + (dir.path() / "b").string());
  REQUIRE(alone.exit_code == 0);

  const fs::path folder = only_run(dir.path() / "a");
  // Weights, BatchNorm statistics and RNG restored: the fit after lr_find is the fit without it.
  CHECK(metrics_without_stage_and_time(folder) ==
        metrics_without_stage_and_time(only_run(dir.path() / "b")));
  const std::string curve = xp::testing::read_text(folder / "lr_find.csv");
  CHECK(curve.rfind("stage,iteration,lr,loss,raw_loss\n0,0,1e-05,", 0) == 0);
  CHECK(fs::file_size(folder / "lr_find.png") > 1000);
  const auto run_json = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  const auto& summary = run_json["lr_find"][0];
  CHECK(summary["scheduled"] == 40);
  CHECK(summary["batches"].get<int>() > 10);
  // The recorded batches continue past the first epoch (16 batches) unless the loss diverged.
  if (!summary["diverged"].get<bool>()) CHECK(summary["batches"] == 40);
  CHECK(summary["suggestions"]["valley"].get<double>() > 1e-5);
  CHECK(summary["suggestions"]["valley"].get<double>() < 10);
}

TEST_CASE("xp features exports the body's features, and torchvision computes the same numbers") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  REQUIRE(xp::testing::run_python_tool("torchvision_reference.py",
                                       dir.path().string() + " resnet18") == 0);
  const fs::path weights = dir.path() / "resnet18.pth";
  const fs::path out = dir.path() / "valid-features.h5";
  // size 28 = the images' own size, so the check script can apply the transform by hand.
  const Outcome outcome =
      run_xp("features " + recipe + " --split valid --set data.size=28 --set model.weights=" +
             weights.string() + " --out " + out.string());
  CAPTURE(outcome.output);
  REQUIRE(outcome.exit_code == 0);
  CHECK(outcome.output.find("wrote " + out.string() + ": features 32x1024") != std::string::npos);
  CHECK(xp::testing::run_python_tool("check_features.py",
                                     out.string() + " " + (dir.path() / "data").string() +
                                         " resnet18 " + weights.string()) == 0);
  CHECK(run_xp("features " + recipe + " --split test --out x.h5").exit_code == 2);
  CHECK(run_xp("features " + recipe).exit_code == 2);  // --out is required
  // --out never replaces what is not a regular file (as root, `--out /dev/null` once replaced the
  // device node): a symbolic link stays a link to its untouched target.
  xp::testing::write_text(dir.path() / "kept.txt", "kept");
  fs::create_symlink(dir.path() / "kept.txt", dir.path() / "link.h5");
  const Outcome onto_link =
      run_xp("features " + recipe + " --split valid --out " + (dir.path() / "link.h5").string());
  CAPTURE(onto_link.output);
  CHECK(onto_link.exit_code == 2);  // refused before any work, as a usage error
  CHECK(onto_link.output.find("link.h5': it exists and is not a regular file (a symbolic link)") !=
        std::string::npos);
  CHECK(fs::is_symlink(dir.path() / "link.h5"));
  CHECK(xp::testing::read_text(dir.path() / "kept.txt") == "kept");
}

TEST_CASE(
    "bf16 and channels_last train and serve xp features, and xp check refuses a device this build "
    "lacks") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path());
  // Refused until 2026-11-30 after one SIGSEGV in a parallel ctest run; not reproduced since in 60
  // stress runs (both LibTorch versions), and the OpenCV thread-pool race found later
  // (DataLoader, 6fe5f75) crashed the same way. Training under bf16 autocast must run and learn.
  const Outcome trained =
      run_xp("run " + recipe + " --set precision=bf16 --set channels_last=true --out " +
             (dir.path() / "results").string());
  CAPTURE(trained.output);
  REQUIRE(trained.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "results");
  const auto run_json = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  CHECK(run_json["precision"] == "bf16 channels_last");
  CHECK(std::isfinite(last_accuracy(folder)));
  // The optimizer stepped with PyTorch's fused kernels where the LibTorch has them (2.4 on),
  // else with torch::optim's own per-parameter step (the CPU's fastest for its numbers).
  const std::string libtorch = run_json["libraries"]["libtorch"];
  const bool fused_kernels = libtorch.rfind("1.", 0) != 0 && libtorch.rfind("2.0.", 0) != 0 &&
                             libtorch.rfind("2.1.", 0) != 0 && libtorch.rfind("2.2.", 0) != 0 &&
                             libtorch.rfind("2.3.", 0) != 0;
  CHECK(run_json["optimizer_step"] == (fused_kernels ? "fused" : "for-loop"));
  CHECK(trained.output.find(std::string("(cpu, 1 thread, bf16 channels_last, optimizer step ") +
                            (fused_kernels ? "fused" : "for-loop") + ")") != std::string::npos);
  // xp check refuses what xp run would, before any data is read: a device this build does not have
  // (it once passed xp check and failed only at xp run).
  const Outcome checked = run_xp("check " + recipe + " --set device=cuda");
  CAPTURE(checked.output);
  // (On a machine with an NVIDIA GPU it may pass: the test then says so and checks no more.)
  if (fs::exists("/dev/nvidia0") && checked.exit_code == 0) {
    MESSAGE("device: cuda is available here; its refusal is checked on machines without a GPU");
  } else {
    CHECK(checked.exit_code == 2);
    CHECK(checked.output.find("'device': 'cuda' is not available: ") != std::string::npos);
    CHECK((checked.output.find(" without CUDA; build it against a CUDA LibTorch") !=
               std::string::npos ||
           checked.output.find("no GPU is visible") != std::string::npos));
  }
  // fp16 is a GPU's precision: refused at its key where the run would be on the CPU.
  const Outcome half = run_xp("check " + recipe + " --set device=cpu --set precision=fp16");
  CAPTURE(half.output);
  CHECK(half.exit_code == 2);
  CHECK(half.output.find("'precision': fp16 needs a GPU") != std::string::npos);
  // The fused optimizer step, asked of a LibTorch without its kernels: refused at its key.
  const Outcome fused = run_xp("check " + recipe + " --set fused_optimizer=true");
  CAPTURE(fused.output);
  if (fused_kernels) {
    CHECK(fused.exit_code == 0);
  } else {
    CHECK(fused.exit_code == 2);
    CHECK(fused.output.find("'fused_optimizer': fused optimizer steps need LibTorch 2.4 or later; "
                            "this xp is built with " +
                            libtorch) != std::string::npos);
  }
  const Outcome features =
      run_xp("features " + recipe + " --set precision=bf16 --set channels_last=true --out " +
             (dir.path() / "f.h5").string());
  CAPTURE(features.output);
  CHECK(features.exit_code == 0);
  CHECK(fs::exists(dir.path() / "f.h5"));
}
