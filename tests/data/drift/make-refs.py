#!/usr/bin/python3
"""make-refs.py - reference scores for drift-check's conformance tests.

Run by hand (make check never runs it: CI has no SciPy), from anywhere:

    /usr/bin/python3 tests/data/drift/make-refs.py [SHARED_DATA_DIR]

with Debian's SciPy 1.10, NumPy 1.24 (pandas is not needed).  It writes,
next to itself, the data files of tests/t0601-drift-check-scipy.sh and
t0602-drift-check-evidently.sh, and the cases file scipy.cases, whose head
says how a line reads.  SHARED_DATA_DIR defaults to ../shared/data beside
the source tree (co2.csv and randhie.csv, from statsmodels).

Every reference score is computed the way Evidently's legacy stattests
compute it (evidently/legacy/calculations/stattests/*.py and utils.py, read
at commit 05d85bbb892f4cbafa70d8ce8edbc766ed298c2c), re-stated below with
the SciPy and NumPy calls they make; the two methods Evidently lacks
(welch, mannwhitney) are the SciPy calls drift-check(1) names.  What
drift-check adds around the tests (reading a CSV, missing values, typing a
column, the auto choice, corrections, the verdict) is re-stated from
lib/drift.h and the issue, not read from the C code.

Derived files.  To keep the committed data small, some inputs are cut
from others by the test's setup, and here in the same way:

    randhie-a5k.csv     header + the first 5,000 rows of randhie-a.csv
    randhie-b5k.csv     header + the first 5,000 rows of randhie-b.csv
    randhie-b3k.csv     header + the first 3,000 rows of randhie-b.csv
    randhie-hlthg1.csv  header + the rows of randhie-a.csv, then of
                        randhie-b.csv, whose hlthg is 1
    randhie-hlthg0.csv  the same for hlthg 0
"""

import csv
import math
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
SHARED = (sys.argv[1] if len(sys.argv) > 1
          else os.path.join(SRC, "..", "shared", "data"))

RANDHIE_SEED = 20190      # numpy.random.default_rng(seed).permutation
RANDHIE_COLS = ["mdvis", "lncoins", "lpi", "hlthg"]

# ---- the methods: name -> (default threshold, rule, kinds) ---------------

P_LT, P_LE, D_GE, D_GT = "p<", "p<=", ">=", ">"
NUM, CAT = 1, 2
METHODS = {
    "ks": (0.05, P_LE, NUM),
    "chisquare": (0.05, P_LT, CAT),
    "z": (0.05, P_LT, CAT),
    "wasserstein": (0.1, D_GE, NUM),
    "jensenshannon": (0.1, D_GE, NUM | CAT),
    "psi": (0.1, D_GE, NUM | CAT),
    "kl_div": (0.1, D_GE, NUM | CAT),
    "hellinger": (0.1, D_GE, NUM | CAT),
    "anderson": (0.1, P_LT, NUM),
    "cramer_von_mises": (0.1, P_LE, NUM),
    "energy": (0.1, D_GT, NUM),
    "t_test": (0.05, P_LT, NUM),
    "mannw": (0.05, P_LT, NUM),
    "welch": (0.05, P_LT, NUM),
    "mannwhitney": (0.05, P_LT, NUM),
}
NUM_METHODS = [m for m, v in METHODS.items() if v[2] & NUM]
CAT_METHODS = [m for m, v in METHODS.items() if v[2] & CAT]


def is_pvalue(m):
    return METHODS[m][1] in (P_LT, P_LE)


def is_drift(m, score, t):
    if score is None or math.isnan(score):
        return False
    rule = METHODS[m][1]
    return {P_LT: score < t, P_LE: score <= t,
            D_GE: score >= t, D_GT: score > t}[rule]


# ---- reading a table as drift-check does ----------------------------------

class Column:
    """One column of one side: its row count, missing count, and either
    the finite numbers (all_numbers) or the text of each value."""

    def __init__(self, name):
        self.name = name
        self.rows = 0
        self.missing = 0
        self.nums = []
        self.texts = []
        self.all_numbers = True

    def add(self, s):
        self.rows += 1
        if s is None or s == "":
            self.missing += 1
            return
        try:
            v = float(s)
        except ValueError:
            v = None
        if v is not None and not math.isfinite(v):
            self.missing += 1       # NaN and infinities are missing
            return
        if v is None:
            self.all_numbers = False
        self.nums.append(v)
        self.texts.append(s)

    def values(self):
        """The non-missing values: floats while every one is a number."""
        return list(self.nums) if self.all_numbers else list(self.texts)


