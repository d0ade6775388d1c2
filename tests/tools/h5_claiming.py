#!/usr/bin/python3
"""Writes an HDF5 file whose dataset 'huge' claims 2^20 x 2^20 float32 values but was never written:
a few KB on disk that read as 4 TB of zeros. A weights reader must refuse it, not allocate it.

usage: h5_claiming.py OUT_FILE
"""
import sys

import h5py

with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("huge", shape=(2**20, 2**20), dtype="float32")
