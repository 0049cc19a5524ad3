#!/usr/bin/env python3
"""evaluate.py - the model's error on the weeks it did not train on (those
after its valid_from), as a JSON metrics file for pipe-run."""
import argparse
import datetime
import json
import math

import co2model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("data")
    ap.add_argument("out")
    a = ap.parse_args()
    model = co2model.load(a.model)
    cut = datetime.date.fromisoformat(model["valid_from"])
    rows = [r for r in co2model.read_rows(a.data) if r[0] > cut]
    errs = [co2model.predict(model, x) - y for _, x, y in rows]
    m = {"rmse": math.sqrt(sum(e * e for e in errs) / len(errs)),
         "mae": sum(abs(e) for e in errs) / len(errs),
         "bias": sum(errs) / len(errs),
         "valid_rows": len(errs)}
    with open(a.out, "w") as f:
        json.dump(m, f, indent=1, sort_keys=True)
        f.write("\n")
    print("evaluate: rmse %.3f ppm, mae %.3f ppm on %d weeks"
          % (m["rmse"], m["mae"], len(errs)))


if __name__ == "__main__":
    main()
