// The `csv` source: fastai 0.7's ImageClassifierData.from_csv layout.
//
//   <path>/<labels>            a header row, then one row per image: id, labels
//   <path>/<train>/<id><suffix>  the labelled images, named by their id
//   <path>/<test>/<image>      optional unlabelled test images
//
// Labels are split on data.label_separator (fastai's cat_separator ' '); classes are the sorted
// distinct labels. One label on every row makes a single-label dataset, anything else multi-label
// (n-hot rows; an empty cell is an all-zero row), as fastai decides; `target: regression` reads
// the labels as numbers instead (fastai's continuous=True, one or more values per row).
// The validation rows are fastai's get_cv_idxs(n, cv_idx, valid_pct, valid_seed) over all CSV rows,
// or the rows of data.valid_ids; both splits keep the CSV's row order.
//
// Every problem names the CSV line: a missing labels column, an empty or repeated id, an id
// without an image file (or a bad one: data.on_bad_image), a non-numeric regression value, a
// validation id that is not in the CSV.
#pragma once

#include "core/data/dataset.h"

namespace xp::data {

// Reads the labels CSV and lists the train and valid splits (and test, when data.test is set).
// Fills `train` and `valid`; returns the bundle's classes, target, test split and skipped files.
DataBundle list_csv_dataset(const DataOptions& options, ImageSet& train, ImageSet& valid);

}  // namespace xp::data
