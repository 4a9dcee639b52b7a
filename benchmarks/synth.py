"""Synthetic rxmatch directories at any size (1k … 1M resources) for benchmarks.

Geography is clustered like the real thing: city centres are sampled from US ZIP centroids
(the offline ``zipcodes`` package), each city gets a population from a power law (Pareto),
and resources are scattered around city centres with a Gaussian spread proportional to
``sqrt(population)``, so big cities are dense and small towns sparse. A share of
resources is rural noise spread uniformly over the contiguous US, ~3 % are online-only and
~2 % are outreach services with a service radius.

Everything is generated from a seed (same seed, same directory, same embeddings). The
frame is produced directly in the *validated* form that :class:`rxmatch.Directory` holds
(tuples, parsed sessions, dates), so building a 1M directory does not spend minutes in
row-by-row validation; :func:`to_input_frame` gives the same rows in the input schema
(``;``-joined lists, schedule text) for loaders.

Embeddings are random unit vectors (dimension 384 by default): encoding 1M descriptions
with the real model would take hours and ranking latency does not depend on their values.

Queries come in two sets: :func:`synth_queries` (ten short one-line texts, the first
round's set) and :func:`real_text_queries`, whose words are the bundled referrals people
and link workers wrote (the real-data sets of San Mateo and New York City, in five more
languages, and the synthetic evaluation set), in their natural mix; homes are placed the
same way in both.

Usage::

    from synth import synth_directory, synth_embeddings, synth_queries
    directory = synth_directory(100_000, seed=0)
    emb = synth_embeddings(len(directory), seed=0)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

import rxmatch
from rxmatch.features.schedule import Session, format_sessions

__all__ = [
    "Cities",
    "make_cities",
    "synth_frame",
    "synth_directory",
    "synth_embeddings",
    "synth_queries",
    "referral_texts",
    "real_text_queries",
    "wishes_group",
    "to_input_frame",
]

KM_PER_DEG_LAT = 111.32
# contiguous US bounding box (rural noise)
US_LAT = (25.0, 49.0)
US_LON = (-124.5, -67.0)

CATEGORY_WORDS = {
    "arts_culture": ["painting", "pottery", "choir", "drawing", "theatre", "knitting", "music"],
    "nature_outdoors": ["gardening", "walking", "birdwatching", "allotment", "park", "trail"],
    "volunteering": ["volunteer", "food bank", "mentoring", "litter pick", "befriending"],
    "community_social": ["coffee morning", "lunch club", "friendship", "social", "games"],
    "movement_sport": ["yoga", "tai chi", "swimming", "dance", "chair exercise", "cycling"],
    "learning_skills": ["computer class", "english class", "cooking", "library", "history"],
    "support_wellbeing": ["peer support", "bereavement", "carers", "mindfulness", "anxiety"],
    "essentials_advice": ["food pantry", "housing advice", "benefits", "debt advice", "transport"],
}
CATEGORIES = list(CATEGORY_WORDS)
ADJ = ["friendly", "weekly", "free", "relaxed", "small", "welcoming", "local", "beginners"]
AUDIENCE = ["older adults", "everyone", "families", "adults", "carers", "newcomers", "veterans"]
LANGS = ["english", "spanish", "chinese", "tagalog", "vietnamese", "korean", "russian"]
ACCESS = ["wheelchair", "step_free", "accessible_toilet", "hearing_loop", "quiet_space"]
QUERY_TEXTS = [
    "I used to paint and I miss doing something creative",
    "I would like to get outside more, maybe some gardening",
    "I am lonely since my wife died and want to meet people",
    "I want to help others and give something back",
    "I need help with my rent and money worries",
    "Something gentle to keep moving, my knees are bad",
    "I'd like to learn to use a computer",
    "I feel anxious and would like to talk to people who understand",
    "me gustaría cantar en un coro",
    "walking group near me, nothing too hard",
]


@dataclass(frozen=True)
class Cities:
    lat: np.ndarray
    lon: np.ndarray
    pop: np.ndarray  # synthetic populations (power law)
    sigma_km: np.ndarray  # Gaussian spread of resources around the centre


def make_cities(n_cities: int = 400, seed: int = 0) -> Cities:
    """City centres sampled from contiguous-US ZIP centroids, with Pareto populations."""
    import zipcodes

    rng = np.random.default_rng(seed)
    pts = np.array(
        [
            (float(z["lat"]), float(z["long"]))
            for z in zipcodes.list_all()
            if z["zip_code_type"] == "STANDARD"
            and US_LAT[0] <= float(z["lat"]) <= US_LAT[1]
            and US_LON[0] <= float(z["long"]) <= US_LON[1]
        ]
    )
    pick = rng.choice(len(pts), size=n_cities, replace=False)
    # Pareto (alpha ~1.1) populations between ~10k and a few million
    pop = np.minimum(10_000 * (1 + rng.pareto(1.1, size=n_cities)), 8_000_000)
    sigma = 3.0 * np.sqrt(pop / 100_000)  # 100k people → 3 km, 1M → 9.5 km
    return Cities(pts[pick, 0], pts[pick, 1], pop, sigma)


def _scatter(rng: np.random.Generator, cities: Cities, n: int) -> tuple[np.ndarray, ...]:
    which = rng.choice(len(cities.pop), size=n, p=cities.pop / cities.pop.sum())
    s = cities.sigma_km[which]
    dlat = rng.normal(0, 1, n) * s / KM_PER_DEG_LAT
    dlon = rng.normal(0, 1, n) * s / (KM_PER_DEG_LAT * np.cos(np.radians(cities.lat[which])))
    return cities.lat[which] + dlat, cities.lon[which] + dlon, which


def synth_frame(n: int, seed: int = 0, *, rural_share: float = 0.08) -> pd.DataFrame:
    """``n`` resources in the validated Directory form (see module docstring)."""
    rng = np.random.default_rng(seed)
    cities = make_cities(seed=seed)
    kind = rng.random(n)
    online = kind < 0.03
    rural = (kind >= 0.03) & (kind < 0.03 + rural_share)
    lat, lon, _ = _scatter(rng, cities, n)
    nr = int(rural.sum())
    lat[rural] = rng.uniform(*US_LAT, nr)
    lon[rural] = rng.uniform(*US_LON, nr)
    lat[online] = np.nan
    lon[online] = np.nan
    outreach = (~online) & (rng.random(n) < 0.02)
    srad = np.where(outreach, rng.uniform(5, 40, n).round(1), np.nan)

    cat_i = rng.integers(0, len(CATEGORIES), n)
    word_i = rng.integers(0, 7, n)
    adj_i = rng.integers(0, len(ADJ), n)
    aud_i = rng.integers(0, len(AUDIENCE), n)
    n_tags = rng.integers(0, 4, n)
    free_r = rng.random(n)
    age_r = rng.random(n)
    lang_r = rng.random((n, 2))
    lang_j = rng.integers(1, len(LANGS), n)
    acc_bits = rng.random((n, len(ACCESS))) < 0.25
    acc_known = rng.random(n) < 0.6
    n_sess = rng.integers(0, 4, n)
    sess_day = rng.integers(0, 7, (n, 3))
    sess_start = rng.integers(16, 40, (n, 3)) * 30  # 08:00 … 19:30
    sess_len = rng.integers(2, 5, (n, 3)) * 30
    verified_days = rng.integers(0, 3 * 365, n)
    today = date(2026, 1, 1)

    ids, names, descs, cats, tags, langs, accs, sessions, scheds = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    free, cost, lv = [], [], []
    for i in range(n):
        cat = CATEGORIES[cat_i[i]]
        words = CATEGORY_WORDS[cat]
        w = words[word_i[i] % len(words)]
        ids.append(f"r{i:07d}")
        names.append(f"{ADJ[adj_i[i]].title()} {w} {i % 97}")
        descs.append(
            f"A {ADJ[adj_i[i]]} {w} group for {AUDIENCE[aud_i[i]]}. "
            f"Come along to enjoy {words[(word_i[i] + 1) % len(words)]} and meet people."
        )
        cats.append(cat)
        tags.append(tuple(words[(word_i[i] + j) % len(words)] for j in range(n_tags[i])))
        lg = ["english"] if lang_r[i, 0] < 0.9 else []
        if lang_r[i, 1] < 0.3:
            lg.append(LANGS[lang_j[i]])
        langs.append(tuple(lg))
        accs.append(tuple(a for a, b in zip(ACCESS, acc_bits[i]) if b) if acc_known[i] else ())
        ss = tuple(
            sorted(
                {
                    Session(
                        int(sess_day[i, j]),
                        int(sess_start[i, j]),
                        int(sess_start[i, j] + sess_len[i, j]) % 1440,
                    )
                    for j in range(n_sess[i])
                }
            )
        )
        sessions.append(ss)
        scheds.append(format_sessions(ss) or None)
        if free_r[i] < 0.6:
            free.append(True)
            cost.append(None)
        elif free_r[i] < 0.8:
            free.append(False)
            cost.append(f"${int(free_r[i] * 20)} per session")
        else:
            free.append(None)
            cost.append(None)
        lv.append(today - timedelta(days=int(verified_days[i])))
    min_age = np.where(age_r < 0.15, 18.0, np.where(age_r < 0.2, 55.0, np.nan))
    max_age = np.where((age_r > 0.95), 25.0, np.nan)
    data = {
        "id": ids,
        "name": names,
        "description": descs,
        "category": cats,
        "category_source": ["given"] * n,
        "tags": tags,
        "address": [None] * n,
        "city": [None] * n,
        "postal_code": [None] * n,
        "lat": lat,
        "lon": lon,
        "online": online,
        "location_source": ["online" if o else "coordinates" for o in online],
        "phone": [None] * n,
        "url": [None] * n,
        "schedule": scheds,
        "sessions": sessions,
        "free": free,
        "cost": cost,
        "min_age": min_age,
        "max_age": max_age,
        "languages": langs,
        "accessibility": accs,
        "service_radius_km": srad,
        "capacity": np.full(n, np.nan),
        "last_verified": lv,
        "source": ["synthetic"] * n,
    }
    numeric = ("lat", "lon", "min_age", "max_age", "service_radius_km", "capacity")
    return pd.DataFrame(
        {k: pd.Series(v, dtype="float64" if k in numeric else object) for k, v in data.items()}
    )


def synth_directory(n: int, seed: int = 0) -> rxmatch.Directory:
    """A :class:`rxmatch.Directory` of ``n`` synthetic resources (no row is skipped)."""
    frame = synth_frame(n, seed)
    report = rxmatch.LoadReport(f"synthetic-{n}-seed{seed}", n, n)
    return rxmatch.Directory(frame, report)


def to_input_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rows in the input schema (what ``Directory.from_frame`` reads)."""
    df = frame.drop(columns=["sessions", "category_source", "location_source"]).copy()
    for col in ("tags", "languages", "accessibility"):
        df[col] = df[col].map(";".join)
    return df


