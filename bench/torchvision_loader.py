#!/usr/bin/python3
"""torchvision's input pipeline equivalent to xp's side_on augmentation at 224 (fastai 0.7's
RandomScale(1.1) → RandomRotate(10) → RandomLighting(0.05, 0.05) → RandomFlip → RandomCrop(224)),
timed over EPOCHS epochs of ImageFolder + DataLoader(batch 64, shuffle, drop_last). Prints images/s.

usage: torchvision_loader.py TRAIN_FOLDER WORKERS EPOCHS
"""
import sys
import time

import torch
import torchvision.transforms as T
from torchvision.datasets import ImageFolder


def main():
    folder, workers, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    transform = T.Compose([
        T.Resize(int(224 * 1.05)),  # the mean of RandomScale's zoom
        T.RandomRotation(10),
        T.ColorJitter(brightness=0.05, contrast=0.05),
        T.RandomHorizontalFlip(),
        T.RandomCrop(224),
        T.ToTensor(),
        T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    loader = torch.utils.data.DataLoader(ImageFolder(folder, transform), batch_size=64, shuffle=True,
                                         drop_last=True, num_workers=workers)
    images = 0
    start = time.perf_counter()
    for _ in range(epochs):
        for batch, _labels in loader:
            images += batch.shape[0]
    print(f"{images / (time.perf_counter() - start):.1f}")


if __name__ == "__main__":
    main()
