#!/usr/bin/python3
"""Exits 0 when two HDF5 files hold the same datasets, each bitwise equal in dtype, shape and
values (read with h5py, independently of xp); prints what differs otherwise.

usage: same_h5_tensors.py A B
"""
import sys

import h5py


def datasets(f):
    found = {}
    f.visititems(lambda name, item: found.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return found


def main():
    a_path, b_path = sys.argv[1], sys.argv[2]
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        first, second = datasets(a), datasets(b)
    problems = [f"only in {a_path}: {name}" for name in sorted(first.keys() - second.keys())]
    problems += [f"only in {b_path}: {name}" for name in sorted(second.keys() - first.keys())]
    for name in sorted(first.keys() & second.keys()):
        x, y = first[name], second[name]
        if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
            problems.append(f"{name} differs ({x.dtype}{list(x.shape)} vs {y.dtype}{list(y.shape)})")
    if not first:
        problems.append(f"{a_path} holds no datasets")
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
