#!/usr/bin/env python3
"""Generate the rxmatch synthetic evaluation set (directory, latent truth, referrals, qrels, data card).

Deterministic: one numpy Generator with a fixed seed; standard library + numpy + pandas only.

    python datasets/synthetic/make_synthetic.py            # writes into src/rxmatch/datasets/data/
    python datasets/synthetic/make_synthetic.py --out DIR  # writes elsewhere (README still goes next to this script)

Outputs (in src/rxmatch/datasets/data/ unless --out):
  synthetic_directory.csv        resources in the directory schema (docs/schema.md)
  synthetic_resource_truth.csv   latent truth per resource (never in the directory's columns)
  synthetic_referrals.jsonl      referrals: the person's own words + home + constraints + fixed split
  synthetic_qrels.csv            graded relevance made from the latent variables only
and next to this script:
  referral_truth.csv             latent needs / target subtopics / barriers per referral (for analysis)
  README.md                      the data card, with the numbers of this run filled in
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import text_bank as TB  # noqa: E402

SEED = 20251124
N_REFERRALS = 500
REGION_REFERRAL_SHARE = {"city": 0.55, "suburb": 0.27, "rural": 0.18}
N_PHYSICAL = {"city": 1290, "suburb": 630, "rural": 280}
N_ONLINE = 118
SPANISH_TEXTS = {"city": 42, "suburb": 16, "rural": 2}  # 60 of 500 referrals (12%) in Spanish
N_DUPLICATES = 56
P_MESSY = 0.07  # share of (non-duplicate) records given one or two deliberate problems
P_STALE = 0.07  # share of originals last verified in 2019-2021
REGION_NAME = {
    "city": "chicago_city",
    "suburb": "naperville_aurora_suburb",
    "rural": "northwoods_wi_rural",
}
TODAY = date(
    2025, 11, 1
)  # reference date for "recent" last_verified values (fixed for determinism)

# ---------------------------------------------------------------------------------------------- geography
# (name, lat, lon, ZIP, population weight, language shares {Spanish, Polish, Chinese, Arabic}, streets)
CITY = [
    (
        "Loop",
        41.8819,
        -87.6290,
        "60602",
        45,
        {},
        ["W Randolph St", "S State St", "W Washington St", "S Wabash Ave"],
    ),
    (
        "Near North",
        41.9000,
        -87.6340,
        "60610",
        90,
        {},
        ["N Clark St", "W Division St", "N LaSalle Dr"],
    ),
    (
        "Lincoln Park",
        41.9220,
        -87.6520,
        "60614",
        70,
        {},
        ["N Lincoln Ave", "W Fullerton Ave", "N Halsted St"],
    ),
    (
        "Lakeview",
        41.9400,
        -87.6540,
        "60657",
        100,
        {},
        ["N Broadway", "W Belmont Ave", "N Sheffield Ave"],
    ),
    (
        "Uptown",
        41.9660,
        -87.6550,
        "60640",
        57,
        {"Spanish": 0.08, "Chinese": 0.04},
        ["N Broadway", "W Lawrence Ave", "W Wilson Ave"],
    ),
    (
        "Edgewater",
        41.9900,
        -87.6610,
        "60660",
        56,
        {"Spanish": 0.06},
        ["N Broadway", "W Bryn Mawr Ave", "N Sheridan Rd"],
    ),
    (
        "Rogers Park",
        42.0090,
        -87.6700,
        "60626",
        55,
        {"Spanish": 0.15},
        ["N Sheridan Rd", "W Devon Ave", "N Clark St"],
    ),
    (
        "West Ridge",
        42.0000,
        -87.6950,
        "60659",
        77,
        {"Arabic": 0.08, "Spanish": 0.08},
        ["W Devon Ave", "N Western Ave", "N California Ave"],
    ),
    (
        "Albany Park",
        41.9680,
        -87.7230,
        "60625",
        49,
        {"Spanish": 0.3, "Arabic": 0.05},
        ["W Lawrence Ave", "N Kedzie Ave", "W Montrose Ave"],
    ),
    (
        "Jefferson Park",
        41.9700,
        -87.7630,
        "60630",
        26,
        {"Polish": 0.2, "Spanish": 0.1},
        ["N Milwaukee Ave", "W Lawrence Ave", "N Central Ave"],
    ),
    (
        "Portage Park",
        41.9580,
        -87.7650,
        "60641",
        63,
        {"Polish": 0.15, "Spanish": 0.15},
        ["W Irving Park Rd", "N Cicero Ave", "N Milwaukee Ave"],
    ),
    (
        "Avondale",
        41.9390,
        -87.7110,
        "60618",
        36,
        {"Spanish": 0.3, "Polish": 0.08},
        ["W Belmont Ave", "N Kedzie Ave", "N Milwaukee Ave"],
    ),
    (
        "Logan Square",
        41.9230,
        -87.7080,
        "60647",
        71,
        {"Spanish": 0.25},
        ["N Milwaukee Ave", "W Fullerton Ave", "N Kedzie Blvd"],
    ),
    (
        "Belmont Cragin",
        41.9310,
        -87.7680,
        "60639",
        78,
        {"Spanish": 0.5, "Polish": 0.05},
        ["W Belmont Ave", "W Fullerton Ave", "N Central Ave"],
    ),
    (
        "Humboldt Park",
        41.9020,
        -87.7210,
        "60651",
        54,
        {"Spanish": 0.35},
        ["W Division St", "N California Ave", "W North Ave"],
    ),
    (
        "Wicker Park",
        41.9090,
        -87.6770,
        "60622",
        87,
        {"Spanish": 0.08},
        ["N Damen Ave", "W North Ave", "N Milwaukee Ave"],
    ),
    (
        "Austin",
        41.8940,
        -87.7650,
        "60644",
        96,
        {"Spanish": 0.05},
        ["W Madison St", "N Central Ave", "W Chicago Ave"],
    ),
    (
        "East Garfield Park",
        41.8810,
        -87.7030,
        "60624",
        20,
        {},
        ["W Madison St", "N Central Park Ave", "W Lake St"],
    ),
    (
        "West Loop",
        41.8820,
        -87.6480,
        "60607",
        67,
        {},
        ["W Randolph St", "W Madison St", "S Halsted St"],
    ),
    (
        "Pilsen",
        41.8560,
        -87.6600,
        "60608",
        34,
        {"Spanish": 0.55},
        ["W 18th St", "S Blue Island Ave", "S Ashland Ave"],
    ),
    (
        "Little Village",
        41.8450,
        -87.7150,
        "60623",
        71,
        {"Spanish": 0.65},
        ["W 26th St", "S Pulaski Rd", "S Kedzie Ave"],
    ),
    (
        "Chinatown",
        41.8520,
        -87.6320,
        "60616",
        14,
        {"Chinese": 0.6},
        ["S Wentworth Ave", "W Cermak Rd", "S Archer Ave"],
    ),
    (
        "Bridgeport",
        41.8380,
        -87.6510,
        "60609",
        33,
        {"Chinese": 0.25, "Spanish": 0.15},
        ["S Halsted St", "W 31st St", "S Morgan St"],
    ),
    (
        "Brighton Park",
        41.8190,
        -87.6990,
        "60632",
        45,
        {"Spanish": 0.55, "Polish": 0.05},
        ["S Archer Ave", "W 47th St", "S Kedzie Ave"],
    ),
    (
        "Chicago Lawn",
        41.7790,
        -87.6960,
        "60629",
        95,
        {"Spanish": 0.45, "Arabic": 0.12},
        ["W 63rd St", "S Kedzie Ave", "S Pulaski Rd"],
    ),
    (
        "Garfield Ridge",
        41.7950,
        -87.7700,
        "60638",
        35,
        {"Spanish": 0.3, "Polish": 0.15},
        ["S Archer Ave", "S Harlem Ave", "W 55th St"],
    ),
    (
        "Englewood",
        41.7800,
        -87.6450,
        "60621",
        45,
        {},
        ["W 63rd St", "S Halsted St", "S Ashland Ave"],
    ),
    (
        "Bronzeville",
        41.8160,
        -87.6170,
        "60653",
        35,
        {},
        ["S King Dr", "E 47th St", "S Cottage Grove Ave"],
    ),
    (
        "Hyde Park",
        41.7940,
        -87.5900,
        "60615",
        29,
        {},
        ["E 53rd St", "S Lake Park Ave", "E 55th St"],
    ),
    (
        "Woodlawn",
        41.7800,
        -87.6000,
        "60637",
        24,
        {},
        ["E 63rd St", "S Cottage Grove Ave", "S Woodlawn Ave"],
    ),
    (
        "South Shore",
        41.7620,
        -87.5760,
        "60649",
        53,
        {},
        ["E 71st St", "S Jeffery Blvd", "S Exchange Ave"],
    ),
    (
        "Chatham",
        41.7410,
        -87.6120,
        "60619",
        31,
        {},
        ["E 79th St", "S Cottage Grove Ave", "S King Dr"],
    ),
    (
        "Beverly",
        41.7150,
        -87.6750,
        "60643",
        20,
        {},
        ["S Western Ave", "W 103rd St", "S Longwood Dr"],
    ),
    (
        "Roseland",
        41.7070,
        -87.6250,
        "60628",
        38,
        {},
        ["S Michigan Ave", "W 111th St", "E 115th St"],
    ),
]
SUBURB = [
    (
        "Naperville",
        41.7730,
        -88.1480,
        "60540",
        55,
        {"Spanish": 0.05, "Chinese": 0.04},
        ["S Washington St", "W Jefferson Ave", "E Ogden Ave", "Aurora Ave"],
    ),
    (
        "North Naperville",
        41.7950,
        -88.1700,
        "60563",
        40,
        {"Spanish": 0.05, "Chinese": 0.05},
        ["N Route 59", "Diehl Rd", "W Ogden Ave"],
    ),
    (
        "South Naperville",
        41.7100,
        -88.1900,
        "60564",
        45,
        {"Spanish": 0.04, "Chinese": 0.05},
        ["S Route 59", "95th St", "Book Rd"],
    ),
    (
        "Naperville East",
        41.7300,
        -88.1300,
        "60565",
        40,
        {"Spanish": 0.04},
        ["Naper Blvd", "75th St", "Modaff Rd"],
    ),
    (
        "Aurora",
        41.7570,
        -88.3150,
        "60505",
        80,
        {"Spanish": 0.5},
        ["N Broadway", "W Galena Blvd", "N Lake St", "E New York St"],
    ),
    (
        "East Aurora",
        41.7550,
        -88.2500,
        "60504",
        60,
        {"Spanish": 0.2},
        ["E New York St", "Eola Rd", "Montgomery Rd"],
    ),
    (
        "West Aurora",
        41.7680,
        -88.3500,
        "60506",
        50,
        {"Spanish": 0.3},
        ["W Galena Blvd", "Orchard Rd", "W Indian Trail"],
    ),
    (
        "Lisle",
        41.8010,
        -88.0750,
        "60532",
        23,
        {"Spanish": 0.05},
        ["Main St", "Ogden Ave", "Maple Ave"],
    ),
    (
        "Warrenville",
        41.8180,
        -88.1730,
        "60555",
        13,
        {"Spanish": 0.1},
        ["Batavia Rd", "Warrenville Rd", "River Rd"],
    ),
    (
        "Wheaton",
        41.8660,
        -88.1070,
        "60187",
        53,
        {"Spanish": 0.05},
        ["W Roosevelt Rd", "N Main St", "W Liberty Dr"],
    ),
    (
        "Bolingbrook",
        41.6990,
        -88.0680,
        "60440",
        73,
        {"Spanish": 0.2, "Arabic": 0.03},
        ["W Boughton Rd", "Lindsey Ln", "W Briarcliff Rd"],
    ),
    (
        "Plainfield",
        41.6270,
        -88.2040,
        "60544",
        45,
        {"Spanish": 0.08},
        ["W Lockport St", "Route 59", "Van Dyke Rd"],
    ),
    (
        "Oswego",
        41.6830,
        -88.3510,
        "60543",
        36,
        {"Spanish": 0.1},
        ["Washington St", "Route 34", "Orchard Rd"],
    ),
    (
        "Downers Grove",
        41.7940,
        -88.0100,
        "60515",
        50,
        {"Spanish": 0.04, "Polish": 0.04},
        ["Main St", "Ogden Ave", "Curtiss St"],
    ),
]
RURAL = [  # small towns of Vilas & Oneida counties (county per town: ONEIDA below); Spanish share set below
    (
        "Rhinelander",
        45.6366,
        -89.4121,
        "54501",
        14,
        {},
        ["N Brown St", "Lincoln St", "Davenport St", "W Kemp St"],
    ),
    (
        "Eagle River",
        45.9172,
        -89.2443,
        "54521",
        6,
        {},
        ["Wall St", "Railroad St", "Hwy 45 N", "Pine St"],
    ),
    ("Minocqua", 45.8711, -89.7112, "54548", 6, {}, ["Oneida St", "Chicago Ave", "Hwy 51"]),
    ("Woodruff", 45.8972, -89.6898, "54568", 3, {}, ["Hwy 47", "2nd Ave", "Hwy 51"]),
    ("Three Lakes", 45.8000, -89.1630, "54562", 2.4, {}, ["Superior St", "Hwy 32", "Maple St"]),
    ("St. Germain", 45.9130, -89.4900, "54558", 2.2, {}, ["Hwy 70 W", "Hwy 155"]),
    ("Boulder Junction", 46.1120, -89.6430, "54512", 1.2, {}, ["Main St", "County Rd M"]),
    ("Manitowish Waters", 46.1350, -89.8890, "54545", 0.8, {}, ["Hwy 51", "County Rd W"]),
    ("Lac du Flambeau", 45.9700, -89.8920, "54538", 3.0, {}, ["Peace Pipe Rd", "Hwy 47"]),
    ("Land O' Lakes", 46.1550, -89.2180, "54540", 0.9, {}, ["Hwy 45", "Town Hall Rd"]),
    ("Sayner", 46.0130, -89.5150, "54560", 0.8, {}, ["Hwy 155", "County Rd N"]),
    ("Conover", 46.0500, -89.2600, "54519", 1.2, {}, ["Hwy 45", "County Rd K"]),
    ("Hazelhurst", 45.7800, -89.7300, "54531", 1.3, {}, ["Hwy 51", "Swamp Lake Rd"]),
    ("Lake Tomahawk", 45.8150, -89.5950, "54539", 1.0, {}, ["Bradley St", "Hwy 47"]),
    ("Presque Isle", 46.2200, -89.7400, "54557", 0.6, {}, ["Main St", "County Rd B"]),
    ("Phelps", 46.0650, -89.0850, "54554", 1.2, {}, ["Hwy 17", "Town Line Rd"]),
]
ONEIDA = {"Rhinelander", "Minocqua", "Woodruff", "Three Lakes", "Hazelhurst", "Lake Tomahawk"}
for _row in RURAL:
    _row[5]["Spanish"] = 0.01
PLACES = {"city": CITY, "suburb": SUBURB, "rural": RURAL}
CITY_NAME = {"city": "Chicago", "suburb": None, "rural": None}

# Named outdoor venues with coordinates (nature resources are placed near these, not at neighbourhood centres).
NATURE = {
    "city": [
        ("Montrose Point", 41.963, -87.635),
        ("North Park Village Nature Center", 41.995, -87.722),
        ("the Humboldt Park lagoon", 41.903, -87.703),
        ("Jackson Park's Wooded Island", 41.787, -87.581),
        ("LaBagh Woods", 41.973, -87.742),
        ("the Lakefront Trail at Fullerton", 41.926, -87.632),
        ("Big Marsh Park", 41.687, -87.567),
        ("the 606 trail", 41.914, -87.690),
        ("the Burnham Wildlife Corridor", 41.830, -87.607),
        ("Rainbow Beach", 41.760, -87.549),
        ("Garfield Park Conservatory", 41.886, -87.717),
        ("Montrose Beach", 41.966, -87.638),
        ("the Chicago River at Horner Park", 41.958, -87.691),
    ],
    "suburb": [
        ("the Morton Arboretum", 41.816, -88.069),
        ("Springbrook Prairie", 41.724, -88.170),
        ("Knoch Knolls Park", 41.717, -88.133),
        ("Phillips Park", 41.740, -88.290),
        ("the Naperville Riverwalk", 41.772, -88.148),
        ("McDowell Grove", 41.797, -88.185),
        ("Waubonsie Lake", 41.715, -88.313),
        ("Herrick Lake", 41.848, -88.138),
        ("Blackwell Forest Preserve", 41.845, -88.172),
        ("the Illinois Prairie Path", 41.866, -88.110),
        ("Centennial Beach", 41.775, -88.155),
        ("the Fox River Trail", 41.760, -88.318),
    ],
    "rural": [
        ("the Northern Highland American Legion State Forest", 46.000, -89.620),
        ("the Bearskin State Trail", 45.790, -89.705),
        ("Trout Lake", 46.030, -89.670),
        ("the Heart of Vilas bike trail", 46.105, -89.640),
        ("Boulder Lake", 46.090, -89.660),
        ("Lake Minocqua", 45.868, -89.700),
        ("the Three Eagle Trail", 45.860, -89.200),
        ("the Eagle River chain of lakes", 45.930, -89.200),
        ("Hodag Park", 45.650, -89.405),
        ("the Lake Tomahawk boat landing", 45.812, -89.600),
        ("the Sylvania trailhead", 46.210, -89.300),
        ("Pioneer Park", 45.640, -89.425),
        ("Clear Lake", 45.900, -89.580),
        ("Fence Lake", 46.000, -89.840),
    ],
}

LANGS = ["English", "Spanish", "Polish", "Chinese", "Arabic"]
LANG_BIT = {l: 1 << i for i, l in enumerate(LANGS)}
ACCESS = [
    "wheelchair",
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "sign_language",
    "large_print",
    "quiet_space",
    "seated_options",
]
ACC_BIT = {a: 1 << i for i, a in enumerate(ACCESS)}
PHYSICAL_ACC = ACC_BIT["wheelchair"] | ACC_BIT["step_free"] | ACC_BIT["accessible_toilet"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
AREA_CODES = {
    "city": ["312", "773", "872"],
    "suburb": ["630", "331"],
    "rural": ["715"],
    "online": ["888", "312", "715"],
}

SUB_IDS = list(TB.SUBTOPICS)
SUB_INDEX = {s: i for i, s in enumerate(SUB_IDS)}
CAT_INDEX = {c: i for i, c in enumerate(TB.CATEGORIES)}

rng = np.random.default_rng(SEED)


# ---------------------------------------------------------------------------------------------- helpers
def choice(seq, p=None):
    """rng choice returning a Python object (not a numpy scalar)."""
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return seq[int(rng.choice(len(seq), p=p))]


def haversine(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def offset_km(lat, lon, dist_km, bearing_rad):
    dlat = dist_km * math.cos(bearing_rad) / 111.0
    dlon = dist_km * math.sin(bearing_rad) / (111.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def nearest_place(kind, lat, lon):
    pl = PLACES[kind]
    d = haversine(lat, lon, np.array([p[1] for p in pl]), np.array([p[2] for p in pl]))
    return pl[int(np.argmin(d))]


def city_of(kind, place):
    return CITY_NAME[kind] or place[0].replace("North ", "").replace("South ", "").replace(
        "East ", ""
    ).replace("West ", "").replace("Naperville East", "Naperville")


def county_of(place_name):
    return "Oneida" if place_name in ONEIDA else "Vilas"


def fmt_time(minutes):
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def lower_first(s):
    if s.startswith("I ") or s.startswith("I'"):
        return s
    return s[0].lower() + s[1:]


def tokens(text):
    toks = re.findall(r"[a-záéíóúñü]+", text.lower())
    return {t for t in toks if len(t) > 1 and t not in TB.STOPWORDS}


def typo_word(w):
    """A plausible keyboard slip in one word (swap, drop or double a letter)."""
    if len(w) < 5:
        return w
    i = int(rng.integers(1, len(w) - 2))
    op = int(rng.integers(0, 3))
    if op == 0:
        return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    if op == 1:
        return w[:i] + w[i + 1 :]
    return w[:i] + w[i] + w[i:]


def add_typos(text, n=1, allow_caps=False):
    words = text.split(" ")
    cand = [
        i
        for i, w in enumerate(words)
        if len(re.sub(r"\W", "", w)) >= 5 and (allow_caps or not w[0].isupper())
    ]
    if not cand:
        return text
    for i in rng.choice(cand, size=min(n, len(cand)), replace=False):
        core = re.match(r"^(\W*)(\w+)(\W*)$", words[i])
        if core:
            words[i] = core.group(1) + typo_word(core.group(2)) + core.group(3)
    return " ".join(words)


# ---------------------------------------------------------------------------------------------- resources
def schedule_for(times):
    if rng.random() < 0.07:
        return ""
    w = [0.35 if t == "late" else 1.0 for t in times]
    slot = choice(times, w)
    if slot == "office":
        return choice(
            [
                "Mon-Fri 09:00-17:00",
                "Mon-Fri 08:30-16:30",
                "Tue-Thu 10:00-15:00",
                "Mon-Fri 09:00-17:00; Sat 09:00-12:00",
                "Mon 09:00-17:00; Wed 09:00-19:00; Fri 09:00-13:00",
                "Tue 10:00-14:00; Thu 15:00-19:00",
                "Sat 09:00-12:00",
                "Wed 16:00-19:00",
            ]
        )
    if slot == "daily":
        return choice(
            ["Daily 08:00-20:00", "Daily 09:00-17:00", "Mon-Sat 09:00-18:00", "Mon-Fri 10:00-16:00"]
        )
    if slot == "late":
        return choice(
            [
                "Fri 22:00-00:30",
                "Sat 21:00-01:00",
                "Daily 20:00-02:00",
                "Sat 20:30-00:30",
                "Fri 21:00-23:30",
                "Thu 19:30-21:30; Sat 22:00-00:00",
            ]
        )
    n = choice([1, 2, 3], [0.62, 0.3, 0.08])
    starts = {
        "morning": (9 * 60, 10 * 60 + 30),
        "afternoon": (13 * 60, 15 * 60),
        "evening": (17 * 60 + 30, 19 * 60 + 30),
        "lunch": (11 * 60 + 30, 12 * 60 + 30),
        "weekend": (8 * 60, 14 * 60),
        "early": (6 * 60 + 30, 7 * 60 + 30),
    }
    lo, hi = starts[slot]
    if slot == "weekend":
        days = ["Sat", "Sun"]
    elif slot == "early":
        days = ["Sat", "Sun", "Tue", "Thu"]
    else:
        days = DAYS[:5] if rng.random() < 0.9 else DAYS
    picked = sorted(
        set(rng.choice(days, size=min(n, len(days)), replace=False).tolist()), key=DAYS.index
    )
    start = int(rng.integers(lo // 30, hi // 30 + 1)) * 30
    dur = int(choice([60, 75, 90, 120, 150], [0.3, 0.15, 0.3, 0.2, 0.05]))
    return "; ".join(f"{d} {fmt_time(start)}-{fmt_time(start + dur)}" for d in picked)


def pick_age(spec):
    return choice([a for a, _ in spec], [p for _, p in spec])


def pick_access(vt, kind, sub):
    base_wc = {"nature": 0.25, "workshop": 0.3, "church": 0.5, "arts_center": 0.5}.get(vt, 0.65)
    if kind == "rural":
        base_wc *= 0.8
    codes = []
    wc = rng.random() < base_wc
    if wc:
        codes.append("wheelchair")
    if rng.random() < (0.85 if wc else 0.2):
        codes.append("step_free")
    if rng.random() < (0.7 if wc else 0.1):
        codes.append("accessible_toilet")
    if rng.random() < (0.2 if vt in ("library", "senior_center", "clinic") else 0.07):
        codes.append("hearing_loop")
    if rng.random() < 0.04:
        codes.append("sign_language")
    if rng.random() < (0.3 if vt in ("library", "senior_center") else 0.08):
        codes.append("large_print")
    if rng.random() < (0.25 if TB.SUBTOPICS[sub]["cat"] == "support_wellbeing" else 0.08):
        codes.append("quiet_space")
    if rng.random() < (
        0.5 if TB.SUBTOPICS[sub]["cat"] == "movement_sport" or vt == "senior_center" else 0.12
    ):
        codes.append("seated_options")
    return codes


def pick_languages(profile, desc_lang, sub):
    """The languages column (list; empty = not stated)."""
    if desc_lang == "es":
        return ["Spanish"] if rng.random() < 0.5 else ["Spanish", "English"]
    if rng.random() < 0.25:
        return []
    langs = ["English"]
    for lang, share in profile.items():
        if rng.random() < min(0.9, share * 1.3):
            langs.append(lang)
    if sub == "esl_class" and rng.random() < 0.5:
        for lang in ("Spanish", "Polish", "Chinese", "Arabic"):
            if lang not in langs and rng.random() < 0.3:
                langs.append(lang)
    # A few groups run in a community language only (no English)
    if len(langs) > 1 and langs[1] in ("Polish", "Chinese", "Arabic") and rng.random() < 0.25:
        langs = langs[1:]
    return langs


def compose_description(
    sub, lang, ctx, kind, codes, langs, free, cost, min_age, max_age, online, cultural_lang
):
    S = TB.SUBTOPICS[sub]
    if cultural_lang:
        frags = TB.CULTURAL_VARIANTS[cultural_lang][1]
    else:
        frags = S["es_desc"] if lang == "es" else S["desc"]
    if online:
        f2 = [f for f in frags if not re.search(r"\{(venue|place|city)\}", f)]
        frags = f2 or frags
    main = choice(frags).format(**ctx)
    logi = TB.LOGI_ES if lang == "es" else TB.LOGI_EN
    groups = ["who", "signup", "online" if online else kind, "cost"] + (
        [] if online else ["refresh"]
    )
    if min_age or max_age:
        groups.append("age")
    if codes and not online:
        groups.append("access")
    if lang == "en" and any(l != "English" for l in langs):
        groups.append("lang")
    if lang == "en" and S["bring"] and not online:
        groups.append("bring")
    n = choice([0, 1, 2, 3], [0.22, 0.36, 0.28, 0.14])
    extras = []
    for g in rng.choice(groups, size=min(n, len(groups)), replace=False).tolist():
        if g == "age":
            if lang == "es":
                s = (
                    f"Para mayores de {min_age} años."
                    if min_age and not max_age
                    else f"Edades {min_age or 0} a {max_age}."
                )
            elif max_age:
                s = choice(
                    [
                        f"Ages {min_age or 0}-{max_age}.",
                        f"For young people aged {min_age or 0} to {max_age}.",
                    ]
                )
            else:
                s = choice(
                    [
                        f"Ages {min_age}+.",
                        f"For adults {min_age} and over.",
                        f"Participants must be {min_age} or older.",
                    ]
                )
        elif g == "access":
            table = TB.ACCESS_ES if lang == "es" else TB.ACCESS_EN
            avail = [c for c in codes if c in table]
            if not avail:
                continue
            s = table[choice(avail)]
        elif g == "lang":
            s = choice(TB.LANG_EN[choice([l for l in langs if l != "English"])])
        elif g == "bring":
            s = choice(S["bring"])
        elif g == "cost":
            pool = TB.COST_ES if lang == "es" else TB.COST_EN
            if free:
                s = pool[0] if lang == "es" else choice([pool[0], pool[3]])
            else:
                s = choice(pool[1:3] if lang == "en" else pool[1:2]).format(cost=cost)
        else:
            s = choice(logi[g]).format(**ctx)
        extras.append(s)
    return " ".join([main] + extras)


def make_resource(kind, sub, online=False):
    S = TB.SUBTOPICS[sub]
    vt = choice(S["vt"])
    if online:
        place = None
        pname = choice(TB.ONLINE_PLACES)
        profile = {"Spanish": 0.08}
        lat = lon = None
        postal = ""
        city = "Online"
        street = ""
    else:
        places = PLACES[kind]
        if vt == "nature":
            nm, nlat, nlon = choice(NATURE[kind])
            jitter = (0.004, 0.005) if kind != "rural" else (0.01, 0.013)
            lat = nlat + rng.normal(0, jitter[0])
            lon = nlon + rng.normal(0, jitter[1])
            place = nearest_place(kind, lat, lon)
        else:
            place = choice(places, [p[4] ** 0.9 for p in places])
            sd = {"city": (0.0065, 0.0085), "suburb": (0.011, 0.015), "rural": (0.007, 0.01)}[kind]
            if (
                kind == "rural" and rng.random() < 0.18
            ):  # out-of-town venues (camps, halls on county roads)
                lat, lon = offset_km(
                    place[1],
                    place[2],
                    float(rng.uniform(3, 14)),
                    float(rng.uniform(0, 2 * math.pi)),
                )
            else:
                lat = place[1] + rng.normal(0, sd[0])
                lon = place[2] + rng.normal(0, sd[1])
        pname = place[0]
        profile = dict(place[5])
        postal = place[3]
        city = city_of(kind, place)
        street = choice(place[6])

    if not online:  # label with exactly the values that are written to the files
        lat, lon = round(float(lat), 5), round(float(lon), 5)
    # description language: Spanish for some groups in Spanish-speaking areas (only subtopics with Spanish text)
    es_share = profile.get("Spanish", 0.0)
    desc_lang = "es" if (S["es_desc"] and rng.random() < min(0.8, es_share * 0.82)) else "en"
    langs = pick_languages(profile, desc_lang, sub)
    cultural_lang = None
    if sub == "cultural_community_group" and desc_lang == "en":
        for l in ("Polish", "Chinese", "Arabic"):
            if l in langs:
                cultural_lang = l
                break
    free = bool(rng.random() < S["free_p"])
    cost = "" if free else choice(S["costs"])
    if free and rng.random() < 0.2:
        cost = (
            choice(["Free", "Free; donations welcome", "No cost"])
            if desc_lang == "en"
            else "Gratis"
        )
    min_age, max_age = pick_age(S["age"])
    codes = [] if online else pick_access(vt, kind, sub)
    if online:
        codes = [c for c in ("hearing_loop", "large_print", "sign_language") if rng.random() < 0.1]
        if rng.random() < 0.2:
            codes.append("seated_options")
    faith_pool = TB.FAITH["rural"] if kind == "rural" else TB.FAITH["default"]
    for l in ("Spanish", "Polish", "Chinese", "Arabic"):
        if kind != "rural" and profile.get(l, 0) > 0.1 and rng.random() < 0.6:
            faith_pool = TB.FAITH[l]
    faith = choice(faith_pool)
    if online:
        venue = "an online meeting room"
    else:
        if vt == "nature":
            venue = nm
        else:
            venue = choice(TB.VENUES[kind][vt]).format(
                place=pname, street=street, faith=faith, county=county_of(pname)
            )
    ctx = dict(
        place=pname,
        venue=venue,
        city=city if not online else "the region",
        day="",
        street=street,
        bus=choice(TB.CHICAGO_BUS),
        line=choice(TB.CHICAGO_L),
    )
    # names
    if cultural_lang:
        name_t = choice(TB.CULTURAL_VARIANTS[cultural_lang][0])
    elif desc_lang == "es" and S["es_names"] and rng.random() < 0.8:
        name_t = choice(S["es_names"])
    else:
        name_t = choice(S["names"])
    name = name_t.format(place=pname)
    if "{place}" not in name_t and not online and rng.random() < 0.35:
        name = (
            f"{name} - {pname}"
            if rng.random() < 0.5
            else f"{name} at {venue[4:] if venue.startswith('the ') else venue}"
        )
    if online and "{place}" not in name_t and rng.random() < 0.5:
        name = f"{name} (online)"
    description = compose_description(
        sub,
        desc_lang,
        ctx,
        "online" if online else kind,
        codes,
        langs,
        free,
        cost,
        min_age,
        max_age,
        online,
        cultural_lang,
    )
    schedule = schedule_for(S["times"])
    radius = None
    if S["radius"] and not online:
        radius = round(S["radius"][kind] * float(rng.uniform(0.8, 1.25)), 1)
    # tags: natural words only (never the subtopic id)
    tags = []
    if rng.random() > 0.15:
        tags = rng.choice(
            S["tags"], size=int(min(len(S["tags"]), rng.integers(2, 5))), replace=False
        ).tolist()
        if free and rng.random() < 0.3:
            tags.append("free")
        if min_age and min_age >= 50:
            tags.append("seniors")
        if desc_lang == "es" or ("Spanish" in langs and rng.random() < 0.3):
            tags.append(choice(["spanish", "español"]))
        if online:
            tags.append(choice(["online", "virtual"]))
        tags = list(dict.fromkeys(tags))
    address = ""
    if not online:
        if vt == "nature":
            address = nm[4:] if nm.startswith("the ") else nm
            address = address[0].upper() + address[1:]
        elif kind == "rural":
            address = (
                f"{int(rng.integers(100, 9999))} {street}"
                if "Hwy" in street or "County" in street or "Rd" in street
                else f"{int(rng.integers(100, 1200))} {street}"
            )
        else:
            address = f"{int(rng.integers(100, 7999)) if kind == 'city' else int(rng.integers(100, 2999))} {street}"
        if rng.random() < 0.06:
            address += choice([", Suite 200", ", Room 101", ", 2nd floor", ", lower level"])
    phone = (
        ""
        if rng.random() < 0.2
        else f"({choice(AREA_CODES['online' if online else kind])}) 555-01{int(rng.integers(0, 100)):02d}"
    )
    url = ""
    if rng.random() < (0.75 if online else 0.45):
        slug = re.sub(r"[^a-z0-9]+", "", name.lower())[:22] or "group"
        url = choice(
            [
                f"https://www.{slug}.example.org",
                f"https://{slug}.example.com",
                f"https://example.org/{slug}",
            ]
        )
    cap_base = {
        "food_pantry": (150, 600),
        "home_delivered_meals": (40, 300),
        "befriending_service": (20, 120),
        "transport_ride_scheme": (20, 150),
        "housing_advice": (20, 120),
        "benefits_money_advice": (20, 150),
        "utility_assistance": (30, 300),
    }.get(sub, (8, 60))
    capacity = int(rng.integers(*cap_base)) if rng.random() < 0.55 else None
    stale = bool(rng.random() < P_STALE)
    if stale:
        lv = date(2019, 1, 1) + timedelta(days=int(rng.integers(0, 3 * 365)))
    else:
        lv = TODAY - timedelta(days=int(rng.integers(0, 2 * 365 + 300)))
    return dict(
        kind="online" if online else kind,
        subtopic=sub,
        name=name,
        description=description,
        category=S["cat"],
        tags=tags,
        address=address,
        city=city,
        postal_code=postal,
        lat=lat,
        lon=lon,
        online=online,
        phone=phone,
        url=url,
        schedule=schedule,
        free=free,
        cost=cost,
        min_age=min_age,
        max_age=max_age,
        languages=langs,
        accessibility=codes,
        service_radius_km=radius,
        capacity=capacity,
        last_verified=lv,
        desc_lang=desc_lang,
        dup_of=None,
        mess=[],
        true_lat=lat,
        true_lon=lon,
        place=pname,
        vt=vt,
        ctx=ctx,
        cultural_lang=cultural_lang,
    )


def subtopic_weights(kind):
    return np.array(
        [TB.SUBTOPICS[s]["w"] * TB.SUBTOPICS[s]["regmul"].get(kind, 1.0) for s in SUB_IDS]
    )


NAME_SWAPS = [
    (" & ", " and "),
    (" and ", " & "),
    ("Center", "Ctr"),
    ("Program", "Prog."),
    ("Saint ", "St. "),
    ("Community", "Comm."),
    ("Group", "Grp"),
]


def make_duplicate(orig):
    d = dict(orig)
    d["tags"] = list(orig["tags"])
    d["languages"] = list(orig["languages"])
    d["accessibility"] = list(orig["accessibility"])
    d["mess"] = ["duplicate"]
    name = orig["name"]
    swaps = [s for s in NAME_SWAPS if s[0] in name]
    r = rng.random()
    if swaps and r < 0.5:
        a, b = choice(swaps)
        name = name.replace(a, b, 1)
    elif r < 0.7:
        name = (
            name.upper()
            if rng.random() < 0.3
            else "The " + name
            if not name.startswith("The ")
            else name[4:]
        )
    elif r < 0.85:
        name = add_typos(name, 1, allow_caps=True) + (
            "" if rng.random() < 0.5 else " (old listing)"
        )
    else:
        name = f"{name} ({orig['place']})"
    d["name"] = name
    addr = orig["address"]
    if addr and addr[0].isdigit():
        num, rest = addr.split(" ", 1)
        r = rng.random()
        if r < 0.35:
            rest = (
                rest.replace(" St", " Street")
                .replace(" Ave", " Avenue")
                .replace(" Rd", " Road")
                .replace("N ", "North ")
                .replace("S ", "South ")
                .replace("W ", "West ")
                .replace("E ", "East ")
            )
            addr = f"{num} {rest}"
        elif r < 0.7:
            addr = f"{int(num) + int(choice([-4, -2, 2, 4, 10]))} {rest}"
        else:
            addr = addr + choice([", rear entrance", ", Unit B", ", Rm 2"])
    d["address"] = addr
    dist = float(rng.uniform(0.005, 0.06))  # 5-60 metres
    d["lat"], d["lon"] = offset_km(
        orig["true_lat"], orig["true_lon"], dist, float(rng.uniform(0, 2 * math.pi))
    )
    d["lat"], d["lon"] = round(d["lat"], 5), round(d["lon"], 5)
    d["true_lat"], d["true_lon"] = d["lat"], d["lon"]
    # description: either the same listing lightly edited, or the same group described by a different source
    if rng.random() < 0.5:
        sents = re.split(r"(?<=[.!?])\s+", orig["description"])
        if len(sents) > 1 and rng.random() < 0.6:
            sents = sents[:-1]
        d["description"] = " ".join(sents)
        if rng.random() < 0.4:
            d["description"] = add_typos(d["description"], 1)
    else:
        d["description"] = compose_description(
            orig["subtopic"],
            orig["desc_lang"],
            orig["ctx"],
            orig["kind"],
            orig["accessibility"],
            orig["languages"],
            orig["free"],
            orig["cost"],
            orig["min_age"],
            orig["max_age"],
            False,
            orig["cultural_lang"],
        )
    if rng.random() < 0.3:
        d["schedule"] = schedule_for(TB.SUBTOPICS[orig["subtopic"]]["times"])
    if rng.random() < 0.3:
        d["phone"] = ""
    # the duplicate is usually the older listing
    if rng.random() < 0.55:
        d["last_verified"] = date(2019, 1, 1) + timedelta(days=int(rng.integers(0, 3 * 365)))
    else:
        d["last_verified"] = TODAY - timedelta(days=int(rng.integers(30, 900)))
    return d


def apply_mess(rec):
    types = [
        "typo_name",
        "typo_description",
        "missing_category",
        "lenient_category",
        "missing_latlon",
    ]
    w = [0.18, 0.25, 0.2, 0.2, 0.17]
    k = 2 if rng.random() < 0.15 else 1
    chosen = list(dict.fromkeys(choice(types, w) for _ in range(k)))
    for t in chosen:
        if t == "missing_latlon" and (rec["online"] or not rec["postal_code"]):
            t = "typo_description"
        if t == "typo_name":
            rec["name"] = add_typos(rec["name"], 1, allow_caps=True)
        elif t == "typo_description":
            rec["description"] = add_typos(rec["description"], int(rng.integers(1, 3)))
        elif t == "missing_category":
            rec["category_out"] = ""
        elif t == "lenient_category":
            rec["category_out"] = choice(TB.LENIENT_CATEGORY[rec["category"]])
        elif t == "missing_latlon":
            rec["lat"] = rec["lon"] = None
        rec["mess"].append(t)


def build_resources():
    recs = []
    for kind, n in N_PHYSICAL.items():
        w = subtopic_weights(kind)
        # every subtopic appears at least twice in every region, the rest proportional to abundance
        subs = [s for s in SUB_IDS for _ in range(2)]
        subs += rng.choice(SUB_IDS, size=n - len(subs), p=w / w.sum()).tolist()
        for s in subs:
            recs.append(make_resource(kind, s))
    ow = np.array([TB.SUBTOPICS[s]["w"] * TB.SUBTOPICS[s]["online_p"] for s in SUB_IDS])
    for s in rng.choice(SUB_IDS, size=N_ONLINE, p=ow / ow.sum()).tolist():
        recs.append(make_resource(None, s, online=True))
    for r in recs:
        r["category_out"] = r["category"]
        if rng.random() < P_MESSY:
            apply_mess(r)
    phys = [i for i, r in enumerate(recs) if not r["online"]]
    origs = rng.choice(phys, size=N_DUPLICATES, replace=False).tolist()
    for i in origs:
        d = make_duplicate(recs[i])
        d["dup_of"] = i
        d["category_out"] = (
            recs[i]["category_out"]
            if rng.random() < 0.7
            else choice([recs[i]["category"], ""] + TB.LENIENT_CATEGORY[recs[i]["category"]])
        )
        recs.append(d)
    order = rng.permutation(len(recs))
    out = [recs[i] for i in order]
    new_id = {int(old): f"syn-{k + 1:05d}" for k, old in enumerate(order)}
    for k, r in enumerate(out):
        r["id"] = f"syn-{k + 1:05d}"
        if r["dup_of"] is not None:
            r["dup_of_id"] = new_id[r["dup_of"]]
        else:
            r["dup_of_id"] = ""
    idx = {r["id"]: k for k, r in enumerate(out)}
    for r in out:
        r["dup_of_idx"] = idx[r["dup_of_id"]] if r["dup_of_id"] else -1
    return out


DIR_COLUMNS = [
    "id",
    "name",
    "description",
    "category",
    "tags",
    "address",
    "city",
    "postal_code",
    "lat",
    "lon",
    "online",
    "phone",
    "url",
    "schedule",
    "free",
    "cost",
    "min_age",
    "max_age",
    "languages",
    "accessibility",
    "service_radius_km",
    "capacity",
    "last_verified",
]


def directory_frame(recs):
    rows = []
    for r in recs:
        rows.append(
            {
                "id": r["id"],
                "name": r["name"],
                "description": r["description"],
                "category": r["category_out"],
                "tags": ";".join(r["tags"]),
                "address": r["address"],
                "city": r["city"],
                "postal_code": r["postal_code"],
                "lat": "" if r["lat"] is None else f"{r['lat']:.5f}",
                "lon": "" if r["lon"] is None else f"{r['lon']:.5f}",
                "online": "true" if r["online"] else "false",
                "phone": r["phone"],
                "url": r["url"],
                "schedule": r["schedule"],
                "free": "true" if r["free"] else "false",
                "cost": r["cost"],
                "min_age": "" if r["min_age"] is None else str(r["min_age"]),
                "max_age": "" if r["max_age"] is None else str(r["max_age"]),
                "languages": ";".join(r["languages"]),
                "accessibility": ";".join(r["accessibility"]),
                "service_radius_km": ""
                if r["service_radius_km"] is None
                else f"{r['service_radius_km']:.1f}",
                "capacity": "" if r["capacity"] is None else str(r["capacity"]),
                "last_verified": r["last_verified"].isoformat(),
            }
        )
    return pd.DataFrame(rows, columns=DIR_COLUMNS)


def truth_frame(recs):
    return pd.DataFrame(
        [
            {
                "id": r["id"],
                "region": "online" if r["online"] else REGION_NAME[r["kind"]],
                "subtopic": r["subtopic"],
                "category": r["category"],
                "is_duplicate_of": r["dup_of_id"],
                "stale": "true" if r["last_verified"] < date(2022, 1, 1) else "false",
                "true_lat": "" if r["true_lat"] is None else f"{r['true_lat']:.5f}",
                "true_lon": "" if r["true_lon"] is None else f"{r['true_lon']:.5f}",
                "description_language": r["desc_lang"],
                "mess": ";".join(r["mess"]),
            }
            for r in recs
        ]
    )


class ResourceArrays:
    """Latent variables of all resources as numpy arrays, for vectorised labelling."""

    def __init__(self, recs):
        n = len(recs)
        self.lat = np.array([np.nan if r["true_lat"] is None else r["true_lat"] for r in recs])
        self.lon = np.array([np.nan if r["true_lon"] is None else r["true_lon"] for r in recs])
        self.online = np.array([r["online"] for r in recs])
        self.radius = np.array(
            [np.nan if r["service_radius_km"] is None else r["service_radius_km"] for r in recs]
        )
        self.min_age = np.array([-1 if r["min_age"] is None else r["min_age"] for r in recs])
        self.max_age = np.array([999 if r["max_age"] is None else r["max_age"] for r in recs])
        self.free = np.array([r["free"] for r in recs])
        self.lang = np.array([sum(LANG_BIT[l] for l in r["languages"]) for r in recs])
        acc = np.array([sum(ACC_BIT[a] for a in r["accessibility"]) for r in recs])
        self.acc = np.where(self.online, acc | PHYSICAL_ACC, acc)  # physical access is moot online
        self.sub = np.array([SUB_INDEX[r["subtopic"]] for r in recs])
        self.cat = np.array([CAT_INDEX[r["category"]] for r in recs])
        self.dup = np.array([r["dup_of_idx"] for r in recs])
        self.n = n


# ---------------------------------------------------------------------------------------------- labels
def related_of(sub):
    out = set()
    for g in TB.RELATED_GROUPS:
        if sub in g:
            out.update(g)
    out.discard(sub)
    return out


def grades_for(person, RA):
    """Graded relevance of every resource for one person, from latent variables only."""
    dist = haversine(person["lat"], person["lon"], RA.lat, RA.lon)
    dist = np.where(RA.online, np.inf, dist)
    reach = (
        (RA.online & person["online_ok"])
        | (dist <= person["max_km"])
        | (~np.isnan(RA.radius) & (dist <= np.nan_to_num(RA.radius, nan=-1)))
    )
    near = (~RA.online) & (dist <= 1.5 * person["max_km"]) & ~reach
    lang_ok = (RA.lang == 0) | ((RA.lang & person["lang_mask"]) != 0)
    elig = (
        (RA.min_age <= person["age"])
        & (person["age"] <= RA.max_age)
        & (RA.free | (not person["free_only"]))
        & lang_ok
        & ((RA.acc & person["acc_mask"]) == person["acc_mask"])
    )
    is_t = np.isin(RA.sub, person["t_idx"])
    is_r = np.isin(RA.sub, person["r_idx"])
    is_c = np.isin(RA.cat, person["c_idx"])
    g = np.zeros(RA.n, dtype=np.int8)
    g[elig & reach & is_c] = 1
    g[elig & ((reach & is_r) | (near & is_t))] = 2
    g[elig & reach & is_t] = 3
    has_dup = RA.dup >= 0
    g[has_dup] = g[RA.dup[has_dup]]  # duplicates get their original's label
    return g


# ---------------------------------------------------------------------------------------------- referrals
NEED_IDS = list(TB.NEEDS)


def sample_home(kind, spanish=False):
    """A home in the region, proportional to population (for Spanish-speakers: population x Spanish share)."""
    places = PLACES[kind]
    place = choice(places, [p[4] * (p[5].get("Spanish", 0.0) if spanish else 1.0) for p in places])
    if kind == "city":
        lat, lon = place[1] + rng.normal(0, 0.009), place[2] + rng.normal(0, 0.011)
    elif kind == "suburb":
        lat, lon = place[1] + rng.normal(0, 0.014), place[2] + rng.normal(0, 0.018)
    else:
        if rng.random() < 0.35:
            lat, lon = place[1] + rng.normal(0, 0.012), place[2] + rng.normal(0, 0.016)
        else:  # out on a lake road or a farm, far from the town's services
            lat, lon = offset_km(
                place[1], place[2], float(rng.uniform(4, 20)), float(rng.uniform(0, 2 * math.pi))
            )
    lat, lon = round(float(lat), 5), round(float(lon), 5)
    home_place = nearest_place(kind, lat, lon)
    return lat, lon, home_place


def person_languages(profile, text_lang):
    if text_lang == "es":
        return ["Spanish"] if rng.random() < 0.55 else ["Spanish", "English"]
    for lang in ("Polish", "Chinese", "Arabic"):
        share = profile.get(lang, 0.0)
        if rng.random() < share * 0.8:
            return [lang] if rng.random() < 0.35 else [lang, "English"]
    if rng.random() < profile.get("Spanish", 0.0) * 0.35:
        return ["English", "Spanish"]
    return ["English"]


def sample_needs(text_lang):
    ids = [n for n in NEED_IDS if text_lang == "en" or TB.NEEDS[n]["es"]]
    n1 = choice(ids, [TB.NEEDS[n]["w"] for n in ids])
    lo, hi = TB.NEEDS[n1]["age"]
    needs = [n1]
    if rng.random() < 0.32:
        cands = [
            n
            for n in ids
            if n != n1
            and TB.NEEDS[n]["age"][0] <= hi - 3
            and TB.NEEDS[n]["age"][1] >= lo + 3
            and not set(TB.NEEDS[n]["t3"]) & set(TB.NEEDS[n1]["t3"])
        ]
        n2 = choice(cands, [TB.NEEDS[n]["w"] for n in cands])
        needs.append(n2)
        lo, hi = max(lo, TB.NEEDS[n2]["age"][0]), min(hi, TB.NEEDS[n2]["age"][1])
    # social-prescribing population skews older: triangular with the mode at 70% of the range
    age = int(round(rng.triangular(lo, lo + 0.7 * (hi - lo), hi)))
    return needs, age


BARRIER_CONFLICTS = [
    {"wheelchair", "walker"},
    {"wheelchair", "knees"},
    {"nights", "dayjob"},
    {"hearing", "deaf"},
]


def sample_barriers(age, text_lang):
    ids = [b for b, v in TB.BARRIERS.items() if v["age"][0] <= age <= v["age"][1]]
    k = choice([0, 1, 2], [0.42, 0.42, 0.16])
    chosen = []
    for _ in range(k):
        cands = [
            b
            for b in ids
            if b not in chosen and not any({b, c} in BARRIER_CONFLICTS for c in chosen)
        ]
        if not cands:
            break
        chosen.append(choice(cands, [TB.BARRIERS[b].get("w", 1.0) for b in cands]))
    return chosen


def compose_text(needs, barriers, text_lang):
    key = "es" if text_lang == "es" else "en"
    parts = []
    if rng.random() < 0.22:
        parts.append(choice(TB.OPENERS_ES if key == "es" else TB.OPENERS_EN))
    need_parts = [choice(TB.NEEDS[needs[0]][key])]
    if len(needs) > 1:
        conn = choice(TB.CONNECT_ES if key == "es" else TB.CONNECT_EN)
        need_parts.append(f"{conn} {lower_first(choice(TB.NEEDS[needs[1]][key]))}")
    bar_parts = [choice(TB.BARRIERS[b][key]) for b in barriers]
    if bar_parts and rng.random() < 0.2:
        parts += bar_parts[:1] + need_parts + bar_parts[1:]
    else:
        parts += need_parts + bar_parts
    if rng.random() < 0.15:
        parts.append(choice(TB.CLOSERS_ES if key == "es" else TB.CLOSERS_EN))
    text = " ".join(parts)
    if parts[0] in ("Well,", "Pues, la verdad,") and len(parts) > 1:
        text = parts[0] + " " + lower_first(" ".join(parts[1:]))
    # the way people's words reach a form: slips, no accents, no capitals
    if key == "en":
        if rng.random() < 0.16:
            hits = [w for w in TB.TYPOS if re.search(rf"\b{re.escape(w)}\b", text)]
            if hits:
                for w in rng.choice(
                    hits, size=min(len(hits), int(rng.integers(1, 3))), replace=False
                ).tolist():
                    text = re.sub(rf"\b{re.escape(w)}\b", TB.TYPOS[w], text, count=1)
            else:
                text = add_typos(text, 1)
        if rng.random() < 0.05:
            text = text.lower()
    else:
        if rng.random() < 0.4:
            text = text.translate(TB.ES_ACCENTS)
        if rng.random() < 0.1:
            text = add_typos(text, 1)
    return text


def sample_person(kind, text_lang, RA, counters):
    """One referral; resamples the home (then the needs) until some resource is graded >= 2."""
    spanish = text_lang == "es"
    while True:
        lat, lon, place = sample_home(kind, spanish)
        profile = place[5]
        languages = person_languages(profile, text_lang)
        needs, age = sample_needs(text_lang)
        barriers = sample_barriers(age, text_lang)
        eff = [TB.BARRIERS[b] for b in barriers]
        nocar = any(e.get("travel") == "nocar" for e in eff)
        if nocar:
            mode = choice(
                ["walk", "transit"],
                {"city": [0.4, 0.6], "suburb": [0.5, 0.5], "rural": [0.6, 0.4]}[kind],
            )
        else:
            mode = choice(
                ["walk", "transit", "car"],
                {
                    "city": [0.35, 0.45, 0.2],
                    "suburb": [0.15, 0.12, 0.73],
                    "rural": [0.06, 0.04, 0.9],
                }[kind],
            )
        if mode == "walk":
            max_km = 3.0 if kind == "rural" else 2.0
        elif mode == "transit":
            max_km = round(float(rng.uniform(12, 20) if kind == "rural" else rng.uniform(8, 10)), 1)
        else:
            max_km = round(
                float(rng.uniform(35, 60) if kind == "rural" else rng.uniform(20, 30)), 1
            )
        t3 = []
        r2 = []
        for n in needs:
            t3 += TB.NEEDS[n]["t3"]
            r2 += TB.NEEDS[n]["r2"]
        t3 = list(dict.fromkeys(t3))
        rel = set(r2)
        for s in t3:
            rel |= related_of(s)
        rel -= set(t3)
        ess = any(TB.SUBTOPICS[s]["cat"] == "essentials_advice" for s in t3)
        free_only = any(e.get("free_only") for e in eff) or bool(
            rng.random() < (0.5 if ess else 0.12)
        )
        acc = sorted({a for e in eff for a in e.get("acc", [])}, key=ACCESS.index)
        if rng.random() < 0.03:  # recorded by the link worker, not said out loud
            acc = sorted(
                set(acc)
                | {choice(["wheelchair", "hearing_loop", "large_print", "seated_options"])},
                key=ACCESS.index,
            )
        p_online = 0.65 if age < 60 else 0.45 if age < 75 else 0.3
        online_ok = bool(rng.random() < p_online + (0.1 if kind == "rural" else 0.0))
        if any(e.get("online_ok") is False for e in eff):
            online_ok = False
        avail = []
        for e in eff:
            avail += e.get("avail", [])
        if not avail:
            slots = ["weekday mornings", "weekday afternoons", "evenings", "weekends"]
            if rng.random() > (0.5 if age >= 66 else 0.25):
                avail = sorted(
                    rng.choice(slots, size=int(rng.integers(1, 3)), replace=False).tolist(),
                    key=slots.index,
                )
        avail = list(dict.fromkeys(avail))
        person = dict(
            lat=lat,
            lon=lon,
            max_km=max_km,
            online_ok=online_ok,
            age=age,
            free_only=free_only,
            lang_mask=sum(LANG_BIT[l] for l in languages),
            acc_mask=sum(ACC_BIT[a] for a in acc),
            t_idx=[SUB_INDEX[s] for s in t3],
            r_idx=[SUB_INDEX[s] for s in rel],
            c_idx=sorted({CAT_INDEX[TB.SUBTOPICS[s]["cat"]] for s in t3}),
        )
        # keep the needs, move the home a few times; then give up on these needs
        for home_try in range(12):
            if home_try > 0:
                lat, lon, place = sample_home(kind, spanish)
                person["lat"], person["lon"] = lat, lon
                counters["home_resamples"] += 1
            g = grades_for(person, RA)
            if g.max() >= 2:
                break
        if g.max() >= 2:
            break
        counters["need_resamples"] += 1
    text = compose_text(needs, barriers, text_lang)
    return dict(
        lat=lat,
        lon=lon,
        postal_code=place[3],
        age=age,
        languages=languages,
        travel_mode=mode,
        max_km=max_km,
        free_only=free_only,
        accessibility_needs=acc,
        online_ok=online_ok,
        availability=avail,
        language_of_text=text_lang,
        what_matters=text,
        needs=needs,
        barriers=barriers,
        targets=t3,
        related=sorted(rel),
        grades=g,
    )


def assign_splits(regions):
    split = [None] * len(regions)
    for kind in ("city", "suburb", "rural"):
        idx = [i for i, r in enumerate(regions) if r == kind]
        idx = [idx[j] for j in rng.permutation(len(idx))]
        n_train, n_dev = round(0.5 * len(idx)), round(0.2 * len(idx))
        for j, i in enumerate(idx):
            split[i] = "train" if j < n_train else "dev" if j < n_train + n_dev else "test"
    return split


# ---------------------------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--out", type=Path, default=HERE.parent.parent / "src" / "rxmatch" / "datasets" / "data"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    # sanity: tags never contain a subtopic id
    for s, S in TB.SUBTOPICS.items():
        assert not set(S["tags"]) & set(SUB_IDS), s
    for n, v in TB.NEEDS.items():
        assert all(x in TB.SUBTOPICS for x in v["t3"] + v["r2"]), n

    recs = build_resources()
    RA = ResourceArrays(recs)
    dir_df = directory_frame(recs)
    truth_df = truth_frame(recs)

    counts = {k: int(round(N_REFERRALS * p)) for k, p in REGION_REFERRAL_SHARE.items()}
    counts["city"] += N_REFERRALS - sum(counts.values())
    regions = [k for k, c in counts.items() for _ in range(c)]
    regions = [regions[i] for i in rng.permutation(len(regions))]
    # exactly SPANISH_TEXTS[kind] referrals per region speak in Spanish (chosen at random within the region)
    text_langs = ["en"] * len(regions)
    for kind, n_es in SPANISH_TEXTS.items():
        idx = [i for i, r in enumerate(regions) if r == kind]
        for i in rng.choice(idx, size=n_es, replace=False).tolist():
            text_langs[i] = "es"
    counters = {"home_resamples": 0, "need_resamples": 0}
    people = [sample_person(k, tl, RA, counters) for k, tl in zip(regions, text_langs)]
    splits = assign_splits(regions)

    ref_rows, qrel_rows, rtruth_rows = [], [], []
    desc_tokens = [tokens(d) for d in dir_df["description"]]
    jacc, jacc_each, contain = [], [], []
    overlap_words = {}
    phys = ~RA.online
    nearest = {k: [] for k in ("city", "suburb", "rural")}
    for i, (kind, p, sp) in enumerate(zip(regions, people, splits)):
        rid = f"ref-{i + 1:04d}"
        ref_rows.append(
            {
                "referral_id": rid,
                "what_matters": p["what_matters"],
                "lat": round(p["lat"], 5),
                "lon": round(p["lon"], 5),
                "postal_code": p["postal_code"],
                "region": REGION_NAME[kind],
                "age": p["age"],
                "languages": p["languages"],
                "travel_mode": p["travel_mode"],
                "max_km": p["max_km"],
                "free_only": p["free_only"],
                "accessibility_needs": p["accessibility_needs"],
                "online_ok": p["online_ok"],
                "availability": p["availability"],
                "split": sp,
                "language_of_text": p["language_of_text"],
            }
        )
        g = p["grades"]
        nz = np.nonzero(g)[0]
        for j in sorted(nz.tolist(), key=lambda j: (-int(g[j]), j)):
            qrel_rows.append((rid, recs[j]["id"], int(g[j])))
        rtruth_rows.append(
            {
                "referral_id": rid,
                "needs": ";".join(p["needs"]),
                "target_subtopics": ";".join(p["targets"]),
                "related_subtopics": ";".join(p["related"]),
                "barriers": ";".join(p["barriers"]),
                "n_rel3": int((g == 3).sum()),
                "n_rel2": int((g == 2).sum()),
                "n_rel1": int((g == 1).sum()),
            }
        )
        a = tokens(p["what_matters"])
        r3 = np.nonzero(g == 3)[0]
        if len(r3):
            b = set().union(*(desc_tokens[j] for j in r3))
            jacc.append(len(a & b) / max(1, len(a | b)))
            jacc_each.append(
                float(
                    np.mean([len(a & desc_tokens[j]) / max(1, len(a | desc_tokens[j])) for j in r3])
                )
            )
            contain.append(len(a & b) / max(1, len(a)))
            for w in a & b:
                overlap_words[w] = overlap_words.get(w, 0) + 1
        nearest[kind].append(
            float(np.min(haversine(p["lat"], p["lon"], RA.lat[phys], RA.lon[phys])))
        )

    qrels_df = pd.DataFrame(qrel_rows, columns=["referral_id", "resource_id", "relevance"])

    dir_path = out / "synthetic_directory.csv"
    truth_path = out / "synthetic_resource_truth.csv"
    ref_path = out / "synthetic_referrals.jsonl"
    qrels_path = out / "synthetic_qrels.csv"
    dir_df.to_csv(dir_path, index=False)
    truth_df.to_csv(truth_path, index=False)
    with open(ref_path, "w", encoding="utf-8") as f:
        for r in ref_rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    qrels_df.to_csv(qrels_path, index=False)
    pd.DataFrame(rtruth_rows).to_csv(HERE / "referral_truth.csv", index=False)

    # ------------------------------------------------------------------ statistics for the card
    st = {}
    st["seed"] = SEED
    st["n_resources"] = len(dir_df)
    st["n_referrals"] = len(ref_rows)
    st["n_qrels"] = len(qrels_df)
    st["runtime"] = time.perf_counter() - t0
    st["jacc"] = (float(np.mean(jacc)), float(np.median(jacc)), float(np.percentile(jacc, 90)))
    st["jacc_each"] = (
        float(np.mean(jacc_each)),
        float(np.median(jacc_each)),
        float(np.percentile(jacc_each, 90)),
    )
    st["contain"] = (
        float(np.mean(contain)),
        float(np.median(contain)),
        float(np.percentile(contain, 90)),
    )
    st["n_with_rel3"] = len(jacc)
    st["overlap_words"] = sorted(overlap_words.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    st["nearest"] = {REGION_NAME[k]: float(np.median(v)) for k, v in nearest.items()}
    st.update(counters)
    ref_df = pd.DataFrame(ref_rows)
    st["sizes"] = {
        k: os.path.getsize(p)
        for k, p in [
            ("directory", dir_path),
            ("truth", truth_path),
            ("referrals", ref_path),
            ("qrels", qrels_path),
        ]
    }
    write_card(st, dir_df, truth_df, ref_df, qrels_df, pd.DataFrame(rtruth_rows))

    print(
        f"resources: {len(dir_df)} ({(truth_df['region'] == 'online').sum()} online, "
        f"{(truth_df['is_duplicate_of'] != '').sum()} near-duplicates, "
        f"{(truth_df['mess'] != '').sum()} messy, {(truth_df['stale'] == 'true').sum()} stale, "
        f"{(truth_df['description_language'] == 'es').sum()} Spanish descriptions)"
    )
    print("resources per region:", truth_df["region"].value_counts().to_dict())
    print(
        f"referrals: {len(ref_df)}; per region {ref_df['region'].value_counts().to_dict()}; "
        f"splits {ref_df['split'].value_counts().to_dict()}; Spanish texts {(ref_df['language_of_text'] == 'es').sum()}"
    )
    print(
        f"qrels: {len(qrels_df)} rows; per grade {qrels_df['relevance'].value_counts().sort_index().to_dict()}"
    )
    print(
        f"resampling: {counters['home_resamples']} home resamples, {counters['need_resamples']} need resamples"
    )
    print(
        "word overlap (Jaccard, what_matters vs union of relevance-3 descriptions): "
        "mean %.4f, median %.4f, p90 %.4f (n=%d)" % (*st["jacc"], st["n_with_rel3"])
    )
    print(
        "  per-description Jaccard (mean over rel-3 resources): mean %.4f, median %.4f, p90 %.4f"
        % st["jacc_each"]
    )
    print(
        "  share of what_matters words found in rel-3 descriptions: mean %.3f, median %.3f, p90 %.3f"
        % st["contain"]
    )
    print("sizes (bytes):", st["sizes"], "total %.2f MB" % (sum(st["sizes"].values()) / 1e6))
    print(f"runtime: {time.perf_counter() - t0:.1f} s")


def crosses_midnight(schedule):
    for a, b, c, d in re.findall(r"(\d\d):(\d\d)-(\d\d):(\d\d)", schedule):
        if int(c) * 60 + int(d) < int(a) * 60 + int(b):
            return True
    return False


def md_table(series_dict, key_name, val_name="count"):
    lines = [f"| {key_name} | {val_name} |", "|---|---|"]
    for k, v in series_dict.items():
        lines.append(f"| {k} | {v} |")
    return "\n".join(lines)


def write_card(st, dir_df, truth_df, ref_df, qrels_df, rtruth_df):
    cat_region = pd.crosstab(
        truth_df["category"], truth_df["region"], margins=True, margins_name="total"
    )
    cat_region = cat_region[
        [
            c
            for c in [
                "chicago_city",
                "naperville_aurora_suburb",
                "northwoods_wi_rural",
                "online",
                "total",
            ]
            if c in cat_region
        ]
    ]
    cat_tab = [
        "| category | " + " | ".join(cat_region.columns) + " |",
        "|---" * (len(cat_region.columns) + 1) + "|",
    ]
    for k, row in cat_region.iterrows():
        cat_tab.append(f"| {k} | " + " | ".join(str(int(v)) for v in row.values) + " |")
    split_region = pd.crosstab(
        ref_df["region"], ref_df["split"], margins=True, margins_name="total"
    )
    split_region = split_region[["train", "dev", "test", "total"]]
    sp_tab = ["| region | train | dev | test | total |", "|---|---|---|---|---|"]
    for k, row in split_region.iterrows():
        sp_tab.append(f"| {k} | " + " | ".join(str(int(v)) for v in row.values) + " |")
    grade_counts = qrels_df["relevance"].value_counts().sort_index().to_dict()
    per_ref = qrels_df.groupby("referral_id")["relevance"].agg(lambda s: int((s == 3).sum()))
    per_ref = per_ref.reindex(ref_df["referral_id"], fill_value=0)
    mess_counts = {}
    for m in truth_df["mess"]:
        for t in filter(None, m.split(";")):
            mess_counts[t] = mess_counts.get(t, 0) + 1
    messy = int((truth_df["mess"] != "").sum())
    subs = truth_df["subtopic"].value_counts()
    need_counts = {}
    for n in rtruth_df["needs"]:
        for x in n.split(";"):
            need_counts[x] = need_counts.get(x, 0) + 1
    n_two = int(rtruth_df["needs"].str.contains(";").sum())
    bar_any = int((rtruth_df["barriers"] != "").sum())
    lang_counts = ref_df["languages"].map(lambda l: "+".join(l)).value_counts().to_dict()
    travel = ref_df["travel_mode"].value_counts().to_dict()
    crosses = int(dir_df["schedule"].fillna("").map(crosses_midnight).sum())
    total_mb = sum(st["sizes"].values()) / 1e6
    j, je, c = st["jacc"], st["jacc_each"], st["contain"]
    card = f"""# rxmatch synthetic evaluation set: data card

