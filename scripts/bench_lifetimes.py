#!/usr/bin/env python3
"""Times the BG/NBD + Gamma-Gamma fit on the CDNOW 1/10 sample with Python `lifetimes`.

The reference for the Rust benchmark `bgnbd_gg_fit_cdnow_sample` (core/benches/analysis.rs):
the same customers (core/tests/fixtures/cdnow/CDNOW_sample.txt, orders merged per customer
and day, summarised at 1997-09-30 in weeks = days / 7, spend value = mean spend over the
repeat purchase days) and the same two maximum-likelihood fits. Only the fits are timed.

Run on demand, not in CI:
    python3 -m venv /tmp/lifetimes-venv
    /tmp/lifetimes-venv/bin/pip install -r scripts/requirements-lifetimes.txt
    /tmp/lifetimes-venv/bin/python scripts/bench_lifetimes.py [--runs N]
"""

import argparse
import datetime as dt
import statistics
import time
import warnings
from collections import defaultdict
from pathlib import Path

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter

FIXTURE = Path(__file__).resolve().parent.parent / "core/tests/fixtures/cdnow/CDNOW_sample.txt"
AS_OF = dt.date(1997, 9, 30)


def summary() -> pd.DataFrame:
    """x, t_x, T (weeks) and mean repeat spend (dollars) per customer, as huike-core computes them."""
    days = defaultdict(lambda: defaultdict(float))
    for line in FIXTURE.read_text().splitlines():
        if not line.strip():
            continue
        _, customer, date, _, dollars = line.split()
        day = dt.datetime.strptime(date, "%Y%m%d").date()
        if day <= AS_OF:
            days[int(customer)][day] += float(dollars)
    rows = []
    for customer, spend in sorted(days.items()):
        ordered = sorted(spend)
        x = len(ordered) - 1
        rows.append({
            "frequency": x,
            "recency": (ordered[-1] - ordered[0]).days / 7,
            "T": (AS_OF - ordered[0]).days / 7,
            "monetary_value": sum(spend[d] for d in ordered[1:]) / x if x else 0.0,
        })
    return pd.DataFrame(rows)


def fit(data: pd.DataFrame, repeat: pd.DataFrame):
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(data["frequency"], data["recency"], data["T"])
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"])
    return bgf, ggf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs after one warm-up")
    runs = parser.parse_args().runs
    warnings.simplefilter("ignore")
    data = summary()
    repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    bgf, ggf = fit(data, repeat)  # warm-up (imports, first autograd trace)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fit(data, repeat)
        times.append((time.perf_counter() - start) * 1000)
    p = bgf.params_
    g = ggf.params_
    print(f"customers {len(data)}, repeat customers {len(repeat)}")
    print(f"BG/NBD r={p['r']:.4f} alpha={p['alpha']:.4f} a={p['a']:.4f} b={p['b']:.4f}")
    print(f"Gamma-Gamma p={g['p']:.4f} q={g['q']:.4f} v={g['v']:.4f}")
    print(f"fit BG/NBD + Gamma-Gamma over {runs} runs: min {min(times):.1f} ms, median {statistics.median(times):.1f} ms")


if __name__ == "__main__":
    main()
