"""The rxmatch category taxonomy and lenient mapping of category names onto it.

The four social-prescribing sectors come first (arts & culture; nature & outdoors;
volunteering; community groups & social connection), then movement & sport, learning &
skills, support & wellbeing, and essentials & advice (food, housing, money, transport).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .exceptions import UnknownCategoryError

__all__ = [
    "Category",
    "CATEGORIES",
    "CATEGORY_KEYS",
    "TAXONOMY_VOCABULARY",
    "SOCIAL_PRESCRIBING_SECTORS",
    "category_label",
    "match_category",
]


@dataclass(frozen=True)
class Category:
    """One category of the taxonomy.

    ``prototype`` is a short natural description used to infer a category from a resource's
    description (embedding similarity) and to read a person's intent; ``vocabulary`` is the
    word list used for typo-tolerant lexical matching and for explanations.
    """

    key: str
    label: str
    prototype: str
    vocabulary: tuple[str, ...]
    aliases: tuple[str, ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category(
        "arts_culture",
        "Arts & culture",
        "Creative arts and culture: painting, drawing, crafts, pottery, music, singing in a choir, "
        "drama, dance, writing, poetry, photography, museums, galleries, libraries and theatre.",
        (
            "art",
            "arts",
            "painting",
            "paint",
            "drawing",
            "watercolour",
            "watercolor",
            "craft",
            "crafts",
            "pottery",
            "ceramics",
            "music",
            "singing",
            "choir",
            "sing",
            "band",
            "guitar",
            "drama",
            "theatre",
            "theater",
            "dance",
            "poetry",
            "writing",
            "photography",
            "museum",
            "gallery",
            "library",
            "knitting",
            "sewing",
            "culture",
            "creative",
            "arte",
            "pintar",
            "pintura",
            "música",
            "musica",
            "cantar",
            "coro",
            "baile",
            "teatro",
            "manualidades",
        ),
        (
            "arts",
            "art",
            "culture",
            "arts and culture",
            "arts/crafts",
            "arts & crafts",
            "crafts",
            "creative arts",
            "music",
            "museums",
            "libraries",
            "entertainment",
            "arte",
        ),
    ),
    Category(
        "nature_outdoors",
        "Nature & outdoors",
        "Nature and the outdoors: parks, green spaces, gardening and community gardens, "
        "allotments, walking trails, birdwatching, conservation and outdoor activities.",
        (
            "nature",
            "outdoors",
            "outdoor",
            "garden",
            "gardening",
            "park",
            "parks",
            "walk",
            "walking",
            "hike",
            "hiking",
            "trail",
            "birds",
            "birdwatching",
            "conservation",
            "green",
            "allotment",
            "plants",
            "trees",
            "beach",
            "wildlife",
            "naturaleza",
            "jardín",
            "jardin",
            "jardinería",
            "caminar",
            "parque",
            "aire libre",
        ),
        (
            "nature",
            "outdoors",
            "nature/outdoors",
            "parks",
            "green space",
            "environment",
            "gardening",
            "naturaleza",
        ),
    ),
    Category(
        "volunteering",
        "Volunteering",
        "Volunteering: giving time to help others, volunteer roles at food banks, charities, "
        "animal shelters, hospitals, clean-ups, mentoring and community projects.",
        (
            "volunteer",
            "volunteering",
            "volunteers",
            "give back",
            "charity",
            "mentor",
            "mentoring",
            "useful",
            "purpose",
            "cleanup",
            "voluntario",
            "voluntariado",
            "ayudar",
        ),
        ("volunteer", "volunteering", "volunteer opportunities", "voluntariado", "service"),
    ),
    Category(
        "community_social",
        "Community groups & social connection",
        "Community groups and social connection: clubs, coffee mornings, lunch clubs, "
        "befriending, social groups for meeting people, community centres and faith groups, "
        "company for people who feel lonely or isolated.",
        (
            "community",
            "friends",
            "friendship",
            "lonely",
            "loneliness",
            "isolated",
            "isolation",
            "company",
            "coffee",
            "lunch",
            "befriending",
            "neighbours",
            "neighbors",
            "comunidad",
            "amigos",
            "solo",
            "sola",
            "soledad",
            "compañía",
        ),
        (
            "community",
            "community groups",
            "social",
            "social connection",
            "social groups",
            "community groups & social connection",
            "clubs",
            "comunidad",
        ),
    ),
    Category(
        "movement_sport",
        "Movement & sport",
        "Movement and sport: exercise classes, yoga, tai chi, chair exercise, swimming, "
        "walking football, cycling, dance fitness, gentle exercise and sports clubs.",
        (
            "exercise",
            "sport",
            "sports",
            "fitness",
            "yoga",
            "tai chi",
            "swim",
            "swimming",
            "football",
            "soccer",
            "cycling",
            "gym",
            "movement",
            "active",
            "stretch",
            "pilates",
            "basketball",
            "tennis",
            "running",
            "ejercicio",
            "deporte",
            "nadar",
        ),
        (
            "sport",
            "sports",
            "fitness",
            "exercise",
            "movement",
            "physical activity",
            "recreation",
            "deporte",
        ),
    ),
    Category(
        "learning_skills",
        "Learning & skills",
        "Learning and skills: classes and courses, English as a second language, computer and "
        "digital skills, cooking classes, adult education, job skills and tutoring.",
        (
            "learn",
            "learning",
            "course",
            "skills",
            "english",
            "esl",
            "computer",
            "digital",
            "internet",
            "education",
            "study",
            "tutoring",
            "training",
            "aprender",
            "inglés",
            "clases",
            "computadora",
        ),
        (
            "learning",
            "education",
            "skills",
            "learning and skills",
            "classes",
            "training",
            "educacion",
        ),
    ),
    Category(
        "support_wellbeing",
        "Support & wellbeing",
        "Support and wellbeing: peer support groups, bereavement and grief support, carers' "
        "groups, mental health and emotional wellbeing, counselling and listening services.",
        (
            "support",
            "wellbeing",
            "grief",
            "bereavement",
            "loss",
            "carer",
            "caregiver",
            "anxiety",
            "depression",
            "stress",
            "counselling",
            "counseling",
            "recovery",
            "mindfulness",
            "meditation",
            "duelo",
            "ansiedad",
            "depresión",
            "triste",
            "tristeza",
            "cuidador",
        ),
        (
            "support",
            "wellbeing",
            "well-being",
            "mental health",
            "health",
            "support groups",
            "counseling",
            "apoyo",
        ),
    ),
    Category(
        "essentials_advice",
        "Essentials & advice",
        "Essentials and practical advice: food banks and food pantries, free meals, housing "
        "and tenant advice, rent and bills, money and benefits advice, debt, legal aid and "
        "transport help.",
        (
            "food",
            "pantry",
            "meals",
            "hungry",
            "housing",
            "rent",
            "eviction",
            "tenant",
            "landlord",
            "money",
            "benefits",
            "debt",
            "bills",
            "legal",
            "transport",
            "groceries",
            "homeless",
            "utilities",
            "comida",
            "dinero",
            "renta",
            "alquiler",
            "vivienda",
            "deudas",
            "despensa",
            "transporte",
        ),
        (
            "essentials",
            "advice",
            "food",
            "housing",
            "money",
            "transport",
            "human services",
            "basic needs",
            "essentials & advice",
            "benefits",
            "legal",
        ),
    ),
)

CATEGORY_KEYS: tuple[str, ...] = tuple(c.key for c in CATEGORIES)
SOCIAL_PRESCRIBING_SECTORS: tuple[str, ...] = CATEGORY_KEYS[:4]
#: words of the taxonomy that typo correction may correct towards (besides the directory's)
TAXONOMY_VOCABULARY: tuple[str, ...] = tuple(
    sorted({w for c in CATEGORIES for v in c.vocabulary for w in v.split()})
)
_BY_KEY = {c.key: c for c in CATEGORIES}


def category_label(key: str) -> str:
    """Human-readable label of a category key."""
    try:
        return _BY_KEY[key].label
    except KeyError:
        raise UnknownCategoryError(f"unknown category key {key!r}") from None


def _norm(name: str) -> str:
    name = name.lower().replace("&", " and ").replace("_", " ")
    name = re.sub(r"[^a-z0-9áéíóúñ]+", " ", name)
    return re.sub(r"\s+", " ", name).strip()


def _choices() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in CATEGORIES:
        for name in (c.key, c.label, *c.aliases):
            out.setdefault(_norm(name), c.key)
    return out


_CHOICES = _choices()


def match_category(name: str, *, score_cutoff: float = 80.0) -> str | None:
    """Map a category name leniently onto a taxonomy key.

    Exact keys, labels and known aliases match first; otherwise rapidfuzz's ``WRatio``
    against all of them, accepting the best at or above ``score_cutoff`` (0–100).
    Returns ``None`` when nothing is close enough.

    >>> match_category("Arts and Culture"), match_category("Volunteer"), match_category("arts/crafts")
    ('arts_culture', 'volunteering', 'arts_culture')
    """
    from rapidfuzz import fuzz, process

    key = _norm(str(name))
    if not key:
        return None
    if key in _CHOICES:
        return _CHOICES[key]
    best = process.extractOne(key, list(_CHOICES), scorer=fuzz.WRatio, score_cutoff=score_cutoff)
    return _CHOICES[best[0]] if best else None
