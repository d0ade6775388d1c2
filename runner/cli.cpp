#include "runner/cli.h"

#include <boost/program_options.hpp>
#include <filesystem>
#include <sstream>

#include "core/cache/cache_layout.h"
#include "core/report/run_folder.h"
#include "core/util/strings.h"

namespace xp::cli {

namespace po = boost::program_options;

namespace {

const char* const kUsage =
    "xp — declarative transfer-learning experiments (fastai's lesson-2 workflow on LibTorch)\n"
    "\n"
    "usage: xp <command> [options]\n"
    "\n"
    "commands:\n"
    "  check RECIPE   validate a recipe and print its plan (stages, epochs); runs nothing\n"
    "  run RECIPE     run a recipe; prints the result folder on its last line\n"
    "  model RECIPE   print the recipe's network: layer groups, parameters, trainable, weights\n"
    "  features RECIPE --out FILE.h5   export the body's features of a split (what precompute "
    "caches)\n"
    "  sweep RECIPE   run the recipe once per combination of --grid values (or its sweep: block)\n"
    "  ls [DIR]       a table of the runs below DIR (default results): state, stages, metric, "
    "duration\n"
    "  diff RUN_A RUN_B   recipe values, final metrics and TTA scores that differ between two "
    "runs\n"
    "  report RUN...  rewrite each run folder's report.html from its files\n"
    "  cache ls|gc    list the stage cache and activation files, or remove old ones\n"
    "  data RECIPE    print the dataset's classes and counts; --bench times the input pipeline\n"
    "\n"
    "Run 'xp <command> --help' for the options of a command.\n"
    "Exit codes: 0 ok, 1 the run failed, 2 the recipe or command line is wrong, 130 interrupted.\n";

po::options_description recipe_options(CliOptions& options) {
  po::options_description description("options");
  description.add_options()("help,h", "show this help")(
      "set,s",
      po::value<std::vector<std::string>>(&options.overrides)->composing()->value_name("KEY=VALUE"),
      "override one recipe value, e.g. --set 'stages[0].fit.lr=0.02' or --set data.batch_size=128; "
      "repeatable");
  return description;
}

// --cache: where the resize cache lives (shared by runs and recipes).
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
      "its folder; "
      "no RECIPE: the folder's recipe.yaml is used");
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
      "(every combination "
      "is a trial); adds to or replaces the recipe's sweep.grid")(
      "jobs,J", po::value<int>(&options.jobs)->default_value(0)->value_name("N"),
      "trials at once; 0 = the recipe's sweep.jobs (default 1)")(
      "fail-fast", po::bool_switch(&options.fail_fast), "start no more trials after one fails")(
      "keep-going", po::bool_switch(&options.keep_going),
      "run every trial even when some fail (the default)")(
      "no-cache", po::bool_switch(&options.no_cache),
      "trials neither reuse nor store stage results (to measure what the cache saves)")(
      "out,o", po::value<std::string>(&options.out)->default_value("results")->value_name("DIR"),
      "results root; the sweep goes to DIR/<name>/sweep-<id>/")(
      "threads,j", po::value<int>(&options.threads)->default_value(0)->value_name("N"),
      "torch threads per trial; 0 = hardware threads / jobs");
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

std::string help_for(const std::string& verb, const po::options_description& description) {
  std::ostringstream out;
  if (verb == "check")
    out << "usage: xp check RECIPE [--set KEY=VALUE]... [--out DIR] [--cache DIR] "
           "[--no-cache]\n\nValidate RECIPE "
           "(schema, values, paths), print the plan and, stage by stage, whether\n`xp run` with "
           "the same options would "
           "reuse the stage cache (HIT) or run it (MISS).\nRun's options are accepted, so "
           "replacing run by check in a "
           "command line checks that run.\nExit 0 when valid, 2 with every error listed "
           "otherwise.\n\n";
  else if (verb == "features")
    out << "usage: xp features RECIPE [--set KEY=VALUE]... [--split train|valid|test] --out "
           "FILE.h5\n\nCompute the body's "
           "concat-pooled features of every image of a split (eval mode,\nvalidation transform) "
           "and write them "
           "to FILE.h5 — embeddings for retrieval or clustering.\n\n";
  else if (verb == "data")
    out << "usage: xp data RECIPE [--set KEY=VALUE]... [--out DIR] [--bench [--epochs N]]\n\nList "
           "RECIPE's dataset: "
           "classes with their image counts per split, skipped files,\nimage sizes and channel "
           "statistics; write "
           "DIR/<name>-data/ (data.json, sizes.csv,\nsizes.png, augment_preview.png). With "
           "--bench, run the training batches (the recipe's "
           "workers, augmentation\nand size) without a model and print images per second: is "
           "loading the bottleneck?\n\n";
  else if (verb == "sweep")
    out << "usage: xp sweep RECIPE [--set KEY=VALUE]... [--grid KEY=V1,V2]... [--jobs N] "
           "[--fail-fast]\n\n"
           "Run RECIPE once per combination of the grid's values, each trial an `xp run` with\n"
           "--set KEY=VALUE, in DIR/<name>/sweep-<id>/: ledger.json (every trial's values, state "
           "and\n"
           "result), trials/t<N>/ (the runs and their logs), summary.csv and summary.png. Running "
           "the\n"
           "same sweep again skips finished trials, retries failed ones and resumes interrupted "
           "ones.\n"
           "Trials share their common stages through the stage cache.\n\n";
  else if (verb == "model")
    out << "usage: xp model RECIPE [--set KEY=VALUE]...\n\nBuild RECIPE's network (loading its "
           "weights, if any) and print "
           "its layer groups\nwith parameter and trainable counts, input size and "
           "normalization.\n\n";
  else
    out << "usage: xp run RECIPE [--set KEY=VALUE]... [--out DIR] [--threads N] [--no-cache]\n"
           "       xp run --resume RUN_FOLDER\n\nRun RECIPE's stages in order and write a result "
           "folder\n"
           "(recipe.yaml, run.json, status.json, metrics.csv, log.txt). Stages whose key (the "
           "recipe up to\n"
           "them, the data, the weights) is in the stage cache are not run again: their results "
           "are copied.\n"
           "A killed or interrupted run is continued with --resume.\n\n";
  out << description;
  return out.str();
}