def read_side(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    cols = [Column(n) for n in rows[0]]
    for r in rows[1:]:
        if not r and len(cols) == 1:
            r = [""]                # a blank line: one missing value
        for c, s in zip(cols, r):
            c.add(s)
    return {c.name: c for c in cols}


# ---- Evidently's stattests, re-stated ------------------------------------

def nunique(x):
    return len(set(x))


def binned(r, c, numeric, fill):
    """utils.get_binned_data(): Sturges bins over both samples for a
    numeric column with more than 20 distinct reference values, else one
    bin per distinct value; proportions; with `fill`, each side's empty
    bins get min_nonzero / 1e6 (min_nonzero <= 1e-4) or 1e-4."""
    if numeric and nunique(r) > 20:
        edges = np.histogram_bin_edges(np.concatenate([r, c]), bins="sturges")
        rp = np.histogram(r, edges)[0] / len(r)
        cp = np.histogram(c, edges)[0] / len(c)
    else:
        keys = sorted(set(r) | set(c))
        rc = {k: 0 for k in keys}
        cc = {k: 0 for k in keys}
        for v in r:
            rc[v] += 1
        for v in c:
            cc[v] += 1
        rp = np.array([rc[k] / len(r) for k in keys])
        cp = np.array([cc[k] / len(c) for k in keys])
    if fill:
        for p in (rp, cp):
            low = p[p != 0].min()
            np.place(p, p == 0, low / 10**6 if low <= 0.0001 else 0.0001)
    return rp, cp


def ev_ks(r, c):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        p = stats.ks_2samp(r, c)[1]     # method "auto", as Evidently calls it
    path = ("exact" if max(len(r), len(c)) <= 10000 else "asymp")
    if any("Switching" in str(x.message) for x in w):
        path = "exact->asymp"
    KS_PATHS.append(path)
    return p


def ev_chisquare(r, c):
    keys = sorted(set(r) | set(c))
    k = len(c) / len(r)
    f_exp = [sum(1 for v in r if v == key) * k for key in keys]
    f_obs = [sum(1 for v in c if v == key) for key in keys]
    with np.errstate(divide="ignore", invalid="ignore"):
        return stats.chisquare(f_obs, f_exp)[1]


def ev_z(r, c):
    if nunique(r) == 1 and nunique(c) == 1 and r[0] == c[0]:
        return 1.0
    first = sorted(set(r) | set(c))[0]
    a = [0 if v == first else 1 for v in r]
    b = [0 if v == first else 1 for v in c]
    n1, n2 = len(a), len(b)
    p1, p2 = sum(a) / n1, sum(b) / n2
    pp = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pp * (1 - pp) * (1.0 / n1 + 1.0 / n2))
    return 2 * (1 - stats.norm.cdf(np.abs(z)))


def ev_wasserstein(r, c):
    return stats.wasserstein_distance(r, c) / max(np.std(r), 0.001)


def ev_jensenshannon(r, c, numeric):
    rp, cp = binned(r, c, numeric, False)
    return distance.jensenshannon(rp, cp)


def ev_psi(r, c, numeric):
    rp, cp = binned(r, c, numeric, True)
    return float(np.sum((rp - cp) * np.log(rp / cp)))


def ev_kl_div(r, c, numeric):
    rp, cp = binned(r, c, numeric, True)
    return stats.entropy(rp, cp)


def ev_hellinger(r, c, numeric):
    keys = list(set(r) | set(c))
    total = 0.0
    if not numeric:
        for key in keys:
            total += math.sqrt(r.count(key) / len(r) * c.count(key) / len(c))
    else:
        edges = np.histogram_bin_edges(keys, bins="sturges")
        h1 = np.histogram(np.array(r), bins=edges, density=True)[0]
        h2 = np.histogram(np.array(c), bins=edges, density=True)[0]
        width = (max(edges) - min(edges)) / (len(edges) - 1)
        for p1, p2 in zip(h1, h2):
            total += math.sqrt(p1 * p2) * width
    return math.sqrt(1 - float(np.clip(total, 0, 1)))


def ev_anderson(r, c):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # "p-value capped" notes
        return stats.anderson_ksamp([np.array(r), np.array(c)])[2]


def ev_cramer_von_mises(r, c):
    # Evidently's _cvm_2samp is SciPy's cramervonmises_2samp (method
    # "auto": exact up to 20 values a side, the tn < 0.003 shortcut)
    return stats.cramervonmises_2samp(r, c).pvalue


