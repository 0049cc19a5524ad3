#!/usr/bin/env python3
"""train.py - fit co2model by full-batch gradient descent.  Prints one
`::metric loss=... step=N` and `::metric val_rmse=... step=N` line per
epoch, which pipe-run hands to exp-log; writes the model as JSON."""
import argparse
import math

import co2model


def rmse(model, rows):
    return math.sqrt(sum((co2model.predict(model, x) - y) ** 2
                         for _, x, y in rows) / len(rows))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, required=True)
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--valid-years", type=int, default=3)
    ap.add_argument("train")
    ap.add_argument("out")
    a = ap.parse_args()
    train, valid, cut = co2model.split(co2model.read_rows(a.train),
                                       a.valid_years)
    k = len(co2model.FEATURES)
    mean = [sum(x[i] for _, x, _ in train) / len(train) for i in range(k)]
    std = [math.sqrt(sum((x[i] - mean[i]) ** 2 for _, x, _ in train)
                     / len(train)) or 1.0 for i in range(k)]
    y_mean = sum(y for _, _, y in train) / len(train)
    y_std = math.sqrt(sum((y - y_mean) ** 2 for _, _, y in train)
                      / len(train))
    xs = [[(x[i] - mean[i]) / std[i] for i in range(k)] for _, x, _ in train]
    ys = [(y - y_mean) / y_std for _, _, y in train]
    model = {"features": co2model.FEATURES, "mean": mean, "std": std,
             "y_mean": y_mean, "y_std": y_std, "weights": [0.0] * k,
             "bias": 0.0, "lr": a.lr, "epochs": a.epochs,
             "valid_from": cut.isoformat(), "train_rows": len(train)}
    w, b, n = model["weights"], 0.0, len(xs)
    for epoch in range(1, a.epochs + 1):
        grad_w, grad_b, loss = [0.0] * k, 0.0, 0.0
        for x, y in zip(xs, ys):
            err = b + sum(wi * xi for wi, xi in zip(w, x)) - y
            loss += err * err
            grad_b += err
            for i in range(k):
                grad_w[i] += err * x[i]
        b -= a.lr * 2 * grad_b / n
        for i in range(k):
            w[i] -= a.lr * 2 * grad_w[i] / n
        model["bias"] = b
        # the loss in ppm squared, before this epoch's step
        print(f"::metric loss={loss / n * y_std ** 2:.6g} step={epoch}")
        print(f"::metric val_rmse={rmse(model, valid):.6g} step={epoch}")
    co2model.save(model, a.out)
    print(f"train: {len(train)} weeks to {cut}, {len(valid)} to validate")


if __name__ == "__main__":
    main()
