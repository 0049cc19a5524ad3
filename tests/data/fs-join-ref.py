# Reference for t0300 (tests/data/fs-join-*.csv): pandas merge_asof
# (direction="backward", by="user_id", allow_exact_matches=True, and for the
# TTL case tolerance=2 days) on generated data.  Made with Debian's
# python3-pandas 1.5.3:  /usr/bin/python3 fs-join-ref.py > ref.txt, then the
# three blocks of ref.txt split into the files (see t0300).
import random, pandas as pd
random.seed(7)
base = pd.Timestamp("2026-01-01T00:00:00Z")
rows = []
for k in range(1, 7):
    times = sorted(random.sample(range(0, 20 * 24), 7))  # hours
    for h in times:
        rows.append((k, base + pd.Timedelta(hours=h), round(random.uniform(0, 10), 2), random.randint(0, 99)))
feat = pd.DataFrame(rows, columns=["user_id", "ts", "score", "visits"])
ents = []
for i in range(30):
    k = random.randint(1, 8)  # 7 and 8 have no rows
    if i % 5 == 0 and k <= 6:  # an exact event time: included
        t = random.choice(list(feat[feat.user_id == k].ts))
    else:
        t = base + pd.Timedelta(minutes=random.randint(-600, 21 * 24 * 60))
    ents.append((i, k, t))
ent = pd.DataFrame(ents, columns=["row", "user_id", "event_timestamp"])
def fmt_t(t): return t.strftime("%Y-%m-%dT%H:%M:%SZ")
for ttl in (None, "2d"):
    l = ent.sort_values("event_timestamp")
    kw = {} if ttl is None else {"tolerance": pd.Timedelta(ttl)}
    m = pd.merge_asof(l, feat.sort_values("ts"), left_on="event_timestamp", right_on="ts",
                      by="user_id", direction="backward", allow_exact_matches=True, **kw)
    m = m.sort_values("row")
    print("# ttl", ttl)
    print("row,user_id,event_timestamp,score,visits")
    for r in m.itertuples():
        sc = "" if pd.isna(r.score) else repr(float(r.score))
        if sc.endswith(".0"): sc = sc[:-2]
        vi = "" if pd.isna(r.visits) else str(int(r.visits))
        print(f"{r.row},{r.user_id},{fmt_t(r.event_timestamp)},{sc},{vi}")
print("# features")
print("user_id,ts,score,visits")
for r in feat.itertuples():
    sc = repr(float(r.score)); sc = sc[:-2] if sc.endswith(".0") else sc
    print(f"{r.user_id},{fmt_t(r.ts)},{sc},{r.visits}")