// ls, diff, report and cache take folders, not a recipe.
CliOptions parse_folder_cli(const std::string& verb, int argc, const char* const* argv,
                            CliOptions& options) {
  po::options_description description("options");
  description.add_options()("help,h", "show this help");
  std::string usage;
  if (options.verb == Verb::kLs) {
    usage =
        "usage: xp ls [DIR]\n\nA table of the runs below DIR (default results), sweeps' trials "
        "included: state\n"
        "(COMPLETE, FAILED, INTERRUPTED, RUNNING, or KILLED when the process died), stages done,\n"
        "the last epoch's metric and val_loss, duration, start time.\n\n";
  } else if (options.verb == Verb::kReport) {
    usage =
        "usage: xp report RUN_FOLDER...\n\nRewrites each run folder's report.html (plan, curves, "
        "LR schedule, lr_find,\n"
        "TTA, confusion matrix, timings) from the files in it; prints the pages' paths.\n\n";
  } else if (options.verb == Verb::kDiff) {
    usage =
        "usage: xp diff RUN_A RUN_B\n\nThe recipe values that differ between two run folders, then "
        "their last epoch's\n"
        "metric and losses, TTA scores and durations side by side.\n\n";
  } else {
    usage =
        "usage: xp cache ls|gc [--cache DIR] [--older-than DAYS] [--max-size SIZE] [--all]\n\n"
        "ls: the stage cache's entries (stage, size, the run that made it) and the activation "
        "files.\n"
        "gc: remove entries unused for DAYS (a cache hit counts as a use), then the least recently "
        "used\n"
        "until the stage entries fit SIZE; --all removes everything. Entries in use are kept.\n\n";
    add_cache_option(description, options, "cache root; default results/.cache");
    description.add_options()(
        "older-than",
        po::value<double>(&options.older_than_days)->default_value(30)->value_name("DAYS"),
        "gc: remove entries unused for this many days")(
        "max-size", po::value<std::string>(&options.max_size)->value_name("SIZE"),
        "gc: then remove the least recently used entries until the rest fit, e.g. 10G")(
        "all", po::bool_switch(&options.all), "gc: remove every entry");
  }
  po::options_description hidden;
  hidden.add_options()("paths", po::value<std::vector<std::string>>(&options.paths));
  po::options_description all;
  all.add(description).add(hidden);
  po::positional_options_description positional;
  positional.add("paths", -1);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(),
              values);
    po::notify(values);
  } catch (const po::error& error) {
    throw UsageError(str_cat("xp ", verb, ": ", error.what()));
  }
  if (values.count("help")) {
    options.help = true;
    std::ostringstream out;
    out << usage << description;
    options.help_text = out.str();
    return options;
  }
  if (options.verb == Verb::kLs && options.paths.size() > 1)
    throw UsageError("xp ls: at most one folder");
  if (options.verb == Verb::kReport && options.paths.empty())
    throw UsageError("xp report: give one or more run folders");
  if (options.verb == Verb::kDiff && options.paths.size() != 2)
    throw UsageError("xp diff: give two run folders: xp diff RUN_A RUN_B");
  if (options.verb == Verb::kCache) {
    if (options.paths.size() != 1 || (options.paths[0] != "ls" && options.paths[0] != "gc"))
      throw UsageError("xp cache: give ls or gc (xp cache ls, xp cache gc --older-than 7)");
    options.cache_action = options.paths[0];
    if (options.older_than_days < 0) throw UsageError("xp cache gc: --older-than must be >= 0");
  }
  return options;
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
  if (argc < 2) {
    options.help = true;
    options.help_text = kUsage;
    return options;
  }
  const std::string verb = argv[1];
  if (verb == "--help" || verb == "-h" || verb == "help") {
    options.help = true;
    options.help_text = kUsage;
    return options;
  }
  if (verb == "--version") {
    options.version = true;
    return options;
  }
  const std::vector<std::string> verbs = {"check",  "run",   "sweep", "ls",       "diff",
                                          "report", "cache", "model", "features", "data"};
  if (verb == "check")
    options.verb = Verb::kCheck;
  else if (verb == "run")
    options.verb = Verb::kRun;
  else if (verb == "model")
    options.verb = Verb::kModel;
  else if (verb == "features")
    options.verb = Verb::kFeatures;
  else if (verb == "data")
    options.verb = Verb::kData;
  else if (verb == "sweep")
    options.verb = Verb::kSweep;
  else if (verb == "ls")
    options.verb = Verb::kLs;
  else if (verb == "diff")
    options.verb = Verb::kDiff;
  else if (verb == "report")
    options.verb = Verb::kReport;
  else if (verb == "cache")
    options.verb = Verb::kCache;
  else {
    const std::string suggestion = closest_match(verb, verbs);
    throw UsageError(
        str_cat("unknown command '", verb, "'",
                suggestion.empty() ? "" : str_cat(" (did you mean '", suggestion, "'?)"),
                "; commands: ", join(verbs)));
  }

  if (options.verb == Verb::kLs || options.verb == Verb::kDiff || options.verb == Verb::kReport ||
      options.verb == Verb::kCache)
    return parse_folder_cli(verb, argc, argv, options);
  // check takes run's options, so that `xp check` with run's command line reports that run's cache.
  po::options_description description =
      options.verb == Verb::kRun || options.verb == Verb::kCheck ? run_options(options)
      : options.verb == Verb::kFeatures                          ? features_options(options)
      : options.verb == Verb::kData                              ? data_options(options)
      : options.verb == Verb::kSweep                             ? sweep_options(options)
                                                                 : recipe_options(options);
  po::options_description hidden;
  hidden.add_options()("recipe", po::value<std::string>(&options.recipe));
  po::options_description all;
  all.add(description).add(hidden);
  po::positional_options_description positional;
  positional.add("recipe", 1);

  po::variables_map values;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(),
              values);
  } catch (const po::error& error) {
    throw UsageError(str_cat("xp ", verb, ": ", error.what()));
  }
  if (values.count("help")) {
    options.help = true;
    options.help_text = help_for(verb, description);
    return options;
  }
  try {
    po::notify(values);  // required options are checked only when no --help was asked for
  } catch (const po::error& error) {
    throw UsageError(str_cat("xp ", verb, ": ", error.what()));
  }
  if (!options.resume.empty()) {
    if (options.verb == Verb::kCheck)
      throw UsageError(str_cat("xp check --resume: check the run's recipe with  xp check ",
                               options.resume, "/recipe.yaml"));
    if (!options.recipe.empty() || !options.overrides.empty())
      throw UsageError(
          "xp run --resume: give the run folder only; its recipe.yaml is the recipe (no RECIPE, no "
          "--set)");
    if (!std::filesystem::is_regular_file(std::filesystem::path(options.resume) /
                                          report::files::kRecipe))
      throw UsageError(str_cat("xp run --resume: '", options.resume,
                               "' is not a run folder (no recipe.yaml in it)"));
    options.recipe = (std::filesystem::path(options.resume) / report::files::kRecipe).string();
    return options;
  }
  if (options.recipe.empty())
    throw UsageError(str_cat("xp ", verb, ": missing RECIPE (a .yaml file)"));
  if (options.verb == Verb::kFeatures && options.split != "train" && options.split != "valid" &&
      options.split != "test")
    throw UsageError(
        str_cat("xp features: --split must be train, valid or test, got '", options.split, "'"));
  if (options.epochs < 1)
    throw UsageError(str_cat("xp ", verb, ": --epochs must be >= 1, got ", options.epochs));
  if (options.jobs < 0)
    throw UsageError(str_cat("xp sweep: --jobs must be >= 1, got ", options.jobs));
  if (options.fail_fast && options.keep_going)
    throw UsageError("xp sweep: --fail-fast and --keep-going contradict each other");
  if (options.threads < 0)
    throw UsageError(str_cat("xp ", verb, ": --threads must be >= 0, got ", options.threads));
  return options;
}

}  // namespace xp::cli
