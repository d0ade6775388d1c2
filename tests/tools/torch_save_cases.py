#!/usr/bin/python3
"""Writes .pth files that xp's reader must accept or refuse, with Debian's torch.

  small.pth        OrderedDict {weight: 2x3 float, bias: 2 float, steps: int64 scalar} + _metadata,
                   with 'view' sharing weight's storage (a row of it)
  wrapped.pth      {"state_dict": <the same>, "epoch": 3}, as training checkpoints are saved
  legacy.pth       the pre-1.6, non-zip format
  code.pth         a dict holding a collections.Counter: a global xp must refuse, never call
  truncated.pth    small.pth cut in half
  deep.pth         a torch.save-shaped zip whose data.pkl is a list inside 200,000 nested tuples
  overflow.pth     a tensor whose sizes times strides overflow int64 (2^62 × 2^62 with strides 4, 1)
  broadcast.pth    a stride-0 view of 6 floats claiming 2^40 elements
  script.pth       a torch.jit.save archive whose __setstate__ raises "code from the weights file ran"
                   when loaded: code a weights reader must never run

usage: torch_save_cases.py OUT_DIR
"""
import collections
import sys
import zipfile
from typing import Tuple

import torch

out = sys.argv[1]
weight = torch.arange(6, dtype=torch.float32).reshape(2, 3)
state = collections.OrderedDict(weight=weight, bias=torch.tensor([0.5, -1.5]), steps=torch.tensor(7),
                                view=weight[1])
state._metadata = collections.OrderedDict({"": {"version": 1}})
torch.save(state, f"{out}/small.pth")
torch.save({"state_dict": state, "epoch": 3}, f"{out}/wrapped.pth")
torch.save(state, f"{out}/legacy.pth", _use_new_zipfile_serialization=False)
torch.save({"weight": weight, "counts": collections.Counter("ab")}, f"{out}/code.pth")


class RunsCodeWhenLoaded(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(weight.clone())

    def forward(self, x):
        return x

    @torch.jit.export
    def __getstate__(self):
        return (self.weight, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, bool]):
        self.weight = state[0]
        self.training = state[1]
        raise RuntimeError("code from the weights file ran")


class RebuiltAs:
    """Pickles as torch's own _rebuild_tensor_v2 call over weight's storage, with any size and stride."""

    def __init__(self, size, stride):
        self.size, self.stride = size, stride

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (weight.storage(), 0, self.size, self.stride, False, collections.OrderedDict()))


torch.save({"weight": RebuiltAs((2**62, 2**62), (4, 1))}, f"{out}/overflow.pth")
torch.save({"weight": RebuiltAs((2**40,), (0,))}, f"{out}/broadcast.pth")
torch.jit.save(torch.jit.script(RunsCodeWhenLoaded()), f"{out}/script.pth")
with zipfile.ZipFile(f"{out}/deep.pth", "w") as archive:
    archive.writestr("deep/data.pkl", b"\x80\x02]" + b"\x85" * 200000 + b".")
    archive.writestr("deep/version", "3\n")
with open(f"{out}/small.pth", "rb") as f:
    data = f.read()
with open(f"{out}/truncated.pth", "wb") as f:
    f.write(data[: len(data) // 2])