**Generated, not collected.** Every resource, person and sentence here is invented. Nothing describes a real
service or a real person; place names, ZIP codes and a few landmark parks are real so that the geography is
realistic, but every organisation, programme, address, phone number (all `555-01xx`, reserved for fiction) and URL
(`example.org` / `example.com`) is fictional.

* **Made by:** `datasets/synthetic/make_synthetic.py` (with the hand-written text in `datasets/synthetic/text_bank.py`),
  numpy `default_rng({st["seed"]})`, standard library + numpy + pandas only; runs in a few seconds. Re-running the
  script reproduces every file (including this card) byte for byte. `datasets/synthetic/check_synthetic.py`
  recomputes every label from the written files with independent code and checks ids, splits and duplicates.
* **Licence:** CC0 1.0 (public-domain dedication), for the data files, the text bank and this card.
* **Files** (installed with the package in `src/rxmatch/datasets/data/`, loaders in `rxmatch.datasets`), {total_mb:.2f} MB in total:
  * `synthetic_directory.csv`: {st["n_resources"]} resources in the directory schema (`docs/schema.md`).
  * `synthetic_resource_truth.csv`: the latent truth per resource (kept out of the directory's columns).
  * `synthetic_referrals.jsonl`: {st["n_referrals"]} referrals, one JSON object per line.
  * `synthetic_qrels.csv`: {st["n_qrels"]} graded judgements (relevance 1-3; zeros omitted).
  * and, next to the script (not installed): `referral_truth.csv`, the latent needs / target subtopics / barriers per
    referral, for error analysis only.

## How it was made

### Regions
Three US regions of different kinds, with resources clustered around real neighbourhood or town centres:

| region key | kind | area | centres | resources |
|---|---|---|---|---|
| `chicago_city` | dense city | Chicago, IL | {len(CITY)} neighbourhoods (Loop, Pilsen, Chinatown, Rogers Park, ...), resources within ~0.7 km of each centre | {int((truth_df["region"] == "chicago_city").sum())} |
| `naperville_aurora_suburb` | suburb | Naperville / Aurora / Wheaton / Bolingbrook ..., IL | {len(SUBURB)} towns / ZIPs, ~1.5 km spread | {int((truth_df["region"] == "naperville_aurora_suburb").sum())} |
| `northwoods_wi_rural` | rural | Vilas & Oneida counties, WI | {len(RURAL)} small towns over ~60-80 km (Rhinelander, Eagle River, Minocqua, ...), 18% of venues out of town | {int((truth_df["region"] == "northwoods_wi_rural").sum())} |
| `online` | - | - | no location; `online=true` | {int((truth_df["region"] == "online").sum())} |

Outdoor resources (bird walks, hikes, lake swims, paddling, clean-ups) sit near real named parks, trails and lakes of
their region. ZIP codes are the real ZIP of the neighbourhood/town (all resolve in the `zipcodes` table the library
uses). Language mix follows rough neighbourhood profiles: Spanish in Pilsen, Little Village, Aurora...; Polish in
Jefferson Park / Portage Park / Garfield Ridge; Chinese in Chinatown / Bridgeport; Arabic in Chicago Lawn / West Ridge.

### Resources
* **Subtopics.** {len(SUB_IDS)} latent activity labels ("subtopics") across all 8 taxonomy categories, e.g. watercolor
  painting, pottery, choir, community theater, open-mic/jam, museum volunteering, community gardening, birdwatching,
  trail walking, open-water swimming, fishing, paddling, prairie/park clean-ups, food bank volunteering, friendly-visitor
  (befriending) service, coffee mornings, men's shed, knitting circle, faith community lunch, senior center, parent &
  toddler group, chair yoga, tai chi, walking soccer, aqua fitness, pickleball, ESL, digital skills, cooking class, GED,
  bereavement support, caregivers' group, peer support, recovery, veterans, youth mentoring, food pantry,
  home-delivered meals, housing advice, benefits/money advice, volunteer driver scheme, heating/utility help.
  Every subtopic appears at least twice in every region; the rest are drawn by a hand-set abundance per subtopic and
  region (pantries are common; fishing and paddling are common up north, pickleball in the suburbs).
* **Descriptions** are composed from 3-5 hand-written fragments per subtopic in different registers (terse listing,
  warm newsletter, agency/bureaucratic, volunteer-recruiting) plus 0-3 optional sentences about logistics (who it is
  for, booking, refreshments, parking / transit / online access, cost, ages, accessibility, languages, what to bring)
  that are consistent with the record's own columns. {int((truth_df["description_language"] == "es").sum())} descriptions
  ({100 * (truth_df["description_language"] == "es").mean():.1f}%) are in Spanish (Spanish-language groups,
  `languages` = `Spanish` or `Spanish;English`). Some records list Polish, Chinese or Arabic (a few in that language only).
* **Other columns.** Schedules in the schema's format (mornings, evenings, weekends, office hours, `Daily`, day ranges,
  {crosses} records with a session that crosses midnight such as `Sat 21:00-01:00`; ~7% without a schedule); free/cost;
  age limits (youth-only 12-18/13-19/16-24, 16+, 18+, 21+, 50+, 55+, 60+); languages (empty for ~25% = not stated);
  accessibility codes drawn per venue type; capacity (~55%); `service_radius_km` for outreach services
  (befriending visits, home-delivered meals, volunteer drivers); `last_verified`.
