"""Map a source record's coarse kind, keywords and taxonomy labels onto rxmatch's taxonomy.

Each category has a pattern; every keyword or taxonomy label that matches adds a vote, a
coarse ``kind`` that maps adds three. The category with most votes wins (ties: taxonomy
order). Nothing matching gives ``None``: the Matcher then infers the category from the
description and marks it as inferred.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..taxonomy import CATEGORY_KEYS

__all__ = ["KIND_TO_CATEGORY", "BROAD_TERMS", "categorize", "categorize_broad"]

#: Ohana ``kind`` values that map directly. Farmers markets are food access (most take
#: CalFresh/Market Match), so they are essentials; the market also shows up in searches for
#: food and outdoors through its text.
KIND_TO_CATEGORY: dict[str, str] = {
    "arts": "arts_culture",
    "museums": "arts_culture",
    "libraries": "arts_culture",
    "entertainment": "arts_culture",
    "parks": "nature_outdoors",
    "sports": "movement_sport",
    "education": "learning_skills",
    "farmers_markets": "essentials_advice",
}

_PATTERNS: dict[str, re.Pattern[str]] = {
    "volunteering": re.compile(r"volunteer|service clubs|auxiliar"),
    "arts_culture": re.compile(
        r"\barts?\b|crafts|museum|librar|music|theat|performing|film|danc|galler|"
        r"entertainment|historical societ|choir|orchestra|writing"
    ),
    "nature_outdoors": re.compile(
        r"\bparks?\b|garden|horticult|nature|environment|open space|camping|hiking|trail|"
        r"wildlife|beach|conservation|animal"
    ),
    "community_social": re.compile(
        r"special interest clubs|recreation/social|social activit|senior centers|"
        r"community facilities|community centers|meeting space|friendly visit|religious groups|"
        r"y facilities|support network|recreation/leisure"
    ),
    "movement_sport": re.compile(r"sport|exercise|fitness|swim|athlet|martial|yoga|gymnas"),
    "learning_skills": re.compile(
        r"education|tutoring|literacy|english language|\besl\b|job training|vocational|"
        r"employment|colleges|school|classes|computer|skills|more education|work"
    ),
    "support_wellbeing": re.compile(
        r"counsel|support groups?|group support|mental health|self-help|crisis|bereave|grief|"
        r"alcohol|drug abuse|addiction|recovery|family support|growth and adjustment|caregiv|"
        r"respite|parent groups|hotline"
    ),
    "essentials_advice": re.compile(
        r"\bfood|meals?\b|housing|shelter|legal|financial|money|benefits|clothing|utilit|"
        r"transport|transit|emergency cash|\btax|consumer assist|immigration|\brent\b|"
        r"homeless|commodity|certificates/forms|goods|vouchers|pantry|insurance"
    ),
}
_GENERIC = re.compile(
    r"^(?:community services|health services|administration and planning services|"
    r"organizational support services|individual and family development services)$"
)


def categorize(kind: str | None, terms: Iterable[str]) -> tuple[str | None, Counter[str]]:
    """Pick a taxonomy key from a coarse ``kind`` and descriptive ``terms`` (keywords and
    taxonomy labels). Returns ``(key or None, votes)``."""
    votes: Counter[str] = Counter()
    if kind and kind in KIND_TO_CATEGORY:
        votes[KIND_TO_CATEGORY[kind]] += 3
    for term in terms:
        t = str(term).strip().lower()
        if not t or _GENERIC.match(t):
            continue
        for key, pat in _PATTERNS.items():
            if pat.search(t):
                votes[key] += 1
    if not votes:
        return None, votes
    best = max(votes.values())
    for key in CATEGORY_KEYS:
        if votes.get(key) == best:
            return key, votes
    return None, votes  # pragma: no cover - CATEGORY_KEYS covers all pattern keys


#: Broad (top-level) terms of AIRS-style and similar service taxonomies → category. They
#: only decide when the more specific terms map to nothing (:func:`categorize_broad`), so
#: a food pantry filed under "Basic Needs" stays a food pantry. Matched on the whole term.
BROAD_TERMS: dict[str, str] = {
    "basic needs": "essentials_advice",
    "food": "essentials_advice",
    "housing": "essentials_advice",
    "consumer services": "essentials_advice",
    "criminal justice and legal services": "essentials_advice",
    "income support and employment": "essentials_advice",
    "health care": "support_wellbeing",
    "mental health care and counseling": "support_wellbeing",
    "mental health and substance use disorder services": "support_wellbeing",
    "substance use disorder services": "support_wellbeing",
    "individual and family life": "community_social",
    "community services": "community_social",
    "organizational/community/international services": "community_social",
    "leisure activities/recreation": "community_social",
    "recreation": "community_social",
    "social development and enrichment": "community_social",
    "spiritual enrichment": "community_social",
    "arts and culture": "arts_culture",
    "arts and culture opportunities": "arts_culture",
    "volunteer opportunities": "volunteering",
    "volunteer development": "volunteering",
    "education": "learning_skills",
    "environmental quality": "nature_outdoors",
}


def _norm_term(term: str) -> str:
    t = re.sub(r"\s+", " ", str(term).strip().lower())
    t = re.sub(r"\s*&\s*", " and ", t)
    return re.sub(r"\s*/\s*", "/", t)


def categorize_broad(terms: Iterable[str], broad: Iterable[str] = ()) -> str | None:
    """A taxonomy key from specific ``terms`` (as :func:`categorize`), else from the broad
    terms among ``terms`` and ``broad`` (for example the top-level terms a taxonomy files
    them under: :data:`BROAD_TERMS`, matched on the whole term), else from the patterns of
    ``broad``. ``None`` when nothing maps."""
    terms = list(terms)
    broad = list(broad)
    key, _ = categorize(None, terms)
    if key is not None:
        return key
    votes: Counter[str] = Counter()
    for term in [*terms, *broad]:
        k = BROAD_TERMS.get(_norm_term(term))
        if k:
            votes[k] += 1
    if votes:
        best = max(votes.values())
        return next(k for k in CATEGORY_KEYS if votes.get(k) == best)
    return categorize(None, broad)[0]
