#!/usr/bin/python3
"""fastai 0.7's get_cv_idxs, verbatim in behaviour (old/fastai/dataset.py), for the parity test of
xp's csv validation split: prints one line per case, "n cv_idx val_pct seed: idx idx ...".

usage: numpy_cv_idxs.py OUT_FILE
"""
import sys

import numpy as np


def get_cv_idxs(n, cv_idx=0, val_pct=0.2, seed=42):
    np.random.seed(seed)
    n_val = int(val_pct * n)
    idx_start = cv_idx * n_val
    idxs = np.random.permutation(n)
    return idxs[idx_start:idx_start + n_val]


CASES = [(10222, 0, 0.2, 42), (10222, 4, 0.2, 42), (40479, 0, 0.2, 42), (25000, 1, 0.1, 7),
         (1000, 2, 0.25, 123456), (37, 0, 0.3, 0), (5, 0, 0.2, 4294967295), (70000, 0, 0.2, 2024)]


def main():
    with open(sys.argv[1], "w") as out:
        for n, cv_idx, val_pct, seed in CASES:
            idxs = " ".join(str(i) for i in get_cv_idxs(n, cv_idx, val_pct, seed))
            out.write(f"{n} {cv_idx} {val_pct} {seed}: {idxs}\n")


if __name__ == "__main__":
    main()
