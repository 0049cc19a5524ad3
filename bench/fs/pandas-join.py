# pandas-join.py GROUP.csv ENTITIES.csv OUT.csv - the peer of `fs-ingest join`
# in bench-fs-ingest.sh: read_csv of both, merge_asof(by=key,
# direction="backward"), to_csv, the result in the entity table's order.
import sys

import numpy as np
import pandas as pd
group, entities, out = sys.argv[1:4]
g = pd.read_csv(group, parse_dates=["event_timestamp"])
e = pd.read_csv(entities, parse_dates=["event_timestamp"])
e["_row"] = np.arange(len(e))
# merge_asof needs both sides sorted on the time; the result goes back
# to the entity table's order
m = pd.merge_asof(e.sort_values("event_timestamp", kind="stable"),
                  g.sort_values("event_timestamp", kind="stable"),
                  on="event_timestamp", by="key", direction="backward")
m = m.sort_values("_row").drop(columns="_row")
m.to_csv(out, index=False)
