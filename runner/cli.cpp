#include "runner/cli.h"

#include <boost/program_options.hpp>
#include <filesystem>
#include <sstream>

#include "core/cache/cache_layout.h"
#include "core/dist/backends.h"
#include "core/pipeline/export_format.h"
#include "core/report/run_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/strings.h"
#include "runner/commands.h"
#include "runner/folder_commands.h"
#include "runner/model_commands.h"
#include "runner/sweep.h"

namespace xp::cli {

namespace po = boost::program_options;

namespace {

// ---- Options, one builder per family of commands ----

po::options_description recipe_options(CliOptions& options) {
  po::options_description description("options");
  description.add_options()("help,h", "show this help")(
      "set,s",
      po::value<std::vector<std::string>>(&options.overrides)->composing()->value_name("KEY=VALUE"),
      "override one recipe value, e.g. --set 'stages[0].fit.lr=0.02' or --set data.batch_size=128; "
      "repeatable");
  return description;
}

// --cache: where the resize cache, activations and stage results live (shared by runs).
void add_cache_option(po::options_description& description, CliOptions& options,
                      const char* default_text) {
  description.add_options()("cache", po::value<std::string>(&options.cache)->value_name("DIR"),
                            default_text);
}

po::options_description run_options(CliOptions& options) {
  po::options_description description = recipe_options(options);
  description.add_options()(
      "out,o", po::value<std::string>(&options.out)->default_value("results")->value_name("DIR"),
      "results root; the run goes to DIR/<name>/<UTC time>-<id>/")(
      "threads,j", po::value<int>(&options.threads)->default_value(0)->value_name("N"),
      "torch threads; 0 = the recipe's `threads` (whose default is all hardware threads)")(
      "no-cache", po::bool_switch(&options.no_cache),
      "run every stage, even those whose result is in the stage cache, and store nothing there")(
      "resume", po::value<std::string>(&options.resume)->value_name("RUN_FOLDER"),
      "continue a stopped run (killed, interrupted or failed) from its last completed epoch, in "
      "its folder; no RECIPE: the folder's recipe.yaml is used")(
      "nproc", po::value<int>(&options.nproc)->default_value(1)->value_name("N"),
      "data-parallel: start N ranks on this machine (Gloo, CPU), each with hardware threads / N "
      "unless --threads; data.batch_size stays the whole step's batch")(
      "progress",
      po::value<std::string>(&options.progress)->default_value("auto")->value_name("STYLE"),
      "progress within an epoch: bar (redrawn on a terminal), lines (a plain line every 10 s: "
      "logs, Slurm, CI), none; auto = bar on a terminal, else lines")(
      "progress-every",
      po::value<double>(&options.progress_every)->default_value(10)->value_name("SECONDS"),
      "seconds between progress lines")(
      "quiet,q", po::bool_switch()->notifier([&options](bool quiet) {
        if (quiet) options.progress = "none";
      }),
      "no progress within epochs (= --progress none); epoch lines and messages stay");
  add_cache_option(description, options,
                   "cache root (resized images, activations, stage results); default OUT/.cache");
  return description;
}

po::options_description sweep_options(CliOptions& options) {
  po::options_description description = recipe_options(options);
  description.add_options()(
      "grid,g",
      po::value<std::vector<std::string>>(&options.grid)->composing()->value_name("KEY=V1,V2"),
      "values to try for one recipe key, e.g. --grid 'stages[2].fit.lr=0.01,0.03'; repeatable "
      "(every combination is a trial); adds to or replaces the recipe's sweep.grid")(
      "jobs,J", po::value<int>(&options.jobs)->default_value(0)->value_name("N"),
      "trials at once; 0 = the recipe's sweep.jobs (default 1)")(
      "fail-fast", po::bool_switch(&options.fail_fast),
      "start no more trials after one fails (--slurm: cancel those still waiting for a node)")(
      "keep-going", po::bool_switch(&options.keep_going),
      "run every trial even when some fail (the default)")(
      "no-cache", po::bool_switch(&options.no_cache),
      "trials neither reuse nor store stage results (to measure what the cache saves)")(
      "out,o", po::value<std::string>(&options.out)->default_value("results")->value_name("DIR"),
      "results root; the sweep goes to DIR/<name>/sweep-<id>/")(
      "threads,j", po::value<int>(&options.threads)->default_value(0)->value_name("N"),
      "torch threads per trial (per rank with --nproc); 0 = the CPUs / (jobs x ranks); with "
      "--slurm also each task's --cpus-per-task (0: Slurm's default)")(
      "nproc", po::value<int>(&options.nproc)->default_value(1)->value_name("N"),
      "data-parallel ranks per trial: xp run --nproc N here, N tasks started by srun on Slurm")(
      "status", po::bool_switch(&options.status),
      "show where the sweep's trials stand (asking Slurm about its trials) and run nothing")(
      "slurm", po::bool_switch(&options.slurm),
      "submit the trials as one Slurm job array (sbatch) and follow it; the sweep folder and "
      "cache must be on a file system the nodes share")(
      "partition", po::value<std::string>(&options.partition)->value_name("P"),
      "--slurm: the partition to submit to (default: the cluster's)")(
      "gpus-per-trial", po::value<int>(&options.gpus_per_trial)->default_value(0)->value_name("G"),
      "--slurm: G ranks per trial with one GPU each (run.device auto or cuda)")(
      "sbatch",
      po::value<std::vector<std::string>>(&options.sbatch)->composing()->value_name("OPT"),
      "--slurm: one more sbatch option for every trial, e.g. --sbatch=--time=02:00:00; "
      "repeatable")(
      "no-wait", po::bool_switch(&options.no_wait),
      "--slurm: submit and return; the same command with --status shows the trials, without it "
      "follows them");
  add_cache_option(description, options,
                   "cache root shared by the trials (and by xp run); default OUT/.cache");
  return description;
}

po::options_description features_options(CliOptions& options) {
  po::options_description description = recipe_options(options);
  description.add_options()(
      "split", po::value<std::string>(&options.split)->default_value("train")->value_name("SPLIT"),
      "train or valid")(
      "out,o", po::value<std::string>(&options.out)->required()->value_name("FILE.h5"),
      "HDF5 file to write: datasets features (N x F float32), labels (N int64 class indices, or N "
      "x C float32 for multi-label and regression), ids (N strings)");
  add_cache_option(description, options,
                   "cache root (data.resize_cache's copies); default results/.cache");
  return description;
}

po::options_description data_options(CliOptions& options) {
  po::options_description description = recipe_options(options);
  description.add_options()("bench", po::bool_switch(&options.bench),
                            "run the training input pipeline (decode, augment, batch) without a "
                            "model and print images per second")(
      "epochs", po::value<int>(&options.epochs)->default_value(1)->value_name("N"),
      "epochs to time with --bench")(
      "out,o", po::value<std::string>(&options.out)->default_value("results")->value_name("DIR"),
      "results root; the data report goes to DIR/<name>-data/");
  add_cache_option(description, options,
                   "cache root (data.resize_cache's copies); default results/.cache");
  return description;
}

po::options_description predict_options(CliOptions& options) {
  po::options_description description("options");
  description.add_options()("help,h", "show this help")(
      "tta", po::bool_switch(&options.tta),
      "add the run's test-time augmentation: its last tta stage's passes and weighting (fastai's "
      "default 4 passes without one), drawn from its augmentation")(
      "top,k", po::value<int>(&options.top)->default_value(1)->value_name("K"),
      "single-label: the K most probable classes per image, with their probabilities")(
      "batch-size,b", po::value<int>(&options.batch_size)->default_value(0)->value_name("N"),
      "images per batch; 0 = the run's last batch size")(
      "out,o", po::value<std::string>(&options.out)->default_value("")->value_name("FILE.csv"),
      "write the predictions to FILE.csv (replaced atomically); default: stdout")(
      "threads,j", po::value<int>(&options.threads)->default_value(0)->value_name("N"),
      "torch threads; 0 = hardware threads")(
      "device", po::value<std::string>(&options.device)->default_value("auto")->value_name("D"),
      "auto (the first GPU, else the CPU), cpu, cuda or cuda:N")(
      "checkpoint", po::value<std::string>(&options.checkpoint)->value_name("NAME"),
      "use the run's checkpoints/NAME.h5 instead of its model.h5")(
      "progress-every",
      po::value<double>(&options.progress_every)->default_value(10)->value_name("SECONDS"),
      "seconds between progress lines (on stderr)");
  return description;
}

po::options_description export_options(CliOptions& options) {
  po::options_description description("options");
  description.add_options()("help,h", "show this help")(
      "out,o", po::value<std::string>(&options.out)->required()->value_name("FILE"),
      "the file to write (replaced atomically): FILE.pth, FILE.safetensors or FILE.torchscript")(
      "format", po::value<std::string>(&options.format)->value_name("F"),
      "pth (torch.save), safetensors or torchscript (torch.jit.save of the whole network); "
      "default: by --out's extension")(
      "checkpoint", po::value<std::string>(&options.checkpoint)->value_name("NAME"),
      "export the run's checkpoints/NAME.h5 instead of its model.h5");
  return description;
}

po::options_description help_only_options(CliOptions&) {
  po::options_description description("options");
  description.add_options()("help,h", "show this help");
  return description;
}

po::options_description cache_options(CliOptions& options) {
  po::options_description description = help_only_options(options);
  add_cache_option(description, options, "cache root; default results/.cache");
  description.add_options()(
      "older-than",
      po::value<double>(&options.older_than_days)->default_value(30)->value_name("DAYS"),
      "gc: remove entries unused for this many days")(
      "max-size", po::value<std::string>(&options.max_size)->value_name("SIZE"),
      "gc: then remove the least recently used entries until the rest fit, e.g. 10G")(
      "all", po::bool_switch(&options.all), "gc: remove every entry");
  return description;
}

// ---- Each command's own argument checks, after parsing ----

// --resume: the run folder's recipe.yaml is the recipe.
void resume_arguments(CliOptions& options) {
  if (options.nproc < 1)
    throw UsageError(str_cat("xp run: --nproc must be >= 1, got ", options.nproc));
  if (options.resume.empty()) return;
  if (!options.recipe.empty() || !options.overrides.empty())
    throw UsageError(
        "xp run --resume: give the run folder only; its recipe.yaml is the recipe (no RECIPE, no "
        "--set)");
  const auto recipe = std::filesystem::path(options.resume) / report::files::kRecipe;
  if (!std::filesystem::is_regular_file(recipe))
    throw UsageError(str_cat("xp run --resume: '", options.resume,
                             "' is not a run folder (no recipe.yaml in it)"));
  options.recipe = recipe.string();
}

void check_arguments(CliOptions& options) {
  if (!options.resume.empty())
    throw UsageError(str_cat("xp check --resume: check the run's recipe with  xp check ",
                             options.resume, "/", report::files::kRecipe));
}

void features_arguments(CliOptions& options) {
  if (options.split != "train" && options.split != "valid" && options.split != "test")
    throw UsageError(
        str_cat("xp features: --split must be train, valid or test, got '", options.split, "'"));
}

void sweep_arguments(CliOptions& options) {
  if (options.jobs < 0)
    throw UsageError(str_cat("xp sweep: --jobs must be >= 1, got ", options.jobs));
  if (options.fail_fast && options.keep_going)
    throw UsageError("xp sweep: --fail-fast and --keep-going contradict each other");
  if (options.nproc < 1)
    throw UsageError(str_cat("xp sweep: --nproc must be >= 1, got ", options.nproc));
  if (options.gpus_per_trial < 0)
    throw UsageError(
        str_cat("xp sweep: --gpus-per-trial must be >= 1, got ", options.gpus_per_trial));
  if (!options.slurm) {
    const char* slurm_only = !options.partition.empty()   ? "--partition"
                             : options.gpus_per_trial > 0 ? "--gpus-per-trial"
                             : !options.sbatch.empty()    ? "--sbatch"
                             : options.no_wait            ? "--no-wait"
                                                          : nullptr;
    if (slurm_only)
      throw UsageError(str_cat("xp sweep: ", slurm_only, " is for Slurm sweeps: add --slurm"));
  }
  if (options.gpus_per_trial > 0 && options.nproc > 1)
    throw UsageError(
        "xp sweep: --gpus-per-trial G already gives each trial G ranks (one per GPU): drop "
        "--nproc");
  // A trial on several GPUs is a data-parallel job over NCCL's process group.
  if (options.gpus_per_trial > 1 && !dist::nccl_built())
    throw UsageError(str_cat(
        "xp sweep: --gpus-per-trial ", options.gpus_per_trial,
        ": a data-parallel trial on CUDA needs NCCL, which this build of xp does not have (build "
        "it against a CUDA LibTorch 2.x: README, 'On a GPU'); use --gpus-per-trial 1 (trials "
        "side by side, one GPU each)"));
  for (const auto& option : options.sbatch)
    if (option.rfind("-", 0) != 0 || option.find('\n') != std::string::npos)
      throw UsageError(str_cat("xp sweep: --sbatch '", option,
                               "': expected one sbatch option such as --sbatch=--time=02:00:00"));
}

void ls_arguments(CliOptions& options) {
  if (options.paths.size() > 1) throw UsageError("xp ls: at most one folder");
}

void report_arguments(CliOptions& options) {
  if (options.paths.empty()) throw UsageError("xp report: give one or more run folders");
}

void diff_arguments(CliOptions& options) {
  if (options.paths.size() != 2)
    throw UsageError("xp diff: give two run folders: xp diff RUN_A RUN_B");
}

void predict_arguments(CliOptions& options) {
  if (options.paths.size() < 2)
    throw UsageError(
        "xp predict: give a run folder and the images: xp predict RUN_FOLDER PATH... (images, "
        "folders of images, or text files of image paths)");
  if (options.top < 1)
    throw UsageError(str_cat("xp predict: --top must be >= 1, got ", options.top));
  if (options.batch_size < 0)
    throw UsageError(str_cat("xp predict: --batch-size must be >= 1, got ", options.batch_size));
  if (!options.out.empty()) {
    if (const std::string refusal = why_not_replaceable(options.out); !refusal.empty())
      throw UsageError(str_cat("xp predict: --out ", refusal));
  }
}

void export_arguments(CliOptions& options) {
  if (options.paths.size() != 1)
    throw UsageError("xp export: give one run folder: xp export RUN_FOLDER --out FILE.pth");
  if (options.format.empty()) {
    options.format = pipeline::export_format_named_by(options.out);
    if (options.format.empty())
      throw UsageError(str_cat("xp export: cannot tell the format from '", options.out,
                               "': name a .pth, .safetensors or .torchscript file, or give "
                               "--format"));
  }
  try {
    pipeline::parse_export_format(options.format);
  } catch (const UserError& error) {
    throw UsageError(str_cat("xp export: ", error.what()));
  }
  if (const std::string refusal = why_not_replaceable(options.out); !refusal.empty())
    throw UsageError(str_cat("xp export: --out ", refusal));
}

void cache_arguments(CliOptions& options) {
  if (options.paths.size() != 1 || (options.paths[0] != "ls" && options.paths[0] != "gc"))
    throw UsageError("xp cache: give ls or gc (xp cache ls, xp cache gc --older-than 7)");
  options.cache_action = options.paths[0];
  if (options.older_than_days < 0) throw UsageError("xp cache gc: --older-than must be >= 0");
}

// ---- The commands ----

struct Command {
  Verb verb;
  const char* name;
  const char* synopsis;  // its line in `xp --help`
  const char* usage;     // `xp <name> --help`, above the options
  po::options_description (*options)(CliOptions&);
  void (*check)(CliOptions&);  // its own argument checks (nullptr: none)
  int (*handler)(const CliOptions&);
  // A recipe as its one positional argument (else folders or words: CliOptions::paths). Recipe
  // commands also take a run folder's recipe through --resume where their options offer it.
  bool takes_recipe;
};

const Command kCommands[] = {
    {Verb::kCheck, "check",
     "check RECIPE   validate a recipe and print its plan (stages, epochs); runs nothing",
     "usage: xp check RECIPE [--set KEY=VALUE]... [--out DIR] [--cache DIR] [--no-cache]\n\n"
     "Validate RECIPE (schema, values, paths), print the plan and, stage by stage, whether\n"
     "`xp run` with the same options would reuse the stage cache (HIT) or run it (MISS).\n"
     "Run's options are accepted, so replacing run by check in a command line checks that run.\n"
     "Exit 0 when valid, 2 with every error listed otherwise.\n\n",
     run_options, check_arguments, commands::check, true},
    {Verb::kRun, "run", "run RECIPE     run a recipe; prints the result folder on its last line",
     "usage: xp run RECIPE [--set KEY=VALUE]... [--out DIR] [--threads N] [--no-cache]\n"
     "              [--progress auto|bar|lines|none] [--progress-every SECONDS] [--quiet]\n"
     "              [--nproc N]\n"
     "       xp run --resume RUN_FOLDER\n\n"
     "Run RECIPE's stages in order and write a result folder\n"
     "(recipe.yaml, run.json, status.json, metrics.csv, log.txt). Stages whose key (the recipe "
     "up to\nthem, the data, the weights) is in the stage cache are not run again: their results "
     "are copied.\nA killed or interrupted run is continued with --resume.\n"
     "Data-parallel: --nproc N starts N ranks here; under torchrun or srun, xp reads RANK, "
     "WORLD_SIZE,\nMASTER_ADDR, MASTER_PORT (or SLURM_PROCID, SLURM_NTASKS, the node list) "
     "itself.\n\n",
     run_options, resume_arguments, commands::run, true},
    {Verb::kModel, "model",
     "model RECIPE   print the recipe's network: layer groups, parameters, trainable, weights",
     "usage: xp model RECIPE [--set KEY=VALUE]...\n\n"
     "Build RECIPE's network (loading its weights, if any) and print its layer groups\n"
     "with parameter and trainable counts, input size and normalization.\n\n",
     recipe_options, nullptr, commands::model, true},
    {Verb::kFeatures, "features",
     "features RECIPE --out FILE.h5   export the body's features of a split (what precompute "
     "caches)",
     "usage: xp features RECIPE [--set KEY=VALUE]... [--split train|valid|test] --out FILE.h5\n\n"
     "Compute the body's concat-pooled features of every image of a split (eval mode,\n"
     "validation transform) and write them to FILE.h5 — embeddings for retrieval or "
     "clustering.\n\n",
     features_options, features_arguments, commands::features, true},
    {Verb::kSweep, "sweep",
     "sweep RECIPE   run the recipe once per combination of --grid values (or its sweep: block)",
     "usage: xp sweep RECIPE [--set KEY=VALUE]... [--grid KEY=V1,V2]... [--jobs N] "
     "[--fail-fast]\n"
     "                [--nproc N] [--status]\n"
     "                [--slurm [--partition P] [--gpus-per-trial G] [--sbatch OPT]... "
     "[--no-wait]]\n\n"
     "Run RECIPE once per combination of the grid's values, each trial an `xp run` with\n"
     "--set KEY=VALUE, in DIR/<name>/sweep-<id>/: ledger.json (every trial's values, state and\n"
     "result), trials/t<N>/ (the runs and their logs), summary.csv and summary.png. Running the\n"
     "same sweep again skips finished trials, retries failed ones and resumes interrupted ones.\n"
     "Trials share their common stages through the stage cache.\n"
     "With --slurm the trials are one Slurm job array (its script in the sweep folder's slurm/),\n"
     "followed until they end; Ctrl-C stops following, not the trials.\n\n",
     sweep_options, sweep_arguments, commands::sweep, true},
    {Verb::kLs, "ls",
     "ls [DIR]       a table of the runs below DIR (default results): state, stages, metric, "
     "duration",
     "usage: xp ls [DIR]\n\nA table of the runs below DIR (default results), sweeps' trials "
     "included: state\n(COMPLETE, FAILED, INTERRUPTED, RUNNING, or KILLED when the process "
     "died), stages done,\nthe last epoch's metric and val_loss, duration, start time.\n\n",
     help_only_options, ls_arguments, commands::list_runs, false},
    {Verb::kDiff, "diff",
     "diff RUN_A RUN_B   recipe values, final metrics and TTA scores that differ between two runs",
     "usage: xp diff RUN_A RUN_B\n\nThe recipe values that differ between two run folders, then "
     "their last epoch's\nmetric and losses, TTA scores and durations side by side.\n\n",
     help_only_options, diff_arguments, commands::diff_runs, false},
    {Verb::kReport, "report", "report RUN...  rewrite each run folder's report.html from its files",
     "usage: xp report RUN_FOLDER...\n\nRewrites each run folder's report.html (plan, curves, LR "
     "schedule, lr_find,\nTTA, confusion matrix, timings) from the files in it; prints the "
     "pages' paths.\n\n",
     help_only_options, report_arguments, commands::write_reports, false},
    {Verb::kCache, "cache",
     "cache ls|gc    list the stage cache and activation files, or remove old ones",
     "usage: xp cache ls|gc [--cache DIR] [--older-than DAYS] [--max-size SIZE] [--all]\n\n"
     "ls: the stage cache's entries (stage, size, the run that made it) and the activation "
     "files.\ngc: remove entries unused for DAYS (a cache hit counts as a use), then the least "
     "recently used\nuntil the stage entries fit SIZE; --all removes everything. Entries in use "
     "are kept.\n\n",
     cache_options, cache_arguments, commands::cache_command, false},
    {Verb::kPredict, "predict",
     "predict RUN PATH...   a run's predictions for new images (files, folders, lists of paths)",
     "usage: xp predict RUN_FOLDER PATH... [--tta] [--top K] [--batch-size N] [--out FILE.csv]\n"
     "                  [--threads N] [--device D] [--checkpoint NAME]\n\n"
     "Predict images with a finished run (fastai's load_learner + predict): its model.h5,\n"
     "classes and validation transform at its last image size; --tta adds its test-time\n"
     "augmentation. PATH: an image, a folder (its images, recursively) or a text file of image\n"
     "paths (one per line, relative to the file's folder). Writes CSV: path, then the top K\n"
     "classes with their probabilities (multi-label: the tags over the run's F2 threshold and\n"
     "every class's probability; regression: the values). Files that cannot be read are listed\n"
     "on stderr and skipped. Needs nothing of the run's data: a copied run folder works.\n\n",
     predict_options, predict_arguments, commands::predict, false},
    {Verb::kExport, "export",
     "export RUN --out FILE   a run's network for PyTorch and LibTorch: .pth, .safetensors, "
     ".torchscript",
     "usage: xp export RUN_FOLDER --out FILE.pth|FILE.safetensors|FILE.torchscript\n"
     "                 [--format pth|safetensors|torchscript] [--checkpoint NAME]\n\n"
     "Write a finished run's network (fastai's learn.export) in PyTorch's formats: the body's\n"
     "tensors under torchvision's names, the head's as head.<i>.*, and metadata that describes\n"
     "the head layer by layer, the pooling, the classes, the input size and normalization.\n"
     "README.md shows the PyTorch code that rebuilds the network from the file.\n"
     "torchscript: the whole network as a TorchScript archive (traced), which torch::jit::load\n"
     "in C++ and torch.jit.load in Python run without xp; the metadata is its extra file\n"
     "metadata.json.\n\n",
     export_options, export_arguments, commands::export_model, false},
    {Verb::kData, "data",
     "data RECIPE    print the dataset's classes and counts; --bench times the input pipeline",
     "usage: xp data RECIPE [--set KEY=VALUE]... [--out DIR] [--bench [--epochs N]]\n\n"
     "List RECIPE's dataset: classes with their image counts per split, skipped files,\n"
     "image sizes and channel statistics; write DIR/<name>-data/ (data.json, sizes.csv,\n"
     "sizes.png, augment_preview.png). With --bench, run the training batches (the recipe's "
     "workers, augmentation\nand size) without a model and print images per second: is "
     "loading the bottleneck?\n\n",
     data_options, nullptr, commands::data_command, true},
};

const Command* find_command(const std::string& name) {
  for (const auto& command : kCommands)
    if (name == command.name) return &command;
  return nullptr;
}

const Command& command_of(Verb verb) {
  for (const auto& command : kCommands)
    if (command.verb == verb) return command;
  XP_ASSERT(false, "no command for verb ", static_cast<int>(verb));
  return kCommands[0];
}

std::string usage() {
  std::ostringstream out;
  out << "xp — declarative transfer-learning experiments (fastai's lesson-2 workflow on "
         "LibTorch)\n\nusage: xp <command> [options]\n\ncommands:\n";
  for (const auto& command : kCommands) out << "  " << command.synopsis << "\n";
  out << "\nRun 'xp <command> --help' for the options of a command.\n"
         "Exit codes: 0 ok, 1 the run failed, 2 the recipe or command line is wrong, 130 "
         "interrupted.\n";
  return out.str();
}

}  // namespace

std::string cache_root(const CliOptions& options) {
  if (!options.cache.empty()) return options.cache;
  const bool results_root =
      options.verb == Verb::kRun || options.verb == Verb::kSweep || options.verb == Verb::kCheck;
  return cache::layout::default_root(results_root ? options.out : std::string("results")).string();
}

CliOptions parse_cli(int argc, const char* const* argv) {
  CliOptions options;
  for (int arg_idx = 0; arg_idx < argc; ++arg_idx) options.command_line.emplace_back(argv[arg_idx]);
  const std::string name = argc < 2 ? "help" : argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    options.help = true;
    options.help_text = usage();
    return options;
  }
  if (name == "--version") {
    options.version = true;
    return options;
  }
  const Command* command = find_command(name);
  if (!command) {
    std::vector<std::string> names;
    for (const auto& known : kCommands) names.emplace_back(known.name);
    const std::string suggestion = closest_match(name, names);
    throw UsageError(
        str_cat("unknown command '", name, "'",
                suggestion.empty() ? "" : str_cat(" (did you mean '", suggestion, "'?)"),
                "; commands: ", join(names)));
  }
  options.verb = command->verb;

