// What the runner's inspection verbs do with a recipe, without a run: the stage cache's view of
// it (xp check), the network's summary (xp model), embeddings to HDF5 (xp features), and the
// data's listing, report and loader speed (xp data [--bench]). Each prints to `out`.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "core/pipeline/plan.h"

namespace xp::pipeline {

// Stage by stage: would `xp run` reuse the stage cache (HIT) or run the stage (MISS), and why.
// `ranks` > 1: for a data-parallel run of that size, whose stage keys hold it.
void print_cache_status(const Plan& plan, const std::filesystem::path& cache_root,
                        std::ostream& out, int ranks = 1);

// Layer groups, parameters and what trains, for the recipe's network at its data's classes.
void print_model(const Plan& plan, std::ostream& out);

// The body's activations of every image of `split` ("train", "valid" or "test"), with labels and
// ids, written to `file` (h5py-readable; cache/activations.h). Throws UserError for a split the
// data lacks.
void write_features(const Plan& plan, const std::filesystem::path& cache_root,
                    const std::string& split, const std::filesystem::path& file, std::ostream& out);

// The data as `xp run` would load it: target, classes, counts per split, skipped files; the data
// report (sizes, pixel statistics, an augmentation preview) into `report_folder`; and with
// `bench_epochs` > 0, that many epochs of training batches timed without a model.
void inspect_data(const Plan& plan, const std::filesystem::path& cache_root,
                  const std::filesystem::path& report_folder, int bench_epochs, std::ostream& out);

}  // namespace xp::pipeline
