#!/usr/bin/python3
"""Checks an `xp features` file against torchvision, independently of xp.

Reads the IDX images named by the file's ids, applies the same deterministic transform by hand
(no resize: the recipe's size equals the images' 28 px; gray to three channels; ImageNet
normalization), runs torchvision's body with the given weights and fastai's concat pooling, and
compares with the file's features. Exits 1 when they disagree.

usage: check_features.py FEATURES.h5 DATA_DIR ARCH WEIGHTS.pth
"""
import gzip
import sys

import h5py
import numpy as np
import torch
import torchvision


def read_idx(path):
    data = gzip.open(path).read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


features_path, data_dir, arch, weights = sys.argv[1:5]
with h5py.File(features_path, "r") as f:
    features = torch.tensor(f["features"][()])
    labels = f["labels"][()]
    ids = [i.decode() if isinstance(i, bytes) else i for i in f["ids"][()]]

files = {}
rows = []
for image_id in ids:
    name, index = image_id.split("#")
    if name not in files:
        files[name] = read_idx(f"{data_dir}/{name}")
    rows.append(files[name][int(index)])
images = torch.tensor(np.stack(rows), dtype=torch.float32)[:, None].repeat(1, 3, 1, 1) / 255
mean = torch.tensor([0.485, 0.456, 0.406])[None, :, None, None]
std = torch.tensor([0.229, 0.224, 0.225])[None, :, None, None]
images = (images - mean) / std

model = getattr(torchvision.models, arch)()
model.load_state_dict(torch.load(weights))
model.eval()
body = torch.nn.Sequential(*list(model.children())[:8])
with torch.no_grad():
    out = body(images)
    reference = torch.cat([torch.amax(out, dim=(2, 3)), torch.mean(out, dim=(2, 3))], dim=1)

# The input transform is float arithmetic in a different order here (x/255 − mean)/std versus xp's
# x·(1/(255·std)) − mean/std, so rounding differs in the last bit and grows through the layers:
# compare against the features' own scale.
difference = ((features - reference).abs().max() / reference.abs().max()).item()
print(f"{len(ids)} images, {features.shape[1]} features, {len(set(labels.tolist()))} labels, "
      f"max difference {difference:.3g} of the largest feature")
sys.exit(0 if features.shape == reference.shape and difference < 1e-5 else 1)