  po::options_description description = command->options(options);
  po::options_description hidden;
  po::positional_options_description positional;
  if (command->takes_recipe) {
    hidden.add_options()("recipe", po::value<std::string>(&options.recipe));
    positional.add("recipe", 1);
  } else {
    hidden.add_options()("paths", po::value<std::vector<std::string>>(&options.paths));
    positional.add("paths", -1);
  }
  po::options_description all;
  all.add(description).add(hidden);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(),
              values);
  } catch (const po::error& error) {
    throw UsageError(str_cat("xp ", name, ": ", error.what()));
  }
  if (values.count("help")) {
    options.help = true;
    std::ostringstream out;
    out << command->usage << description;
    options.help_text = out.str();
    return options;
  }
  try {
    po::notify(values);  // required options are checked only when no --help was asked for
  } catch (const po::error& error) {
    throw UsageError(str_cat("xp ", name, ": ", error.what()));
  }
  if (command->check) command->check(options);
  if (command->takes_recipe && options.recipe.empty())
    throw UsageError(str_cat("xp ", name, ": missing RECIPE (a .yaml file)"));
  if (options.epochs < 1)
    throw UsageError(str_cat("xp ", name, ": --epochs must be >= 1, got ", options.epochs));
  if (options.threads < 0)
    throw UsageError(str_cat("xp ", name, ": --threads must be >= 0, got ", options.threads));
  progress_style(options, false);  // a bad --progress is refused before anything runs
  if (!(options.progress_every > 0))
    throw UsageError(str_cat("xp ", name, ": --progress-every must be > 0 seconds, got ",
                             options.progress_every));
  return options;
}

report::ProgressStyle progress_style(const CliOptions& options, bool terminal) {
  const std::string& name = options.progress;
  if (name == "auto") return terminal ? report::ProgressStyle::kBar : report::ProgressStyle::kLines;
  if (name == "bar") return report::ProgressStyle::kBar;
  if (name == "lines") return report::ProgressStyle::kLines;
  if (name == "none") return report::ProgressStyle::kNone;
  throw UsageError(str_cat("--progress must be auto, bar, lines or none, got '", name, "'"));
}

int run_command(const CliOptions& options) { return command_of(options.verb).handler(options); }

}  // namespace xp::cli
