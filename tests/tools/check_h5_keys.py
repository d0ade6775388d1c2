#!/usr/bin/python3
"""Exits 0 when every KEY is a dataset of the HDF5 FILE (read with h5py, independently of xp).

usage: check_h5_keys.py FILE KEY [KEY ...]
"""
import sys

import h5py


def main():
    path, keys = sys.argv[1], sys.argv[2:]
    with h5py.File(path, "r") as f:
        missing = [key for key in keys if key not in f]
    if missing:
        print(f"{path}: missing datasets {missing}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
