#!/usr/bin/python3
"""Writes torchvision reference data for xp's model parity tests.

For each architecture: build it with a fixed seed (random weights: no ImageNet weights can be
downloaded here), give BatchNorm non-trivial running statistics, and write
  <arch>.pth           the state_dict exactly as torchvision publishes weights: torch.save of the
                       OrderedDict (with its _metadata), zip format
  <arch>.safetensors   the same state_dict as safetensors
  <arch>-io.safetensors  'input' (a fixed batch) and 'features' (the body's output after fastai's
                       concat pooling, in eval mode) as the reference xp must reproduce.
  densenet121-legacy.pth  (densenet only) the same weights under the old key names of torchvision's
                       published DenseNet files ("denselayer1.norm.1.weight")
With --torchscript, for each (resnet) arch also:
  <arch>-body.pt       torch.jit.script of the body as a module with torchvision's names (what a
                       user exports from timm or torchvision), ready for model.arch: torchscript
  <arch>-script.pt     torch.jit.script of the whole torchvision model (a classifier, not a body)
The safetensors writer is the format's specification written out (Debian ships no safetensors
module): 8-byte little-endian header length, JSON header, raw little-endian data.

usage: torchvision_reference.py [--torchscript] OUT_DIR ARCH [ARCH ...]
"""
import json
import re
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


def body_of(arch, model):
    """fastai 0.7's body: resnets cut after layer4 (cut = 8), vgg and densenet keep `.features`."""
    if arch.startswith(("vgg", "densenet")):
        return model.features
    return torch.nn.Sequential(*list(model.children())[:8])


class ResNetBody(torch.nn.Module):
    """A resnet without avgpool and fc, keeping torchvision's module names."""

    def __init__(self, model):
        super().__init__()
        for name in ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]:
            setattr(self, name, getattr(model, name))

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def legacy_densenet_keys(state_dict):
    """torchvision's published DenseNet files, saved by PyTorch 0.3: key names norm.1 for norm1,
    conv.2 for conv2, and no BatchNorm num_batches_tracked (added in PyTorch 0.4.1)."""
    pattern = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))((?:[12])\.(?:weight|bias|running_mean|running_var))$")
    return {pattern.sub(r"\1.\2", key): value for key, value in state_dict.items()
            if not key.endswith("num_batches_tracked")}


def main():
    args = sys.argv[1:]
    torchscript = "--torchscript" in args
    args = [arg for arg in args if arg != "--torchscript"]
    out_dir, archs = args[0], args[1:]
    # The parity tests' tolerance depends on whether xp runs on this same LibTorch.
    with open(f"{out_dir}/torch_version.txt", "w") as out:
        out.write(torch.__version__.split("+")[0])
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
        body = body_of(arch, model)
        inputs = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            features = concat_pool(body(inputs))
        torch.save(model.state_dict(), f"{out_dir}/{arch}.pth")
        write_safetensors(f"{out_dir}/{arch}.safetensors", model.state_dict())
        write_safetensors(f"{out_dir}/{arch}-io.safetensors", {"input": inputs, "features": features})
        if arch.startswith("densenet"):
            torch.save(legacy_densenet_keys(model.state_dict()), f"{out_dir}/{arch}-legacy.pth")
        if torchscript:
            torch.jit.save(torch.jit.script(ResNetBody(model)), f"{out_dir}/{arch}-body.pt")
            torch.jit.save(torch.jit.script(model), f"{out_dir}/{arch}-script.pt")


if __name__ == "__main__":
    main()
