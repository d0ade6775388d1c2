#include <doctest/doctest.h>

#include "runner/cli.h"

using namespace xp::cli;

namespace {
CliOptions parse(std::vector<const char*> args) {
  args.insert(args.begin(), "xp");
  return parse_cli(static_cast<int>(args.size()), args.data());
}
}  // namespace

TEST_CASE("run takes a recipe, repeated --set, --out and --threads") {
  const auto options = parse(
      {"run", "r.yaml", "--set", "a=1", "-s", "stages[0].fit.lr=0.1", "--out", "o", "-j", "2"});
  CHECK(options.verb == Verb::kRun);
  CHECK(options.recipe == "r.yaml");
  CHECK(options.overrides == std::vector<std::string>{"a=1", "stages[0].fit.lr=0.1"});
  CHECK(options.out == "o");
  CHECK(options.threads == 2);
}

TEST_CASE("defaults and help") {
  const auto options = parse({"check", "r.yaml"});
  CHECK(options.verb == Verb::kCheck);
  CHECK(options.overrides.empty());
  CHECK(parse({}).help);
  const auto help = parse({"run", "--help"});
  CHECK(help.help);
  CHECK(help.help_text.find("--out") != std::string::npos);
  CHECK(help.help_text.find("(=results)") != std::string::npos);  // defaults are shown
}

