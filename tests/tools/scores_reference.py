#!/usr/bin/python3
"""Reference values for xp's whole-split scores and TTA combination, written from the definitions
the fastai lessons use — scikit-learn's log_loss (eps=1e-15 clipping, rows renormalized),
fbeta_score(beta=2, average='samples') through per-sample precision and recall (a sample with
tp + fp = 0 or tp + fn = 0 gets 0), planet's f2 threshold search over np.arange(0.17, 0.24, 0.01),
fastai 0.7's TTA stack mean and v2's lerp — on seeded random predictions. For scores_parity_test.

usage: scores_reference.py OUT_FILE
Writes "name: value value …" lines: the inputs (single_probs, single_labels, multi_probs,
multi_labels, plain, aug0…aug5, with their shapes) and the expected results.
"""
import sys

import numpy as np


def log_loss(y, probs, eps=1e-15):
    p = np.clip(probs, eps, 1 - eps)
    p = p / p.sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def fbeta_samples(targets, preds, beta):
    scores = []
    for t, p in zip(targets.astype(bool), preds.astype(bool)):
        tp = np.sum(t & p)
        fp = np.sum(~t & p)
        fn = np.sum(t & ~p)
        precision = tp / (tp + fp) if tp + fp > 0 else 0.0
        recall = tp / (tp + fn) if tp + fn > 0 else 0.0
        denominator = beta**2 * precision + recall
        scores.append((1 + beta**2) * precision * recall / denominator if denominator > 0 else 0.0)
    return float(np.mean(scores))


def planet_f2(preds, targs, start=0.17, end=0.24, step=0.01):
    best, best_th = -1, 0
    for th in np.arange(start, end, step):
        score = fbeta_samples(targs, preds > th, 2)
        if score > best:
            best, best_th = score, th
    return best, best_th


def line(name, array):
    flat = np.asarray(array, dtype=np.float64).ravel()
    return name + ": " + " ".join(repr(float(v)) for v in flat) + "\n"


def main():
    rng = np.random.RandomState(20181)
    n, c = 50, 5
    logits = rng.randn(n, c) * 2
    single = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    single[3] = [1, 0, 0, 0, 0]  # a certain prediction: exercises the clipping
    single_labels = rng.randint(0, c, n)
    single_labels[3] = 2
    # Probabilities around planet's thresholds (0.17 … 0.23), labels loosely following them, so
    # that the threshold search has an interior optimum.
    multi = 0.14 + 0.12 * rng.rand(n, c)
    multi_labels = (multi + 0.02 * rng.randn(n, c) > 0.205).astype(np.float64)
    multi_labels[0] = 0  # a sample without labels
    plain = single
    augs = [np.exp(l) / np.exp(l).sum(1, keepdims=True) for l in (logits + rng.randn(6, n, c))]
    with open(sys.argv[1], "w") as out:
        out.write(line("single_probs", single))
        out.write(line("single_labels", single_labels))
        out.write(line("multi_probs", multi))
        out.write(line("multi_labels", multi_labels))
        for k, aug in enumerate(augs):
            out.write(line(f"aug{k}", aug))
        out.write(line("accuracy", [np.mean(single.argmax(1) == single_labels)]))
        out.write(line("log_loss", [log_loss(single_labels, single)]))
        for th in (0.2, 0.5):
            out.write(line(f"f2_at_{th}", [fbeta_samples(multi_labels, multi > th, 2)]))
        f2, th = planet_f2(multi, multi_labels)
        out.write(line("planet_f2", [f2, th]))
        # fastai 0.7: TTA returns np.stack([preds1] * ceil(n_aug / 4) + preds2); the lessons take the mean.
        out.write(line("tta_v07_n4", np.mean(np.stack([plain] + augs[:4]), 0)))
        out.write(line("tta_v07_n6", np.mean(np.stack([plain] * 2 + augs[:6]), 0)))
        # fastai v2: torch.lerp(aug, preds, beta) = aug + beta * (preds - aug), aug = mean of the passes.
        aug = np.mean(np.stack(augs[:4]), 0)
        out.write(line("tta_v2_beta025", aug + 0.25 * (plain - aug)))


if __name__ == "__main__":
    main()