def score(method, r, c, numeric):
    """The score of `method` on the non-missing values r and c."""
    if not r or not c:
        return float("nan")
    if method == "ks":
        return ev_ks(r, c)
    if method == "chisquare":
        return ev_chisquare(r, c)
    if method == "z":
        return ev_z(r, c)
    if method == "wasserstein":
        return ev_wasserstein(r, c)
    if method == "jensenshannon":
        return ev_jensenshannon(r, c, numeric)
    if method == "psi":
        return ev_psi(r, c, numeric)
    if method == "kl_div":
        return ev_kl_div(r, c, numeric)
    if method == "hellinger":
        return ev_hellinger(r, c, numeric)
    if method == "anderson":
        return ev_anderson(r, c)
    if method == "cramer_von_mises":
        return ev_cramer_von_mises(r, c)
    if method == "energy":
        return stats.energy_distance(r, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "t_test":
            return stats.ttest_ind(r, c)[1]
        if method == "welch":
            return stats.ttest_ind(r, c, equal_var=False)[1]
    if method == "mannw":
        return stats.mannwhitneyu(r, c, alternative="less")[1]
    if method == "mannwhitney":
        return stats.mannwhitneyu(r, c, alternative="two-sided")[1]
    raise ValueError(method)


# ---- the check around the tests (lib/drift.h, issue 11) -------------------

def auto_method(numeric, n, u):
    """Evidently's registry._get_default_stattest() on drift-check's
    types: n non-missing reference values, u distinct values of both."""
    if n <= 1000:
        if numeric and u > 5:
            return "ks"
        return "z" if u <= 2 else "chisquare"
    return "wasserstein" if numeric and u > 5 else "jensenshannon"


def correct(cols, how):
    """Bonferroni, or Benjamini-Hochberg's step-up adjustment, over the
    columns whose method gives a p-value and that have one."""
    idx = [i for i, c in enumerate(cols)
           if is_pvalue(c["method"]) and not math.isnan(c["raw"])]
    m = len(idx)
    if how == "bonferroni":
        for i in idx:
            cols[i]["score"] = min(1.0, cols[i]["raw"] * m)
    elif how == "fdr":
        order = sorted(idx, key=lambda i: (cols[i]["raw"], i))
        running = 1.0
        for rank in range(m, 0, -1):
            i = order[rank - 1]
            running = min(running, cols[i]["raw"] * m / rank)
            cols[i]["score"] = min(1.0, running)


def check(ref, cur, method="auto", columns=None, categorical=(),
          numeric=(), column_method=None, threshold=None,
          correction="none", drift_share=0.5):
    """What `drift-check --json` must say about two sides."""
    column_method = column_method or {}
    names = columns or [n for n in ref if n in cur]
    cols = []
    for name in names:
        rc, cc = ref[name], cur[name]
        r, c = rc.values(), cc.values()
        if name in numeric:
            is_num = True
        elif name in categorical:
            is_num = False
        else:
            is_num = (rc.all_numbers and cc.all_numbers and
                      nunique(r) > 5)
        if not is_num and not (rc.all_numbers and cc.all_numbers):
            r, c = rc.texts, cc.texts   # categories by their text
        u = nunique(r + c)
        m = column_method.get(name, method)
        if m != "auto" and not METHODS[m][2] & (NUM if is_num else CAT):
            assert name not in column_method
            m = "auto"                  # a global method of the other type
        if m == "auto":
            m = auto_method(is_num, len(r), u)
        t = METHODS[m][0] if threshold is None else threshold
        s = score(m, r, c, is_num)
        mr = rc.missing / rc.rows if rc.rows else 0.0
        mc = cc.missing / cc.rows if cc.rows else 0.0
        cols.append({"column": name, "type": "num" if is_num else "cat",
                     "method": m, "raw": float(s), "score": float(s),
                     "threshold": t, "missing_reference": mr,
                     "missing_current": mc,
                     "missing_share_changed": abs(mr - mc) > 0.1,
                     "n_reference": len(r), "n_current": len(c)})
    correct(cols, correction)
    for c in cols:
        c["drift"] = is_drift(c["method"], c["score"], c["threshold"])
    nd = sum(c["drift"] for c in cols)
    share = nd / len(cols)
    return {"drift": share >= drift_share, "share_of_drifted_columns": share,
            "drifted_columns": nd, "number_of_columns": len(cols),
            "drift_share": drift_share, "columns": cols}


# ---- writing ----------------------------------------------------------------

def fmt(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if v is None or math.isnan(v):
        return "null"
    return repr(float(v))


def write_csv(name, header, rows):
    """A CSV file; None is a missing value, an empty unquoted field (so
    a row of one missing value is a blank line, not "")."""
    with open(os.path.join(HERE, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            r = list(r)
            if r == [None]:
                f.write("\n")
            else:
                w.writerow(["" if v is None else v for v in r])


def write_lines(name, lines):
    with open(os.path.join(HERE, name), "w") as f:
        f.write("".join(lines))


def numtext(v):
    """A float as the shortest text that reads back as it."""
    return repr(float(v))


SIDES = {}
CASES = []
KS_PATHS = []


def side(name):
    if name not in SIDES:
        SIDES[name] = read_side(os.path.join(DATA, name))
    return SIDES[name]


def case(ref, cur, column, method, opts=(), expect=(), multi=False, **kw):
    """One line of scipy.cases: `column` of `ref` against `cur` with
    `method` ("auto" lets drift-check choose; the line then says which:
    auto:ks), `opts` given to drift-check as they are and also applied
    here through **kw, `expect` naming more fields of the column's JSON
    (and all.FIELD of the top level) to check."""
    del KS_PATHS[:]
    if "columns" not in kw:
        kw["columns"] = [column]
    res = check(side(ref), side(cur), method=method, **kw)
    col = [c for c in res["columns"] if c["column"] == column][0]
    mfield = method if method != "auto" else "auto:" + col["method"]
    words = [ref, cur, column, mfield, fmt(col["score"]), fmt(col["drift"])]
    words += list(opts)
    if method != "auto" and col["method"] != method:
        words.append("method=%s" % col["method"])   # --column-method
    for e in expect:
        if e.startswith("all."):
            words.append("%s=%s" % (e, fmt(res[e[4:]])))
        elif e == "raw_score":
            words.append("raw_score=%s" % fmt(col["raw"]))
        else:
            words.append("%s=%s" % (e, fmt(col[e])))
    if multi or len(kw["columns"]) > 1:
        words.append("all.drift=%s" % fmt(res["drift"]))
    note = ""
    if KS_PATHS:
        note = "# ks_2samp path: %s\n" % KS_PATHS[0]
    CASES.append(note + " ".join(words) + "\n")
    return col


def section(text):
    CASES.append("\n# ---- %s\n" % text)


# ---- the data ---------------------------------------------------------------

def make_co2():
    """co2.csv's early and late halves (1,142 rows each; weeks with no
    reading are empty), and two adjacent 300-row windows for small n."""
    with open(os.path.join(SHARED, "co2.csv")) as f:
        lines = f.read().splitlines()
    head, body = lines[0], lines[1:]
    half = len(body) // 2
    for name, part in (("co2-early.csv", body[:half]),
                       ("co2-late.csv", body[half:]),
                       ("co2-w1.csv", body[:300]),
                       ("co2-w2.csv", body[300:600])):
        write_lines(name, [head + "\n"] + [x + "\n" for x in part])


def make_randhie():
    """randhie.csv's columns RANDHIE_COLS, rows shuffled with a fixed
    seed and cut in two halves of 10,095 rows; then the derived files."""
    with open(os.path.join(SHARED, "randhie.csv")) as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    pick = [head.index(c) for c in RANDHIE_COLS]
    body = [[r[i] for i in pick] for r in body]
    perm = np.random.default_rng(RANDHIE_SEED).permutation(len(body))
    half = len(body) // 2
    a = [body[i] for i in perm[:half]]
    b = [body[i] for i in perm[half:]]
    write_csv("randhie-a.csv", RANDHIE_COLS, a)
    write_csv("randhie-b.csv", RANDHIE_COLS, b)
    derive_randhie(DERIVED)


def derive_randhie(where):
    """The derived files (module docstring), as the test's setup cuts
    them from the committed ones: by lines, text unchanged."""
    def lines(name):
        with open(os.path.join(HERE, name)) as f:
            return f.read().splitlines()
    a, b = lines("randhie-a.csv"), lines("randhie-b.csv")
    col = a[0].split(",").index("hlthg")
    out = {"randhie-a5k.csv": a[:5001], "randhie-b5k.csv": b[:5001],
           "randhie-b3k.csv": b[:3001]}
    for v in ("1", "0"):
        out["randhie-hlthg%s.csv" % v] = [a[0]] + [
            x for x in a[1:] + b[1:] if x.split(",")[col] == v]
    for name, ls in out.items():
        with open(os.path.join(where, name), "w") as f:
            f.write("".join(x + "\n" for x in ls))


def make_handmade():
    """Small hand-made inputs, each for an edge the real data lacks."""
    rng = np.random.default_rng(11)

    # ties: small integers, heavily tied, and a 7-value column with no tie
    # (with a 9-value current: mannw's exact path) and a 12/15-value one
    # (cramer_von_mises' exact path)
    kr = list(rng.integers(0, 10, 40))
    kc = list(rng.integers(1, 11, 50))
    xr = [numtext(v) for v in np.round(rng.normal(0, 1, 7), 3)]
    xc = [numtext(v) for v in np.round(rng.normal(0.8, 1, 9), 3)]
    yr = [numtext(v) for v in np.round(rng.normal(0, 1, 12), 4)]
    yc = [numtext(v) for v in np.round(rng.normal(0.5, 1.5, 15), 4)]

    def column(vals, n):
        return list(vals) + [None] * (n - len(vals))
    write_csv("ties-ref.csv", ["k", "x", "y"],
              zip(kr, column(xr, 40), column(yr, 40)))
    write_csv("ties-cur.csv", ["k", "x", "y"],
              zip(kc, column(xc, 50), column(yc, 50)))

    # constant columns: the same constant, another constant, and a
    # constant reference against a varied current
    write_csv("const-ref.csv", ["same", "other", "varied"],
              [[3, 3, 3]] * 30)
    write_csv("const-cur.csv", ["same", "other", "varied"],
              [[3, 4, i % 9] for i in range(30)])

    # missing values: all missing on one side or the other; shares that
    # move by 0.1 (not "changed") and by 0.2 (changed); "inf" and "nan"
    # text are missing too
    ref, cur = [], []
    for i in range(40):
        v = numtext(round(float(rng.normal(10, 2)), 2))
        w = numtext(round(float(rng.normal(10.5, 2)), 2))
        ref.append([v, None, "abc"[i % 3],
                    v, v if i % 20 else None, v])
        cur.append([None, w, None,
                    w if i % 10 else None,
                    w if i % 20 else "nan", w if i % 5 else "inf"])
    write_csv("miss-ref.csv", ["cur_empty", "ref_empty", "cat_cur_empty",
                               "m10", "m5", "m20"], ref)
    write_csv("miss-cur.csv", ["cur_empty", "ref_empty", "cat_cur_empty",
                               "m10", "m5", "m20"], cur)

    # categories: one only in the current; a 2-valued flag; 3 values
    colors_r = ["red"] * 20 + ["green"] * 15 + ["blue"] * 10
    colors_c = ["red"] * 17 + ["green"] * 15 + ["blue"] * 15 + ["purple"] * 3
    flag_r = ["no"] * 30 + ["yes"] * 15
    flag_c = ["no"] * 20 + ["yes"] * 30
    tri_r = (["lo"] * 15 + ["mid"] * 20 + ["hi"] * 10)
    tri_c = (["lo"] * 10 + ["mid"] * 25 + ["hi"] * 15)
    write_csv("cat-ref.csv", ["color", "flag", "tri"],
              zip(colors_r, flag_r, tri_r))
    write_csv("cat-cur.csv", ["color", "flag", "tri"],
              zip(colors_c, flag_c, tri_c))

    # corrections: five numeric columns, their currents shifted by graded
    # amounts, so that the raw p-values spread from tiny to large
    shifts = [0.0, 0.25, 0.4, 0.55, 0.9]
    names = ["s0", "s1", "s2", "s3", "s4"]
    r = np.round(rng.normal(0, 1, (60, 5)), 4)
    c = np.round(rng.normal(0, 1, (60, 5)) + shifts, 4)
    write_csv("corr-ref.csv", names, [[numtext(v) for v in row] for row in r])
    write_csv("corr-cur.csv", names, [[numtext(v) for v in row] for row in c])

    # the dataset verdict: four columns, two of which drift
    d_r = np.round(rng.normal(0, 1, (50, 4)), 3)
    d_c = np.round(rng.normal(0, 1, (50, 4)) + [3, 3, 0, 0], 3)
    write_csv("share-ref.csv", ["a", "b", "c", "d"],
              [[numtext(v) for v in row] for row in d_r])
    write_csv("share-cur.csv", ["a", "b", "c", "d"],
              [[numtext(v) for v in row] for row in d_c])

    # auto's size boundary: 1,000 against 1,001 non-missing reference
    # values (a missing one beside them does not count)
    for n in (1000, 1001):
        v = np.round(rng.normal(5, 1, n), 3)
        w = np.round(rng.normal(5.1, 1, 800), 3)
        cat = rng.choice(["p", "q", "r"], n)
        two = rng.choice(["p", "q"], n)
        write_csv("auto%d-ref.csv" % n, ["num", "cat", "two"],
                  [[numtext(x), y, z] for x, y, z in zip(v, cat, two)] +
                  [[None, None, None]])
        if n == 1000:
            write_csv("auto-cur.csv", ["num", "cat", "two"],
                      [[numtext(x), y, z] for x, y, z in
                       zip(w, rng.choice(["p", "q", "r"], 800),
                           rng.choice(["p", "q"], 800))])


def make_evidently():
    """The inputs of Evidently's tests (t0602's evidently.cases), as
    pandas holds them there: one column "v" a side unless said."""
    def rep(values, counts):
        return [v for v, n in zip(values, counts) for _ in range(n)]

    def pair(name, ref, cur, col="v"):
        write_csv("ev-%s-ref.csv" % name, [col], [[x] for x in ref])
        write_csv("ev-%s-cur.csv" % name, [col], [[x] for x in cur])
    six = [1, 2, 3, 4, 5, 6]
    pair("freq", rep(six, [16, 18, 16, 14, 12, 12]),
         rep(six, [16, 16, 16, 16, 16, 8]))
    pair("freq2", rep(six, [32, 36, 32, 28, 24, 24]),
         rep(six, [16, 16, 16, 16, 16, 8]))
    pair("nans", rep(["a", "b", None], [10] * 3),
         rep(["a", "b", None], [10] * 3))
    num8 = [38.7, 41.5, 43.8, 44.5, 45.5, 46.0, 47.7, 58.0]
    pair("num8", num8 + [None], num8 + [None])
    pair("abc", rep(["a", "b", "c"], [10] * 3), rep(["a", "b", "c"], [10] * 3))
    pair("z1", ["a", "b"] * 10, ["a", "b"] * 10)
    pair("z2", ["a", None] * 10, ["a", "b"] * 10)
    pair("ad", num8, [39.2, 39.3, 39.7, 41.4, 41.8, 42.9, 43.3, 45.8])
    pair("cvm", [numtext(v) for v in stats.norm.rvs(size=100, random_state=0)],
         [numtext(v) for v in stats.norm.rvs(size=100, random_state=1)])
    pair("ones", [1] * 50, [1] * 50)
    pair("energy0", num8, num8)
    pair("energy5", num8, [numtext(v + 5) for v in num8])
    # test_column_drift_metric.py and tests/multitest/metrics/data_drift.py
    pair("col123", [1, 2, 3], [1, 2, 3], "col")
    pair("col583", [1, 2, 3], [5, 8, 3], "col")
    pair("col322", [3, 2, 2], [1, 2, 3], "col")
    # test_data_drift_table.py
    write_csv("ev-table-opts-ref.csv", ["category_feature", "target",
                                        "prediction"],
              zip(["a", "a", "b"], [1, 4, 5], [1, 0, 1]))
    write_csv("ev-table-opts-cur.csv", ["category_feature", "target",
                                        "prediction"],
              zip(["a", "b", "a"], [1, 2, 3], [1, 0, 1]))
    write_csv("ev-table-json-ref.csv", ["category_feature", "target",
                                        "prediction"],
              zip(["a", "a", "b", "b"], [1, 4, 5, 5], [1, 5, 4, 4]))
    write_csv("ev-table-json-cur.csv", ["category_feature", "target",
                                        "prediction"],
              zip(["a", "b", "a", None], [None, None, 3, 4], [1, 0, None, 5]))
    # test_dataset_drift_metric.py
    write_csv("ev-dataset-opts-ref.csv", ["category_feature", "target",
                                          "prediction"],
              zip(["a", "a", "b"], [1, 4, 5], [1, 0, 1]))
    write_csv("ev-dataset-opts-cur.csv", ["category_feature", "target",
                                          "prediction"],
              zip(["az", "bz", "az"], [1, 2, 3], [1, 0, 1]))
    write_csv("ev-dataset-json-ref.csv", ["category_feature", "target",
                                          "prediction"],
              zip(["a", "a", "b", "b"], [1, 4, 5, 1], [1, 0, 1, 0]))
    write_csv("ev-dataset-json-cur.csv", ["category_feature", "target",
                                          "prediction"],
              zip(["a", "b", None], [1, None, 3], [1, 0, 1]))
    # tests/tests/test_data_drift_tests.py
    feats = ["category_feature", "numerical_feature", "target", "prediction"]
    write_csv("ev-tests-ref.csv", feats,
              zip(["n", "d", "p", "n"], [0, 1, 2, 5], [1, 1, 0, 1],
                  [1, 1, 0, 1]))
    write_csv("ev-tests-cur.csv", feats,
              zip(["n", "d", "p", "n"], [0, 1, 2, 5], [0, 0, 0, 1],
                  [0, 0, 0, 1]))
    write_csv("ev-tests-share.csv", feats,
              zip(["n", "d", "p", "n"], [0, 1, 2, 5], [1, 0, 0, 1],
                  [1, 0, 0, 1]))
    pair("fvd", [0, 1, 2, 0], [0, 0, 0, 1], "feature_1")
    pair("fvd-json", [1, 1, 2, 0], [0, 0, 0, 1], "feature_1")
    # tests/calculations/test_data_drift.py
    pair("one-col", [1, 2, 3], [1, 2, 3], "test")
    pair("empty-cur", [1, 2, 3], [None, None, None], "test")
    pair("empty-ref", [None, None, None], [1, 2, 3], "test")
    pair("text-cur", [1, 2, 3], ["a", 2, "c"], "test")
    pair("text-ref", ["a", "b", 3], [1, 2, 3], "test")
    write_csv("ev-feature.csv", ["feature"], [[1], [2], [3]])
    # test_column_drift_metric.py: no meaningful value on one side
    pair("noval-cur", [1, 2, 3], [None, "inf", "-inf"], "col")
    pair("noval-ref", [None, "inf", "-inf"], [1, 2, 3], "col")


# ---- the cases ------------------------------------------------------------

def make_cases():
    section("co2.csv, early half (reference) against late half (current): "
            "every numeric method; ks takes the exact path (1,142 rows a "
            "side, 59 weeks missing in all)")
    for m in NUM_METHODS:
        case("co2-early.csv", "co2-late.csv", "co2", m,
             expect=["n_reference", "n_current", "missing_reference",
                     "missing_current"] if m == "ks" else [])
    case("co2-early.csv", "co2-late.csv", "co2", "auto")
    for m in NUM_METHODS:
        case("co2-early.csv", "co2-late.csv", "date", m)

    section("co2.csv, two adjacent 300-row windows: small n, auto picks ks")
    for m in NUM_METHODS:
        case("co2-w1.csv", "co2-w2.csv", "co2", m)
    case("co2-w1.csv", "co2-w2.csv", "co2", "auto")
    case("co2-w2.csv", "co2-w1.csv", "co2", "mannw")

    section("randhie.csv, random halves (seed %d, 10,095 rows a side): ks "
            "takes the asymptotic path; little drift expected" % RANDHIE_SEED)
    for col in ("mdvis", "lpi"):
        for m in NUM_METHODS:
            case("randhie-a.csv", "randhie-b.csv", col, m)
        case("randhie-a.csv", "randhie-b.csv", col, "auto")
    for col in ("lncoins", "hlthg"):
        for m in CAT_METHODS:
            case("randhie-a.csv", "randhie-b.csv", col, m)
        case("randhie-a.csv", "randhie-b.csv", col, "auto")

    section("randhie: 5,000-row samples of each half (exact ks, equal n), "
            "5,000 against 3,000 (exact, unequal n)")
    for col in ("mdvis", "lpi"):
        for m in ("ks", "wasserstein", "anderson", "cramer_von_mises",
                  "mannw", "mannwhitney", "t_test", "psi"):
            case("randhie-a5k.csv", "randhie-b5k.csv", col, m)
        case("randhie-a5k.csv", "randhie-b3k.csv", col, "ks")
        case("randhie-b3k.csv", "randhie-a5k.csv", col, "ks")
    for col in ("lncoins", "hlthg"):
        case("randhie-a5k.csv", "randhie-b5k.csv", col, "auto")

    section("randhie: a covariate split, hlthg = 1 (7,309 rows) against "
            "hlthg = 0 (12,881): drift expected; ks asymptotic")
    for col in ("mdvis", "lpi"):
        for m in NUM_METHODS:
            case("randhie-hlthg1.csv", "randhie-hlthg0.csv", col, m)
        case("randhie-hlthg1.csv", "randhie-hlthg0.csv", col, "auto")
    for m in CAT_METHODS:
        case("randhie-hlthg1.csv", "randhie-hlthg0.csv", "lncoins", m)
    case("randhie-hlthg1.csv", "randhie-hlthg0.csv", "hlthg", "auto",
         expect=["type"])

    section("ties: integers 0..9 against 1..10, 40 and 50 values; a 7-value "
            "column against 9 (mannw exact), 12 against 15 "
            "(cramer_von_mises exact)")
    for m in NUM_METHODS:
        case("ties-ref.csv", "ties-cur.csv", "k", m)
    case("ties-ref.csv", "ties-cur.csv", "k", "auto")
    for col in ("x", "y"):
        for m in NUM_METHODS:
            case("ties-ref.csv", "ties-cur.csv", col, m,
                 expect=["n_reference", "n_current"] if m == "ks" else [])
    case("ties-cur.csv", "ties-ref.csv", "x", "mannw")

    section("constant columns: one value in the reference (a category "
            "unless --numeric)")
    for col in ("same", "other", "varied"):
        case("const-ref.csv", "const-cur.csv", col, "auto", expect=["type"])
        for m in CAT_METHODS:
            case("const-ref.csv", "const-cur.csv", col, m)
        case("const-ref.csv", "const-cur.csv", col, "auto",
             opts=["--numeric", col], numeric=[col], expect=["type"])
        for m in ("ks", "wasserstein", "t_test", "welch", "energy",
                  "mannwhitney", "psi", "hellinger"):
            case("const-ref.csv", "const-cur.csv", col, m,
                 opts=["--numeric", col], numeric=[col])

    section("missing values: all missing on one side (no score, no drift), "
            "missing shares and missing_share_changed (> 0.1)")
    for col in ("cur_empty", "ref_empty", "cat_cur_empty"):
        case("miss-ref.csv", "miss-cur.csv", col, "auto",
             expect=["missing_reference", "missing_current",
                     "missing_share_changed", "n_reference", "n_current"])
    case("miss-ref.csv", "miss-cur.csv", "cur_empty", "ks")
    case("miss-ref.csv", "miss-cur.csv", "ref_empty", "wasserstein",
         opts=["--numeric", "ref_empty"], numeric=["ref_empty"])
    for col in ("m10", "m5", "m20"):
        case("miss-ref.csv", "miss-cur.csv", col, "ks",
             expect=["missing_reference", "missing_current",
                     "missing_share_changed", "n_reference", "n_current"])
    case("miss-ref.csv", "miss-cur.csv", "cur_empty", "auto",
         opts=["--columns", "cur_empty,m10,m20"],
         columns=["cur_empty", "m10", "m20"],
         expect=["all.number_of_columns", "all.drifted_columns",
                 "all.share_of_drifted_columns"])

    section("categories: one only in the current (chisquare p = 0), a "
            "2-valued flag (auto: z), three values (auto: chisquare)")
    for col in ("color", "flag", "tri"):
        case("cat-ref.csv", "cat-cur.csv", col, "auto", expect=["type"])
        for m in CAT_METHODS:
            case("cat-ref.csv", "cat-cur.csv", col, m)
    case("cat-cur.csv", "cat-ref.csv", "color", "chisquare")

    section("auto: n <= 1000 against n > 1000 non-missing reference values")
    for n in (1000, 1001):
        for col in ("num", "cat", "two"):
            case("auto%d-ref.csv" % n, "auto-cur.csv", col, "auto",
                 expect=["n_reference", "type"])
    case("auto1000-ref.csv", "auto-cur.csv", "num", "auto",
         opts=["--categorical", "num"], categorical=["num"],
         expect=["type"])

    section("corrections across columns: ks on five columns, none, "
            "bonferroni and fdr (Benjamini-Hochberg); a distance column "
            "takes no part")
    five = ["s0", "s1", "s2", "s3", "s4"]
    for how in ("none", "bonferroni", "fdr"):
        for col in five:
            case("corr-ref.csv", "corr-cur.csv", col, "ks",
                 opts=["--columns", ",".join(five), "--correction", how],
                 columns=five, correction=how,
                 expect=(["raw_score"] if how != "none" else []) +
                 ["all.drifted_columns"])
    for col in five:
        case("corr-ref.csv", "corr-cur.csv", col, "t_test",
             opts=["--columns", ",".join(five), "--correction", "fdr",
                   "--column-method", "s4=wasserstein"],
             columns=five, correction="fdr",
             column_method={"s4": "wasserstein"},
             expect=["raw_score"] if col != "s4" else [])
    for col in five:
        case("corr-ref.csv", "corr-cur.csv", col, "ks",
             opts=["--columns", ",".join(five), "--correction",
                   "bonferroni", "--threshold", "0.2"],
             columns=five, correction="bonferroni", threshold=0.2)

    # a column with no score takes no part either; a global ks leaves
    # the categorical columns to auto (jensenshannon here: no p-value)
    for col in ("cur_empty", "m10", "m20"):
        case("miss-ref.csv", "miss-cur.csv", col, "ks",
             opts=["--columns", "cur_empty,m10,m20", "--correction",
                   "bonferroni"],
             columns=["cur_empty", "m10", "m20"], correction="bonferroni")
    for col in RANDHIE_COLS:
        case("randhie-a.csv", "randhie-b.csv", col, "ks",
             opts=["--columns", ",".join(RANDHIE_COLS), "--correction",
                   "fdr"],
             columns=RANDHIE_COLS, correction="fdr",
             expect=["all.drifted_columns"])

    section("the dataset's verdict: two of four columns drift; "
            "share >= --drift-share")
    for ds in ("0.5", "0.51", "0.25"):
        case("share-ref.csv", "share-cur.csv", "a", "ks",
             opts=["--columns", "a,b,c,d", "--drift-share", ds],
             columns=["a", "b", "c", "d"], drift_share=float(ds),
             expect=["all.share_of_drifted_columns", "all.drifted_columns",
                     "all.drift_share"])
    case("share-ref.csv", "share-cur.csv", "c", "ks",
         opts=["--columns", "a,b,c,d"], columns=["a", "b", "c", "d"])

    section("Evidently's test inputs (the ev-* files of "
            "t0602-drift-check-evidently.sh) at full precision")
    ev = [("freq", "v", ["chisquare", "hellinger"], ["--categorical", "v"]),
          ("freq", "v", ["mannw", "ks", "t_test"], []),
          ("freq2", "v", ["chisquare", "hellinger"], ["--categorical", "v"]),
          ("nans", "v", ["chisquare", "hellinger"], []),
          ("num8", "v", ["hellinger"], []),
          ("abc", "v", ["chisquare"], []),
          ("z1", "v", ["z"], []),
          ("z2", "v", ["z"], []),
          ("ad", "v", ["anderson", "t_test", "ks"], []),
          ("cvm", "v", ["cramer_von_mises"], []),
          ("ones", "v", ["hellinger"], ["--numeric", "v"]),
          ("ones", "v", ["hellinger"], []),
          ("energy0", "v", ["energy"], []),
          ("energy5", "v", ["energy"], []),
          ("col322", "col", ["psi"], []),
          ("fvd-json", "feature_1", ["chisquare"], [])]
    for name, col, methods, opts in ev:
        kw = {}
        if "--categorical" in opts:
            kw["categorical"] = [col]
        if "--numeric" in opts:
            kw["numeric"] = [col]
        for m in methods:
            case("ev-%s-ref.csv" % name, "ev-%s-cur.csv" % name, col, m,
                 opts=opts, **kw)
    for col in ("category_feature", "target", "prediction"):
        case("ev-table-json-ref.csv", "ev-table-json-cur.csv", col, "auto")
    for col in ("target", "prediction"):
        case("ev-tests-ref.csv", "ev-tests-cur.csv", col, "auto")
    # Evidently types numerical_feature as numeric (its dtype); with no
    # more than 5 values auto still picks chisquare (or z) for it
    case("ev-tests-ref.csv", "ev-tests-cur.csv", "numerical_feature", "auto",
         opts=["--numeric", "numerical_feature"],
         numeric=["numerical_feature"], expect=["type"])


HEADER = """\
# drift-check's scores against SciPy, as data for
# t0601-drift-check-scipy.sh.  WRITTEN BY make-refs.py (SciPy %s,
# NumPy %s): do not edit; change the script and run it again.
#
# One case a line, fields separated by spaces:
#
#   REF CUR COLUMN METHOD SCORE DRIFT [OPTION...] [FIELD=VALUE...]
#
# REF, CUR  files of this directory (or derived from them: make-refs.py)
# COLUMN    the column whose result is checked; drift-check is given
#           --columns COLUMN unless the OPTIONs hold --columns
# METHOD    given as --method; auto:M means no --method, and drift-check
#           must choose M
# SCORE     the reference score (null: none, as for an all-missing
#           column), to 1e-6 relative; both below 1e-300 count as equal
# DRIFT     the column's verdict, true or false
# OPTION    an option and its value (two words: every option here takes
#           one), given to drift-check as they are
# FIELD     another field of the column's JSON object (missing_current,
#           type, raw_score; method where --column-method overrides
#           METHOD), or all.FIELD of the top-level object;
#           numbers to 1e-6 relative, anything else as written.  A case
#           of several columns gives all.drift, the verdict that also sets
#           the exit status (1 on drift, else 0).
#
# A "# ks_2samp path" note before a ks case says which way SciPy took.
"""


def main():
    global DATA, DERIVED
    DATA = HERE
    DERIVED = HERE
    make_co2()
    make_handmade()
    make_evidently()
    # the derived randhie files live next to the committed ones only
    # while this script runs
    make_randhie()
    try:
        make_cases()
    finally:
        for n in ("a5k", "b5k", "b3k", "hlthg1", "hlthg0"):
            os.unlink(os.path.join(HERE, "randhie-%s.csv" % n))
    write_lines("scipy.cases",
                [HEADER % (scipy.__version__, np.__version__)] + CASES)
    print("%d cases" % sum(1 for c in CASES if not c.startswith("\n")))


if __name__ == "__main__":
    main()
