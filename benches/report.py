#!/usr/bin/env python3
"""Prints the last criterion results of `check`, `query`, `peers` and `roles_query` as markdown
tables.

Usage: python3 benches/report.py [target-dir]   (default: ./target, or $CARGO_TARGET_DIR)
Reads <target>/criterion/<group>/<bench>/new/{estimates,benchmark}.json; times are medians.
"""
import json
import os
import sys
from pathlib import Path

target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", "target"))
root = target / "criterion"


def median(group, bench):
    d = root / group / bench / "new"
    try:
        est = json.loads((d / "estimates.json").read_text())
        meta = json.loads((d / "benchmark.json").read_text())
    except FileNotFoundError:
        return None, 1
    elems = (meta.get("throughput") or {}).get("Elements", 1)
    return est["median"]["point_estimate"], elems


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


print("| check | generated, typed (ns) | generated, dyn (ns) | hand (ns) | typed / hand | dyn / hand |")
print("|---|---:|---:|---:|---:|---:|")
for group, typed, dyn in [
    ("read", "generated_typed", "generated_dyn"),
    ("push", "generated_typed", "generated_dyn"),
    ("delete", "generated_typed", "generated_dyn"),
    ("change_visibility", "generated_typed", "generated_dyn"),
    ("actions", "generated", None),
    ("mixed", None, "generated_dyn"),
]:
    hand, n = median(group, "hand")
    if hand is None:
        continue
    hand /= n
    t = median(group, typed)[0] / n if typed else None
    y = median(group, dyn)[0] / n if dyn else None
    fmt = lambda v: f"{v:.2f}" if v else "-"
    print(
        f"| {group} | {fmt(t)} | {fmt(y)} | {hand:.2f} | "
        f"{ratio(t, hand) if t else '-'} | {ratio(y, hand) if y else '-'} |"
    )

print()
print("| query (per query) | generated (ms) | hand (ms) | in memory (ms) | generated / hand | in memory / generated |")
print("|---|---:|---:|---:|---:|---:|")
for backend in ["sqlite", "postgres"]:
    for kind in ["page", "count", "by_id"]:
        group = f"{backend}_{kind}"
        g, n = median(group, "generated")
        if g is None:
            continue
        h, _ = median(group, "hand")
        m, _ = median(group, "in_memory")
        # by_id runs n lookups per iteration: report one.
        g, h, m = (v / n if v else v for v in (g, h, m))
        ms = lambda v: f"{v / 1e6:.4g}" if v else "n/a"
        print(f"| {backend} {kind} | {ms(g)} | {ms(h)} | {ms(m)} | {ratio(g, h)} | {ratio(m, g)} |")

# `--bench peers`: ns per decision over the mixed list, and by resource type.
g, n = median("peers", "generated")
if g is not None:
    print()
    print("| engine (ns per decision) | all 6 permissions | org | repo | issue | / hand (all) | / generated (all) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    hand_all = median("peers", "hand")[0] / n
    gen_all = g / n
    for engine in ["generated", "generated_own_resolver", "hand", "cedar", "casbin"]:
        v, n = median("peers", engine)
        if v is None:
            continue
        v /= n
        cells = []
        for kind in ["org", "repo", "issue"]:
            k, kn = median(f"peers_{kind}", engine)
            cells.append(f"{k / kn:.1f}" if k else "-")
        print(
            f"| {engine} | {v:,.1f} | {' | '.join(cells)} | {ratio(v, hand_all)} | {ratio(v, gen_all)} |"
        )

# `--bench roles_query`: PostgreSQL, 100,000 repos and 1,000,000 role rows.
g, _ = median("pg_roles_page", "generated")
if g is not None:
    print()
    print("| PostgreSQL, Repo::Read | generated (ms) | hand (ms) | generated / hand |")
    print("|---|---:|---:|---:|")
    for kind in ["page", "count"]:
        g, _ = median(f"pg_roles_{kind}", "generated")
        h, _ = median(f"pg_roles_{kind}", "hand")
        print(f"| {kind} | {g / 1e6:.3f} | {h / 1e6:.3f} | {ratio(g, h)} |")
