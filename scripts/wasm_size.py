#!/usr/bin/env python3
"""What is big in the app's wasm: twiggy on the release build, with function names kept.

After `cargo xtask build` (which leaves rustc's output in
target/wasm32-unknown-unknown/wasm-release/huike-app.wasm), this runs wasm-bindgen with
--keep-debug and the pinned wasm-opt with -Oz -g (the release pipeline, names kept), then
prints twiggy's top items and the shipped bytes grouped by area (a function is counted in the
first area its name mentions). Also estimates the pinyin table's share from the pinyin crate's
generated data. Needs twiggy, which the set-up does not install:

    cargo install twiggy --locked --version 0.8.0 --root target/tools
    python3 scripts/wasm_size.py [--top 30]
"""

import argparse
import collections
import csv
import glob
import gzip
import io
import os
import re
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AREAS = [
    ("names section (not shipped)", lambda n: "subsection" in n),
    ("data segments (pinyin table, strings, vtables)", lambda n: n.startswith("data segment")),
    ("serde / serde_json (incl. derived (de)serializers)", lambda n: "serde" in n),
    ("huike_core::search + pinyin", lambda n: "huike_core::search" in n or "pinyin" in n),
    ("huike_core::segment / predict / insights / agenda / message",
     lambda n: any(k in n for k in ["huike_core::segment", "huike_core::predict", "special::",
                                    "huike_core::insights", "huike_core::agenda",
                                    "huike_core::message"])),
    ("huike_core (op, replica, sync, domain)", lambda n: "huike_core" in n),
    ("huike_app::ui (screens)", lambda n: "huike_app::ui" in n),
    ("huike_app (state, store, sync, api)", lambda n: "huike_app" in n),
    ("leptos_router", lambda n: "leptos_router" in n),
    ("url / idna / icu (URL parsing for reqwest)",
     lambda n: any(k in n for k in ["url::", "idna", "icu_"])),
    ("reqwest / http", lambda n: "reqwest" in n or n.startswith("http::") or "<http::" in n),
    ("chrono", lambda n: "chrono" in n),
    ("qrcode", lambda n: "qrcode" in n),
    ("rexie / idb (IndexedDB)", lambda n: "rexie" in n or "idb::" in n),
    ("tachys / reactive_graph / leptos (UI runtime and the views built on it)",
     lambda n: any(k in n for k in ["tachys", "reactive_graph", "leptos", "either_of",
                                    "any_spawner", "throw_error"])),
    ("core / alloc / std (formatting, collections, drops, panics)", lambda n: True),
]


def run(*args, **kwargs):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kwargs).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--twiggy", default=os.path.join(ROOT, "target/tools/bin/twiggy"))
    args = parser.parse_args()
    wasm = os.path.join(ROOT, "target/wasm32-unknown-unknown/wasm-release/huike-app.wasm")
    if not os.path.exists(wasm):
        sys.exit(f"{wasm} is missing: run `cargo xtask build` first")
    out = os.path.join(ROOT, "target/twiggy")
    os.makedirs(out, exist_ok=True)
    bindgen = os.path.expanduser("~/.cargo/bin/wasm-bindgen")
    run(bindgen, "--keep-debug", "--target", "web", "--out-dir", out, wasm)
    named = os.path.join(out, "named.wasm")
    run(os.path.join(ROOT, "node_modules/.bin/wasm-opt"), "-Oz", "-g",
        os.path.join(out, "huike-app_bg.wasm"), "-o", named)
    print(run(args.twiggy, "top", "-n", str(args.top), named))
    rows = list(csv.DictReader(io.StringIO(
        run(args.twiggy, "top", "-n", "1000000", "-f", "csv", named))))
    sizes = collections.Counter()
    for row in rows:
        name, size = row["Name"], int(row["ShallowSize"])
        sizes[next(area for area, test in AREAS if test(name))] += size
    shipped = sum(sizes.values()) - sizes[AREAS[0][0]]
    print(f"shipped bytes (names section left out): {shipped / 1000:.1f} KB, by area:")
    for area, _ in AREAS[1:]:
        print(f"  {sizes[area] / 1000:8.1f} KB  {100 * sizes[area] / shipped:5.1f}%  {area}")
    blocks = glob.glob(os.path.join(
        ROOT, "target/wasm32-unknown-unknown/wasm-release/build/pinyin-*/out/char_blocks.rs"))
    if blocks:
        numbers = [int(x) for x in re.findall(r"\b\d+\b", open(blocks[0]).read())]
        table = b"".join(struct.pack("<H", min(x, 65535)) for x in numbers)
        print(f"pinyin's character table: about {len(table) / 1000:.0f} KB raw, "
              f"{len(gzip.compress(table, 9)) / 1000:.0f} KB gzip")


if __name__ == "__main__":
    main()
