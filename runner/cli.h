// The xp command line, parsed with Boost.Program_options into a plain struct so that it can be
// unit-tested without running anything (shared/STYLE.md R19). Every command is one row of
// cli.cpp's table: its name, its line in `xp --help`, its usage, its options, its argument checks
// and its handler.
//
//   xp check RECIPE [--set KEY=VALUE]...
//   xp run   RECIPE [--set KEY=VALUE]... [--out DIR] [--threads N] [--no-cache]
//            [--progress auto|bar|lines|none] [--progress-every SECONDS] [--quiet]
//   xp run   --resume RUN_FOLDER [--threads N]
//   xp model RECIPE [--set KEY=VALUE]...
//   xp features RECIPE [--set KEY=VALUE]... [--split train|valid|test] --out FILE.h5
//   xp sweep RECIPE [--set KEY=VALUE]... [--grid KEY=V1,V2]... [--jobs N] [--fail-fast|--keep-going]
//            [--nproc N] [--status] [--slurm [--partition P] [--gpus-per-trial G] [--sbatch OPT]...
//            [--no-wait]]
//   xp ls [DIR]    xp diff RUN_A RUN_B    xp report RUN...    xp cache ls|gc [--cache DIR] [--older-than DAYS] [--max-size SIZE] [--all]
//   xp data RECIPE [--set KEY=VALUE]... [--out DIR] [--bench [--epochs N]]
//   xp predict RUN_FOLDER PATH... [--tta] [--top K] [--batch-size N] [--out FILE.csv]
//              [--threads N] [--device D] [--checkpoint NAME]
//   xp export RUN_FOLDER --out FILE.pth|FILE.safetensors [--format pth|safetensors] [--checkpoint NAME]
#pragma once

#include <string>
#include <vector>

#include "core/report/console.h"
#include "core/util/error.h"

namespace xp::cli {

enum class Verb {
  kNone,
  kCheck,
  kRun,
  kModel,
  kFeatures,
  kData,
  kSweep,
  kLs,
  kDiff,
  kReport,
  kCache,
  kPredict,
  kExport
};

struct CliOptions {
  Verb verb = Verb::kNone;
  bool help = false;  // print `help_text` and exit 0
  bool version = false;
  std::string help_text;
  std::string recipe;
  std::vector<std::string> overrides;  // --set, in order
  std::string out = "results";         // run: results root; features, predict: the output file
  std::string split = "train";         // features: which split
  std::string cache;      // run, features, data: cache root; "" = the default (cache_root())
  int threads = 0;        // 0: the recipe's threads
  bool no_cache = false;  // run: neither reuse nor store stage results
  std::string resume;     // run: a stopped run's folder to continue
  int nproc = 1;          // run: data-parallel ranks this process starts on this machine
  std::string progress = "auto";  // run: bar | lines | none; auto = bar on a terminal, else lines
  double progress_every = 10;     // run: seconds between progress lines
  std::vector<std::string> grid;  // sweep: "KEY=V1,V2", in order
  int jobs = 0;                   // sweep: trials at once; 0 = the recipe's sweep.jobs
  bool fail_fast = false;         // sweep: stop starting trials after a failure
  bool keep_going = false;  // sweep: run every trial despite failures (overrides sweep.fail_fast)
  bool status = false;      // sweep: show where the trials stand, run nothing
  bool slurm = false;       // sweep: the trials as one Slurm job array
  std::string partition;    // sweep --slurm: "" = the cluster's default
  int gpus_per_trial = 0;   // sweep --slurm: ranks per trial, one GPU each
  std::vector<std::string> sbatch;  // sweep --slurm: more sbatch options, verbatim
  bool no_wait = false;             // sweep --slurm: submit and return
  std::vector<std::string> paths;   // ls: [DIR]; diff: RUN_A RUN_B; report: RUN...
  std::string cache_action;         // cache: ls | gc
  double older_than_days = 30;      // cache gc: entries unused this long
  std::string max_size;  // cache gc: then the least recently used until the entries fit ("10G")
  bool all = false;      // cache gc: everything
  bool bench = false;    // data: time the training input pipeline
  int epochs = 1;        // data --bench: epochs to time
  bool tta = false;      // predict: with the run's test-time augmentation
  int top = 1;           // predict: classes per image (single-label)
  int batch_size = 0;    // predict: 0 = the run's
  std::string device = "auto";  // predict: where the network runs
  std::string checkpoint;       // predict: a checkpoint of the run instead of model.h5
  std::string format;           // export: pth | safetensors; "" = by --out's extension
  std::vector<std::string> command_line;
};

// A command-line mistake; the runner prints it with a hint and exits 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

CliOptions parse_cli(int argc, const char* const* argv);
// Runs the parsed command's handler; returns its exit code.
int run_command(const CliOptions& options);

// How `xp run` shows progress within an epoch: --progress (--quiet is none); `terminal` says
// whether stdout is one (auto's choice).
report::ProgressStyle progress_style(const CliOptions& options, bool terminal);

// --cache, or its default: <results root>/.cache for run, results/.cache otherwise.
std::string cache_root(const CliOptions& options);

}  // namespace xp::cli
