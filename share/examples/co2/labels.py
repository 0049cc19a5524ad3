#!/usr/bin/env python3
"""labels.py - the training labels: for each week, the CO2 measured HORIZON
weeks later.  Reads the feature store's export (station,date,co2) and writes
station,event_timestamp,target: the entity rows fs-ingest join fills in,
for the weeks up to --until (a param, so that a pipeline run says which
data it trained on).

Only the label comes from the future; the features are joined at each
row's own time, so a model never sees what it must predict."""
import argparse
import csv
import datetime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--horizon", type=int, default=52, help="weeks ahead")
    ap.add_argument("--until", type=datetime.date.fromisoformat,
                    help="no label rows after this day (the training cut)")
    ap.add_argument("snapshot")
    ap.add_argument("out")
    a = ap.parse_args()
    value = {}
    with open(a.snapshot, newline="") as f:
        for row in csv.DictReader(f):
            day = datetime.date.fromisoformat(row["date"][:10])
            value[(row["station"], day)] = row["co2"]
    ahead = datetime.timedelta(weeks=a.horizon)
    n = 0
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["station", "event_timestamp", "target"])
        for (station, day), _ in sorted(value.items()):
            target = value.get((station, day + ahead), "")
            if target == "":
                continue  # unknown yet, or a week without a measurement
            if a.until and day > a.until:
                continue
            w.writerow([station, day.isoformat(), target])
            n += 1
    print(f"labels: {n} weeks with a value {a.horizon} weeks later")


if __name__ == "__main__":
    main()
