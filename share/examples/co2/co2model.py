"""co2model.py - the model shared by train.py and evaluate.py: a linear
regression of CO2 a year ahead on this week's CO2 and the season (the sine
and cosine of the day of the year), fitted by gradient descent on
standardized inputs.  Standard library only."""
import csv
import datetime
import json
import math
import os

FEATURES = ["co2", "season_sin", "season_cos"]


def read_rows(path):
    """(day, features, target) for each row with a feature and a label."""
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["co2"] == "" or r["target"] == "":
                continue  # a week without a measurement
            day = datetime.date.fromisoformat(r["event_timestamp"][:10])
            angle = 2 * math.pi * day.timetuple().tm_yday / 365.25
            x = [float(r["co2"]), math.sin(angle), math.cos(angle)]
            rows.append((day, x, float(r["target"])))
    rows.sort(key=lambda row: row[0])
    return rows


def split(rows, valid_years):
    """The last valid_years years of labels validate; the rest trains."""
    last = rows[-1][0]
    cut = last.replace(year=last.year - valid_years)
    train = [r for r in rows if r[0] <= cut]
    valid = [r for r in rows if r[0] > cut]
    return train, valid, cut


def predict(model, x):
    z = model["bias"]
    for xi, m, s, w in zip(x, model["mean"], model["std"], model["weights"]):
        z += w * (xi - m) / s
    return model["y_mean"] + model["y_std"] * z


def save(model, path):
    with open(path + ".tmp", "w") as f:
        json.dump(model, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)


def load(path):
    with open(path) as f:
        return json.load(f)
