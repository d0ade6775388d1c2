#!/usr/bin/env python3
"""Rebuilds an `xp export` file's network with torchvision, as README.md's "Using a trained model"
shows, and prints its probabilities for images already at the network's input size:

    export_predict.py MODEL.pth|MODEL.safetensors|MODEL.torchscript IMAGE...
        ->  path,p_class0,p_class1,...

A .torchscript file needs no rebuilding: torch.jit.load runs it, its metadata in the extra file
metadata.json. The e2e test compares them with `xp predict`. The safetensors package is not in Debian 12, so
.safetensors files are read here with the format's few lines (8-byte header length, JSON header,
raw little-endian bytes); with the package, safetensors.safe_open does the same.
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torch import nn


# ---- README.md's code, from here ----
def load_xp_export(tensors, meta):
    """The network of an `xp export` file: tensors and metadata as the file holds them."""
    net = getattr(torchvision.models, meta["arch"])()
    body_tensors = {k: v for k, v in tensors.items() if not k.startswith("head.")}
    missing, unexpected = net.load_state_dict(body_tensors, strict=False)
    assert not unexpected and all(k.startswith(("fc.", "classifier.")) for k in missing)
    body = net.features if hasattr(net, "features") else nn.Sequential(*list(net.children())[:-2])

    layers = {"BatchNorm1d": nn.BatchNorm1d, "Dropout": nn.Dropout, "Linear": nn.Linear,
              "ReLU": nn.ReLU, "LogSoftmax": nn.LogSoftmax, "Sigmoid": nn.Sigmoid}
    head = nn.Sequential(*[layers[spec.pop("type")](**spec) for spec in json.loads(meta["head"])])
    head.load_state_dict({k[len("head."):]: v for k, v in tensors.items() if k.startswith("head.")})

    class XpClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.head = body, head

        def forward(self, x):  # x: normalized RGB, [B, 3, input_size, input_size]
            x = self.body(x)
            x = torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1)
            return self.head(x.flatten(1))

    return XpClassifier().eval()
# ---- to here ----


def read_safetensors(path):
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "F16": torch.float16}
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    meta = header.pop("__metadata__")
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + length + begin:8 + length + end])
        tensors[name] = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return tensors, meta


def main():
    path, images = sys.argv[1], sys.argv[2:]
    if path.endswith(".torchscript"):
        extra = {"metadata.json": ""}
        model = torch.jit.load(path, _extra_files=extra).eval()  # eval() as users call it
        meta = json.loads(extra["metadata.json"])  # lists and numbers as JSON values
    else:
        if path.endswith(".safetensors"):
            tensors, meta = read_safetensors(path)
        else:
            saved = torch.load(path, weights_only=True)
            tensors, meta = saved["state_dict"], saved["metadata"]
        model = load_xp_export(tensors, meta)
        meta = {k: json.loads(v) if k in ("input_size", "mean", "std") else v
                for k, v in meta.items()}
    size = int(meta["input_size"])
    mean = torch.tensor(meta["mean"]).view(3, 1, 1)
    std = torch.tensor(meta["std"]).view(3, 1, 1)
    batch = []
    for image in images:
        pixels = np.asarray(Image.open(image).convert("RGB"), dtype=np.float32)
        assert pixels.shape[:2] == (size, size), f"{image}: expected {size}x{size} pixels"
        batch.append((torch.from_numpy(pixels).permute(2, 0, 1) / 255 - mean) / std)
    with torch.no_grad():
        out = model(torch.stack(batch))
    probs = out.exp() if meta["output"] == "log_probabilities" else out
    for image, row in zip(images, probs.tolist()):
        print(",".join([image] + ["%.9g" % p for p in row]))


if __name__ == "__main__":
    main()
