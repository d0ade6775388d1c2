#!/usr/bin/python3
"""fastai v2's LR suggestion functions (fastai/callback/schedule.py: valley, slide, minimum, steep),
written out from fastai's code, applied as Learner.lr_find does — on lrs[num_it//10:-5] and
losses[num_it//10:-5], cut at the first NaN — to seeded random loss curves. For xp's parity test.

usage: lr_suggestions.py OUT_FILE
Each case is two lines: "curve n: lr lr …" and "losses: loss …", then "expected: valley slide minimum steep".
"""
import sys

import numpy as np


def valley(lrs, losses):
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[idx])


def slide(lrs, losses, lr_diff=15, thresh=.005, adjust_value=1.):
    loss_grad = np.gradient(losses)
    r_idx = -1
    l_idx = r_idx - lr_diff
    local_min_lr = lrs[l_idx]
    while (l_idx >= -len(losses)) and (abs(loss_grad[r_idx] - loss_grad[l_idx]) > thresh):
        local_min_lr = lrs[l_idx]
        r_idx -= 1
        l_idx -= 1
    return float(local_min_lr * adjust_value)


def minimum(lrs, losses):
    return float(lrs[np.argmin(losses)] / 10)


def steep(lrs, losses):
    grads = (losses[1:] - losses[:-1]) / (np.log(lrs[1:]) - np.log(lrs[:-1]))
    return float(lrs[np.argmin(grads)])


def main():
    rng = np.random.RandomState(3)
    with open(sys.argv[1], "w") as out:
        for case in range(12):
            num_it = [100, 100, 60, 250][case % 4]
            lrs = 1e-7 * (1e8 ** (np.arange(num_it) / num_it))
            x = np.log10(lrs)
            dip = rng.uniform(-5, -1)
            losses = 1.0 + 0.3 * np.tanh(dip - x) + 0.5 * np.clip(x - dip - 1, 0, None) ** 2
            losses = losses + rng.normal(0, 0.01 * (1 + case % 3), num_it)
            if case == 5:
                losses[num_it // 2:] = np.nan  # fastai drops everything from the first NaN
            window_lrs, window_losses = lrs[num_it // 10:-5], losses[num_it // 10:-5]
            nan = np.nonzero(np.isnan(window_losses))[0]
            if len(nan):
                window_lrs, window_losses = window_lrs[:nan[0]], window_losses[:nan[0]]
            expected = [valley(window_lrs, window_losses), slide(window_lrs, window_losses),
                        minimum(window_lrs, window_losses), steep(window_lrs, window_losses)]
            out.write(f"curve {num_it}: " + " ".join(repr(float(v)) for v in lrs) + "\n")
            out.write("losses: " + " ".join(repr(float(v)) for v in losses) + "\n")
            out.write("expected: " + " ".join(repr(v) for v in expected) + "\n")


if __name__ == "__main__":
    main()