def synth_embeddings(n: int, dim: int = 384, seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    """``(n, dim)`` float32 random unit vectors (seeded, generated in chunks)."""
    rng = np.random.default_rng(seed + 1)
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, chunk):
        x = rng.standard_normal((min(chunk, n - s), dim), dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[s : s + len(x)] = x
    return out


def synth_queries(
    n: int, seed: int = 0, *, radius_km: float = 15.0, rural_share: float = 0.2
) -> list[rxmatch.Referral]:
    """Referrals whose homes are in dense city areas (80 %) or rural (20 %), radius 15 km."""
    rng = np.random.default_rng(seed + 2)
    cities = make_cities(seed=seed)
    big = np.argsort(-cities.pop)[:40]
    sub = Cities(cities.lat[big], cities.lon[big], cities.pop[big], cities.sigma_km[big])
    lat, lon, _ = _scatter(rng, sub, n)
    rural = rng.random(n) < rural_share
    lat[rural] = rng.uniform(*US_LAT, int(rural.sum()))
    lon[rural] = rng.uniform(*US_LON, int(rural.sum()))
    return [
        rxmatch.Referral(
            QUERY_TEXTS[i % len(QUERY_TEXTS)],
            lat=float(lat[i]),
            lon=float(lon[i]),
            max_km=radius_km,
            referral_id=f"q{i}",
        )
        for i in range(n)
    ]


def wishes_group(n_wishes: int) -> str:
    """The facet-count group of a referral: "1" (read whole), "2", "3" or "4+" wishes."""
    return "4+" if n_wishes >= 4 else str(max(1, n_wishes))


def referral_texts() -> pd.DataFrame:
    """Every bundled referral text, in file order: the real-data referrals (San Mateo, NYC)
    and the synthetic set. Columns: ``text``, ``source``, ``language`` (as labelled:
    ``en``, ``es`` or ``other``), ``wishes`` (how many interests
    :func:`rxmatch.features.facets.split_facets` reads: each is embedded and scored on its
    own when there are two or more) and ``wishes_group`` (:func:`wishes_group`)."""
    from rxmatch.datasets import load_real_referrals, load_synthetic_referrals
    from rxmatch.features.facets import split_facets

    parts = []
    for source, df in (
        ("sanmateo", load_real_referrals("sanmateo")),
        ("nyc", load_real_referrals("nyc")),
        ("synthetic", load_synthetic_referrals()),
    ):
        lang = df["language_of_text"].astype(str)
        parts.append(
            pd.DataFrame(
                {
                    "text": df["what_matters"].astype(str),
                    "source": source,
                    "language": np.where(lang.isin(["en", "es"]), lang, "other"),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["wishes"] = [len(split_facets(t).interests) for t in out["text"]]
    out["wishes_group"] = [wishes_group(w) for w in out["wishes"]]
    return out


def real_text_queries(
    n: int, seed: int = 0, *, radius_km: float = 15.0, rural_share: float = 0.2
) -> tuple[list[rxmatch.Referral], pd.DataFrame]:
    """``n`` referrals with the homes of :func:`synth_queries` (same seed, same places) and
    the words of :func:`referral_texts`, drawn without replacement in a seeded order (then
    again once all were used), so that lengths, wishes and languages come in their natural
    mix. Returns the referrals and, aligned with them, the rows of :func:`referral_texts`
    they use (their ``source``, ``language`` and ``wishes``)."""
    homes = synth_queries(n, seed, radius_km=radius_km, rural_share=rural_share)
    pool = referral_texts()
    rng = np.random.default_rng(seed + 3)
    order = np.concatenate([rng.permutation(len(pool)) for _ in range(-(-n // len(pool)))])[:n]
    meta = pool.iloc[order].reset_index(drop=True)
    refs = [h.replace(what_matters=t) for h, t in zip(homes, meta["text"])]
    return refs, meta