* **Online resources:** {int((truth_df["region"] == "online").sum())} ({100 * (truth_df["region"] == "online").mean():.1f}%), no lat/lon/postal code.
* **Deliberately messy records:** {messy} records ({100 * messy / len(truth_df):.1f}%) carry at least one problem
  (column `mess` in the truth file): {", ".join(f"{k} {v}" for k, v in sorted(mess_counts.items()))}.
  Near-duplicates are the same group listed again a few metres (5-60 m) away with a slightly different name
  and/or address and either a lightly edited or a freshly written description; 55% of them are an older listing.
  Lenient category spellings look like `Arts and Culture`, `Volunteer`, `nature/outdoors`. Missing lat/lon always keep a
  postal code. Stale records (last verified 2019-2021): {int((truth_df["stale"] == "true").sum())}.
* **Tags** are natural words (`gardening;outdoors;free`), never the subtopic id.

### Referrals
* **Home locations** are sampled per region in proportion to population (for the {sum(SPANISH_TEXTS.values())}
  Spanish-speaking referrals, a fixed quota of {SPANISH_TEXTS["city"]} city / {SPANISH_TEXTS["suburb"]} suburb /
  {SPANISH_TEXTS["rural"]} rural, population x the neighbourhood's Spanish share): {", ".join(f"{k} {v}" for k, v in ref_df["region"].value_counts().items())}.
  City homes are within ~1 km of a neighbourhood centre; suburban ~1.5 km; rural homes are 35% in or near a town and
  65% 4-20 km out on lake roads and farms, far from most resources. `postal_code` is the ZIP of the nearest centre.
  Median distance from home to the nearest (non-online) resource: {", ".join(f"{k} {v:.2f} km" for k, v in st["nearest"].items())}.
* **Needs.** Each referral has one latent need (68%) or two ({n_two} referrals). A need is either a single subtopic
  ("I used to be in a band before the kids") or a broader need that maps to a set of target subtopics plus a few
  related ones: loneliness, low mood, move more, purpose, new to the area, creative, music, outdoors,
  work/learning. Bereavement, caring, food, rent arrears, debt/benefits, heating bills and transport are
  single-subtopic needs.
* **what_matters** is composed from a bank of ~{sum(len(v["en"]) for v in TB.NEEDS.values())} hand-written English and
  ~{sum(len(v["es"]) for v in TB.NEEDS.values())} Spanish phrasings in people's own words (indirect, e.g. "Since my wife
  passed I don't really talk to anyone"), written without looking at the descriptions' wording, plus optional
  openers ("My daughter made me come."), a connector for a second wish, 0-2 barrier clauses ({bar_any} referrals:
  bad knees, wheelchair, hearing, sight, crowds, no car, night shifts, a child to bring, money is tight, no internet,
  caring duties...) and closers. ~16% of English texts get a typo ("gardning", "voluntear", "lonley", or a random slip),
  5% are all lower case; 40% of Spanish texts lose their accents. {int((ref_df["language_of_text"] == "es").sum())} texts
  ({100 * (ref_df["language_of_text"] == "es").mean():.1f}%) are in Spanish.
* **Structured fields follow the text and the place:** barriers set `accessibility_needs` (knees -> `step_free`,
  wheelchair -> `wheelchair;accessible_toilet`, hearing -> `hearing_loop`, crowds -> `quiet_space`, ...; 3% also get a
  need recorded by the link worker but not said), `travel_mode` (no car -> walk/transit), `free_only` (money; 50% of
  people with an essentials need; 12% otherwise), `online_ok` (false when they "don't do computers"; otherwise more
  likely for younger people), `availability` (night shifts, 9-to-5, childcare, caring duties; otherwise random, often
  empty = any time). `max_km`: walk 2 (rural 3), transit 8-10 (rural 12-20), car 20-30 (rural 35-60).
  Travel modes: {", ".join(f"{k} {v}" for k, v in travel.items())}. Languages spoken:
  {", ".join(f"{k} {v}" for k, v in lang_counts.items())}.
* **Splits** are fixed, stratified by region (50/20/30):

{chr(10).join(sp_tab)}

## Columns

`synthetic_directory.csv`: the schema's columns (`docs/schema.md`): id (`syn-00001`...), name, description,
category (key, lenient spelling, or empty), tags, address, city, postal_code, lat, lon, online, phone, url, schedule,
free, cost, min_age, max_age, languages, accessibility, service_radius_km, capacity, last_verified.

`synthetic_resource_truth.csv`: `id`; `region` (the three keys above or `online`); `subtopic` (latent label);
`category` (true taxonomy key); `is_duplicate_of` (id of the original listing, or empty); `stale` (last_verified before
2022); plus `true_lat`, `true_lon` (the true place, also for records whose lat/lon were blanked; empty online),
`description_language` (`en`/`es`) and `mess` (`;`-separated deliberate problems).

`synthetic_referrals.jsonl`: `referral_id` (`ref-0001`...), `what_matters`, `lat`, `lon`, `postal_code`, `region`,
`age`, `languages` (list), `travel_mode` (walk/transit/car), `max_km`, `free_only`, `accessibility_needs` (list of
codes), `online_ok`, `availability` (list: "weekday mornings", "weekday afternoons", "evenings", "weekends"; empty =
no constraint given), `split` (train/dev/test), `language_of_text` (en/es).

`synthetic_qrels.csv`: `referral_id`, `resource_id`, `relevance` (1-3; resources not listed are 0).

## How the labels were made

Labels are computed **from the latent variables only, never from text** (no description or what_matters wording is
looked at). For a person with target subtopics T (their need's targets), related subtopics R (the need's extra
related subtopics plus every subtopic sharing a hand-written relatedness group with a target, minus T) and target
categories C (the true categories of T):

* **reachable**: (resource online and `online_ok`) or haversine(home, true place) <= `max_km`, or the resource has a
  `service_radius_km` and the distance is within it (outreach services come to the person).
* **eligible**: `min_age` <= age <= `max_age` (when given); `free` if `free_only`; if the resource lists languages,
  at least one of them is a language the person speaks (so a person without English needs a resource listing one of
  their languages, and a Spanish-only group is not relevant to an English-only speaker; resources that list no
  language never fail); every code in `accessibility_needs` is in the resource's
  `accessibility` (for online resources the physical codes wheelchair/step_free/accessible_toilet count as met).
* **3**: subtopic in T, reachable and eligible.
* **2**: subtopic in R, reachable and eligible; or subtopic in T and eligible, not reachable but within 1.5 x `max_km`.
* **1**: true category in C, reachable and eligible (and not 2 or 3).
* **0**: everything else (omitted from the file).
* **Duplicates** get exactly their original's label; stale records are labelled like any other (their latent
  variables are the original's). Records with blanked lat/lon are labelled from their true place.
* `availability` and the schedule are **not** used in the labels (a ranker may use them, but they do not change
  relevance here).
* Relatedness groups (grade 2) are hand-written in `text_bank.RELATED_GROUPS`, e.g. watercolor-pottery-drawing,
  trail walking-birdwatching-conservation volunteering, befriending-coffee morning-senior center-community lunch,
  chair yoga-tai chi-strength & balance, food pantry-home-delivered meals, housing advice-benefits advice.
* **Every referral has at least one resource with relevance >= 2.** When a sampled person had none, the home was
  resampled (same region, same needs) up to 11 times, then the needs were resampled. In this build:
  {st["home_resamples"]} home resamples and {st["need_resamples"]} need resamples (all among {st["n_referrals"]} referrals).

Relevance counts: {", ".join(f"grade {k}: {v}" for k, v in grade_counts.items())}. Relevance-3 resources per
referral: median {int(per_ref.median())}, min {int(per_ref.min())}, max {int(per_ref.max())}; {int((per_ref == 0).sum())}
referrals have no relevance-3 resource (their best are grade 2).

## Word overlap (how much the labels could be found by word matching)

For each referral with at least one relevance-3 resource ({st["n_with_rel3"]} referrals) we take the lowercased word
tokens (letters only, English + Spanish stopwords removed, 1-letter tokens dropped) of `what_matters` and of the union
of its relevance-3 descriptions:

| measure | mean | median | p90 |
|---|---|---|---|
| **Jaccard(what_matters, union of rel-3 descriptions)** | **{j[0]:.4f}** | {j[1]:.4f} | {j[2]:.4f} |
| Jaccard with each rel-3 description, averaged per referral | {je[0]:.4f} | {je[1]:.4f} | {je[2]:.4f} |
| share of what_matters words that occur anywhere in its rel-3 descriptions | {c[0]:.3f} | {c[1]:.3f} | {c[2]:.3f} |

The first row is the target measure (< 0.05). Note that the union grows with the number of relevant resources, which
pushes Jaccard down on its own; the per-description Jaccard and the containment share (third row) are more direct
reads of how many of a person's words a relevant description shares. The shared words that occur for the most
referrals: {", ".join(f'"{w}" ({n})' for w, n in st["overlap_words"])}.

## Counts

Resources per true category and region:

{chr(10).join(cat_tab)}

Resources per subtopic: min {int(subs.min())} ({subs.idxmin()}), median {int(subs.median())}, max {int(subs.max())} ({subs.idxmax()}).

Needs (a referral may have two): {", ".join(f"{k} {v}" for k, v in sorted(need_counts.items(), key=lambda kv: -kv[1]))}.

## Known biases and limitations

* **Synthetic.** Texts come from a finite bank of hand-written phrasings (by one author), so phrasing diversity is far
  below real referrals, the same sentence recurs across referrals, and the descriptions recur across resources
  (with different logistics sentences). Models can overfit to the bank; use the fixed splits, and treat scores as a
  smoke test of ranking logic, not as evidence about real people.
* **English-heavy and US-only.** ~88% English texts; Spanish is the only other language of text; Polish, Chinese and
  Arabic speakers appear only through the `languages` field (their words are written in English, as a link worker
  with an interpreter might note them). US spelling, US services (SNAP, LIHEAP, Medicare, GED), three regions in
  Illinois and Wisconsin only; the neighbourhood language shares are rough.
* **Reachability defines relevance.** The labels assume a matching activity is relevant exactly when it is reachable
  and eligible under the stated rules; real relevance also depends on timing, taste, cost sensitivity beyond
  `free_only`, trust, and what the link worker knows. Distances are straight-line, not travel time. Availability and
  schedules are ignored.
* **Generous grade 1.** Everything in a target's category that is reachable counts as 1, so dense city referrals
  have many grade-1 items and rural ones few; compare regions separately.
* **Broad needs produce many grade-3 items** (e.g. loneliness -> seven subtopics), single-subtopic needs few; metrics
  that depend on the number of relevant items (recall@k) are not comparable across need types.
* **Relatedness is one author's judgement**; the grade-2 map is small and symmetric.
* **Language rule**: resources that state no language are assumed usable by anyone, which over-counts relevance for
  people without English.
* **Messy records are stylised** (a few kinds of problems at set rates); real directories are messier.
* Demographics (ages skew older, triangular within each need's plausible range) are not calibrated to any real
  referral population.
"""
    (HERE / "README.md").write_text(card, encoding="utf-8")


if __name__ == "__main__":
    main()