TEST_CASE("command-line mistakes are UsageErrors that say what is wrong") {
  CHECK_THROWS_WITH_AS(parse({"rnu", "r.yaml"}), doctest::Contains("did you mean 'run'?"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse({"run"}), doctest::Contains("missing RECIPE"), UsageError);
  CHECK_THROWS_WITH_AS(parse({"run", "r.yaml", "--bogus"}),
                       doctest::Contains("unrecognised option '--bogus'"), UsageError);
  CHECK_THROWS_WITH_AS(parse({"run", "r.yaml", "--threads", "x"}), doctest::Contains("threads"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse({"check", "--resume", "results/a/b"}),
                       doctest::Contains("xp check results/a/b/recipe.yaml"), UsageError);
}

TEST_CASE(
    "check takes run's options: the same command line with check reports that run's stage cache") {
  const auto options = parse({"check", "r.yaml", "--out", "elsewhere", "-j", "2", "--no-cache"});
  CHECK(options.verb == Verb::kCheck);
  CHECK(cache_root(options) == "elsewhere/.cache");
  CHECK(options.no_cache);
  CHECK(cache_root(parse({"check", "r.yaml"})) == "results/.cache");
  CHECK(cache_root(parse({"check", "r.yaml", "--out", "o", "--cache", "c"})) == "c");
}

TEST_CASE("features needs --out and takes --split") {
  const auto options = parse({"features", "r.yaml", "--split", "valid", "--out", "f.h5"});
  CHECK(options.verb == Verb::kFeatures);
  CHECK(options.split == "valid");
  CHECK(options.out == "f.h5");
  CHECK_THROWS_WITH_AS(parse({"features", "r.yaml"}), doctest::Contains("'--out' is required"),
                       UsageError);
  CHECK(parse({"features", "r.yaml", "--out", "f.h5", "--split", "test"}).split == "test");
  CHECK_THROWS_WITH_AS(parse({"features", "r.yaml", "--out", "f.h5", "--split", "tests"}),
                       doctest::Contains("--split must be train, valid or test"), UsageError);
}

TEST_CASE("run's --progress chooses bar, lines or none, and --quiet is none") {
  using xp::report::ProgressStyle;
  const auto automatic = parse({"run", "r.yaml"});
  CHECK(progress_style(automatic, /*terminal=*/true) == ProgressStyle::kBar);
  CHECK(progress_style(automatic, /*terminal=*/false) == ProgressStyle::kLines);  // logs, Slurm
  CHECK(progress_style(parse({"run", "r.yaml", "--progress", "bar"}), false) ==
        ProgressStyle::kBar);
  CHECK(progress_style(parse({"run", "r.yaml", "--progress=none"}), true) == ProgressStyle::kNone);
  CHECK(progress_style(parse({"run", "r.yaml", "-q"}), true) == ProgressStyle::kNone);
  CHECK_THROWS_WITH_AS(parse({"run", "r.yaml", "--progress", "dots"}),
                       doctest::Contains("--progress must be auto, bar, lines or none, got 'dots'"),
                       UsageError);
}

TEST_CASE("predict takes a run folder and paths, export takes its format from --out") {
  const auto predict = parse({"predict", "results/a/b", "x.jpg", "photos", "--tta", "-k", "3"});
  CHECK(predict.verb == Verb::kPredict);
  CHECK(predict.paths == std::vector<std::string>{"results/a/b", "x.jpg", "photos"});
  CHECK(predict.tta);
  CHECK(predict.top == 3);
  CHECK(predict.out.empty());  // stdout
  CHECK(predict.device == "auto");
  CHECK_THROWS_WITH_AS(parse({"predict", "results/a/b"}), doctest::Contains("RUN_FOLDER PATH"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse({"predict", "r", "x.jpg", "--top", "0"}),
                       doctest::Contains("--top must be >= 1"), UsageError);

  CHECK(parse({"export", "r", "--out", "m.pth"}).format == "pth");
  CHECK(parse({"export", "r", "--out", "m.safetensors"}).format == "safetensors");
  CHECK(parse({"export", "r", "--out", "m.torchscript"}).format == "torchscript");
  CHECK(parse({"export", "r", "--out", "m.pt", "--format", "torchscript"}).format == "torchscript");
  CHECK(parse({"export", "r", "--out", "m.bin", "--format", "safetensors"}).format ==
        "safetensors");
  CHECK_THROWS_WITH_AS(parse({"export", "r", "--out", "m.bin"}),
                       doctest::Contains("cannot tell the format"), UsageError);
  CHECK_THROWS_WITH_AS(parse({"export", "r", "--out", "m.pth", "--format", "onnx"}),
                       doctest::Contains("pth, safetensors or torchscript, got 'onnx'"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse({"export", "r"}), doctest::Contains("'--out' is required"),
                       UsageError);
}

TEST_CASE("sweep on Slurm: its options, and the mistakes said before anything is submitted") {
  const auto options = parse({"sweep", "r.yaml", "--grid", "a=1,2", "--slurm", "--partition", "gpu",
                              "--gpus-per-trial", "1", "--sbatch=--time=01:00:00",
                              "--sbatch=--account=lab", "--no-wait", "-j", "4"});
  CHECK(options.slurm);
  CHECK(options.partition == "gpu");
  CHECK(options.gpus_per_trial == 1);
  CHECK(options.sbatch == std::vector<std::string>{"--time=01:00:00", "--account=lab"});
  CHECK(options.no_wait);
  CHECK(options.threads == 4);
  CHECK(parse({"sweep", "r.yaml", "--status"}).status);
  CHECK(parse({"sweep", "r.yaml", "--nproc", "2"}).nproc == 2);

  CHECK_THROWS_WITH_AS(parse({"sweep", "r.yaml", "--partition", "gpu"}),
                       doctest::Contains("--partition is for Slurm sweeps: add --slurm"),
                       UsageError);
  CHECK_THROWS_WITH_AS(parse({"sweep", "r.yaml", "--no-wait"}),
                       doctest::Contains("--no-wait is for Slurm sweeps"), UsageError);
  CHECK_THROWS_WITH_AS(
      parse({"sweep", "r.yaml", "--slurm", "--gpus-per-trial", "1", "--nproc", "2"}),
      doctest::Contains("drop --nproc"), UsageError);
  CHECK_THROWS_WITH_AS(parse({"sweep", "r.yaml", "--slurm", "--gpus-per-trial", "2"}),
                       doctest::Contains("needs NCCL"), UsageError);
  CHECK_THROWS_WITH_AS(parse({"sweep", "r.yaml", "--slurm", "--sbatch", "time=1"}),
                       doctest::Contains("expected one sbatch option"), UsageError);
  CHECK_THROWS_WITH_AS(parse({"sweep", "r.yaml", "--nproc", "0"}),
                       doctest::Contains("--nproc must be >= 1"), UsageError);
}
