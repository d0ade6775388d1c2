#!/usr/bin/python3
"""Writes OUT/{train,valid}/{class0,class1}/<n>.jpg: N training JPEGs (and N/10 validation ones) of
random sizes between 300 and 500 px per side, smooth colour gradients plus noise (so they compress
like photos, not like noise), JPEG quality 90. With `learnable`, class 1's red and green gradients
swap directions, so that a model can tell the classes apart (accuracy comparisons); otherwise the
classes look alike (timings only).

usage: make_jpeg_folder.py OUT N [learnable]
"""
import os
import sys

import numpy as np
from PIL import Image


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    learnable = len(sys.argv) > 3 and sys.argv[3] == "learnable"
    rng = np.random.default_rng(0)
    for split, n in (("train", count), ("valid", max(count // 10, 2))):
        for idx in range(n):
            folder = os.path.join(out, split, f"class{idx % 2}")
            os.makedirs(folder, exist_ok=True)
            h, w = rng.integers(300, 501, size=2)
            y, x = np.mgrid[0:h, 0:w]
            base = np.stack([x / w, y / h, (x + y) / (w + h)], axis=-1) * rng.uniform(100, 255, size=3)
            if learnable and idx % 2 == 1:
                base = base[..., [1, 0, 2]]
            pixels = np.clip(base + rng.normal(0, 12, size=(h, w, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(os.path.join(folder, f"{idx}.jpg"), quality=90)


if __name__ == "__main__":
    main()
