#!/usr/bin/python3
"""Writes torchvision reference data for xp's model parity tests.

For each architecture: build it with a fixed seed (random weights: no ImageNet weights can be
downloaded here), give BatchNorm non-trivial running statistics, and write
  <arch>.pth           the state_dict exactly as torchvision publishes weights: torch.save of the
                       OrderedDict (with its _metadata), zip format
  <arch>.safetensors   the same state_dict as safetensors
  <arch>-io.safetensors  'input' (a fixed batch) and 'features' (the body's output after fastai's
                       concat pooling, in eval mode) as the reference xp must reproduce.
The safetensors writer is the format's specification written out (Debian ships no safetensors
module): 8-byte little-endian header length, JSON header, raw little-endian data.

usage: torchvision_reference.py OUT_DIR ARCH [ARCH ...]
"""
import json
import struct
import sys

import torch
import torchvision

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64"}


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for chunk in chunks:
            out.write(chunk)


def concat_pool(x):
    return torch.cat([torch.amax(x, dim=(2, 3)), torch.mean(x, dim=(2, 3))], dim=1)


def main():
    out_dir, archs = sys.argv[1], sys.argv[2:]
    for arch in archs:
        torch.manual_seed(0)
        model = getattr(torchvision.models, arch)()
        # Running statistics other than (0, 1) so that a wrong BN mapping cannot go unnoticed.
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.data.uniform_(0.5, 1.5)
                module.bias.data.uniform_(-0.2, 0.2)
        model.eval()
        body = torch.nn.Sequential(*list(model.children())[:8])  # fastai's cut for resnets
        inputs = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            features = concat_pool(body(inputs))
        torch.save(model.state_dict(), f"{out_dir}/{arch}.pth")
        write_safetensors(f"{out_dir}/{arch}.safetensors", model.state_dict())
        write_safetensors(f"{out_dir}/{arch}-io.safetensors", {"input": inputs, "features": features})


if __name__ == "__main__":
    main()
