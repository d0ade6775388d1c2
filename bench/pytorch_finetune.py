#!/usr/bin/python3
"""The peer of xp's unfrozen fine-tune epoch, written as a PyTorch user would: torchvision's
ImageFolder with transforms equivalent to fastai's side_on at SIZE (as torchvision_loader.py),
DataLoader(batch 64, shuffle, drop_last, WORKERS workers), torchvision's ARCH with the weights xp
loads plus fastai's head (concat pool, BN, dropout 0.25, Linear 512, ReLU, BN, dropout 0.5,
Linear, LogSoftmax), every layer trainable, SGD momentum 0.9 with per-group LRs 1e-4/1e-3/1e-2
cosine-annealed per batch, NLL loss; each epoch then validates. Same threads, device and precision
as xp: on a GPU as a PyTorch user writes it for speed (pinned batches copied with non_blocking,
torch.autocast to bf16, channels_last model and inputs, cudnn.benchmark).
Prints one line per epoch: "epoch N SECONDS".

usage: pytorch_finetune.py DATA_FOLDER WEIGHTS.pth ARCH SIZE THREADS WORKERS EPOCHS
                           [DEVICE=cpu] [PRECISION=fp32] [CHANNELS_LAST=0] [BATCH=64]
"""
import contextlib
import math
import sys
import time

import torch
import torch.nn as nn
import torchvision
import torchvision.transforms as T
from torchvision.datasets import ImageFolder

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


class ConcatPool(nn.Module):
    def forward(self, x):
        return torch.cat([torch.amax(x, dim=(2, 3)), torch.mean(x, dim=(2, 3))], 1)


def main():
    folder, weights, arch, size, threads, workers, epochs = sys.argv[1:8]
    size, threads, workers, epochs = int(size), int(threads), int(workers), int(epochs)
    extra = sys.argv[8:] + [None] * 4
    device = torch.device(extra[0] or "cpu")
    precision = extra[1] or "fp32"
    channels_last = (extra[2] or "0") in ("1", "true")
    batch = int(extra[3] or 64)
    on_gpu = device.type == "cuda"
    torch.backends.cudnn.benchmark = True
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    autocast_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    train_tf = T.Compose([T.Resize(int(size * 1.05)), T.RandomRotation(10), T.ColorJitter(0.05, 0.05),
                          T.RandomHorizontalFlip(), T.RandomCrop(size), T.ToTensor(), T.Normalize(MEAN, STD)])
    valid_tf = T.Compose([T.Resize(size), T.CenterCrop(size), T.ToTensor(), T.Normalize(MEAN, STD)])
    train = torch.utils.data.DataLoader(ImageFolder(f"{folder}/train", train_tf), batch_size=batch, shuffle=True,
                                        drop_last=True, num_workers=workers, pin_memory=on_gpu)
    valid = torch.utils.data.DataLoader(ImageFolder(f"{folder}/valid", valid_tf), batch_size=batch,
                                        num_workers=workers, pin_memory=on_gpu)

    backbone = getattr(torchvision.models, arch)()
    backbone.load_state_dict(torch.load(weights))
    body = nn.Sequential(*list(backbone.children())[:-2])
    features = 2 * backbone.fc.in_features
    classes = len(train.dataset.classes)
    head = nn.Sequential(ConcatPool(), nn.BatchNorm1d(features), nn.Dropout(0.25), nn.Linear(features, 512), nn.ReLU(),
                         nn.BatchNorm1d(512), nn.Dropout(0.5), nn.Linear(512, classes), nn.LogSoftmax(dim=1))
    model = nn.Sequential(body, head).to(device, memory_format=memory_format)
    # fastai's layer groups for resnets: conv1…layer2 | layer3, layer4 | head.
    children = list(body.children())
    groups = [nn.ModuleList(children[:6]), nn.ModuleList(children[6:]), head]
    base_lrs = [1e-4, 1e-3, 1e-2]
    optimizer = torch.optim.SGD([{"params": g.parameters(), "lr": lr} for g, lr in zip(groups, base_lrs)],
                                lr=1e-2, momentum=0.9)
    scaler = torch.cuda.amp.GradScaler(enabled=precision == "fp16")

    def forward(images):
        images = images.to(device, non_blocking=True).contiguous(memory_format=memory_format)
        autocast = torch.autocast(device.type, dtype=autocast_dtype) if autocast_dtype else contextlib.nullcontext()
        with autocast:
            return model(images).float()
    total = epochs * len(train)
    iteration = 0
    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        for images, labels in train:
            multiplier = (math.cos(math.pi * iteration / total) + 1) / 2
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr * multiplier
            optimizer.zero_grad()
            loss = nn.functional.nll_loss(forward(images), labels.to(device, non_blocking=True))
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            iteration += 1
        model.eval()
        with torch.no_grad():
            for images, labels in valid:
                nn.functional.nll_loss(forward(images), labels.to(device, non_blocking=True))
        if on_gpu:
            torch.cuda.synchronize()
        print(f"epoch {epoch} {time.perf_counter() - start:.3f}", flush=True)


if __name__ == "__main__":
    main()
