"""Time ``find_duplicates`` on ~100k records built by replicating the real San Mateo
directory: 59 copies, each shifted by a whole number of degrees (a separate "county" with
the real density) and each record perturbed with probability 0.3 (so every copy also
holds real-looking duplicates). Run from the repository root::

    python datasets/dedup_pairs/bench_100k.py
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perturb import apply_recipe  # noqa: E402

import rxmatch  # noqa: E402
import rxmatch.io  # noqa: E402
from rxmatch.dedup import find_duplicates  # noqa: E402


def main(copies: int = 59) -> None:
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    base = rxmatch.io.load_ohana().to_frame()
    base = base[base["location_source"] == "coordinates"]
    frames = []
    for c in range(copies):
        f = base.copy()
        f["id"] = f["id"] + f"-c{c}"
        f["lat"] = f["lat"] + (c % 8) * 1.0
        f["lon"] = f["lon"] + (c // 8) * 1.0
        recs = f.to_dict("records")
        extra = [
            apply_recipe(
                r, [["name_typo", int(rng.integers(1000))], ["move", 20.0, 45.0]], r["id"] + "-p"
            )
            for r in recs
            if rng.random() < 0.3
        ]
        frames.append(pd.DataFrame(recs + extra))
    df = pd.concat(frames, ignore_index=True)
    d = rxmatch.Directory.from_frame(df, source="bench", geocode_postal_codes=False)
    t = time.perf_counter()
    clusters = find_duplicates(d)
    dt = time.perf_counter() - t
    print(
        f"{len(d)} records, {clusters.n_compared} candidate pairs, {len(clusters)} clusters, {dt:.1f} s"
    )


if __name__ == "__main__":
    main()
