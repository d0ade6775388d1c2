#!/usr/bin/python3
"""The peer of `xp predict` in bench/predict_bench.sh: the same network, rebuilt from `xp export`'s
file by README.md's code (tests/tools/export_predict.py), predicting every image below a folder the
way a PyTorch user would — PIL decoding, torchvision's Resize + CenterCrop + ToTensor + Normalize
(fastai's validation transform, up to the resampling filter), a DataLoader with WORKERS processes,
torch.no_grad, THREADS intra-op threads. Prints the images per second over the whole pass.

usage: pytorch_predict.py MODEL.pth FOLDER WORKERS THREADS BATCH
"""
import json
import os
import sys
import time

import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "tools"))
from export_predict import load_xp_export  # noqa: E402


class Images(torch.utils.data.Dataset):
    def __init__(self, files, transform):
        self.files, self.transform = files, transform

    def __len__(self):
        return len(self.files)

    def __getitem__(self, idx):
        return self.transform(Image.open(self.files[idx]).convert("RGB"))


def main():
    model_file, folder = sys.argv[1], sys.argv[2]
    workers, threads, batch = (int(arg) for arg in sys.argv[3:6])
    torch.set_num_threads(threads)
    saved = torch.load(model_file, weights_only=True)
    meta = saved["metadata"]
    model = load_xp_export(saved["state_dict"], meta)
    size = int(meta["input_size"])
    transform = transforms.Compose([
        transforms.Resize(size), transforms.CenterCrop(size), transforms.ToTensor(),
        transforms.Normalize(json.loads(meta["mean"]), json.loads(meta["std"]))])
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(folder) for f in names
                   if f.lower().endswith((".jpg", ".jpeg", ".png")))
    loader = torch.utils.data.DataLoader(Images(files, transform), batch_size=batch,
                                         num_workers=workers)
    started = time.perf_counter()
    outputs = []
    with torch.no_grad():
        for images in loader:
            outputs.append(model(images).exp())
    seconds = time.perf_counter() - started
    print(f"{len(files) / seconds:.1f}")


if __name__ == "__main__":
    main()
