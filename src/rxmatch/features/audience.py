"""The audience a record states in its own words: ages in its name ("55+ Only", "Seniors
60+", "ages 6-12", "18 or over") and an audience restricted by ancestry or heritage in its
name or description ("persons of Irish descent", "of Italian-American background").

Many directories state who may attend only in words, with no structured age range, so the
eligibility filter cannot see it. These statements are read once at ``fit`` over the
directory's texts (:func:`audience_facts`, kept in the
:class:`~rxmatch.index.FittedIndex`) with a few general English patterns (no names or ids
of any directory); at ranking time a candidate whose stated audience leaves the person out
is flagged (:meth:`AudienceFacts.flags`) and its score multiplied by
``1 - audience_penalty`` (a soft rule: the text may describe one programme of several).

* **Ages** count only in a record's **name**, and only when the record has no structured
  age range: the loosest range its name states (:func:`stated_ages`). A candidate whose
  range leaves out the age eligibility is checked against (the beneficiary's, when the
  words are about someone else) is flagged.
* **Ancestry**: a record whose name or description restricts who may join to an ancestry
  (:func:`ancestry_words`) is flagged unless the person's words name that identity (a
  shared 4-letter stem: "Italy" ~ "Italian") or their answer is written in a language that
  speaks for it (:data:`LANGUAGE_IDENTITY`: an answer in Vietnamese for a Vietnamese
  group).

Chosen on the real dev splits (``datasets/real/variants_eval.py``, "ancestry audience p0.5
+ stated ages, name only p0.5"; ``docs/evaluation.md``). The person's words are read for
identity words only at ranking time and never stored or quoted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._arrays import offsets_problem

__all__ = [
    "AGE_PATTERNS",
    "ANCESTRY_PATTERNS",
    "LANGUAGE_IDENTITY",
    "AUDIENCE_AGE",
    "AUDIENCE_ANCESTRY",
    "stated_ages",
    "ancestry_words",
    "person_identity_words",
    "AudienceFacts",
    "audience_facts",
    "describe_audience",
]

#: flag bits of :meth:`AudienceFacts.flags`
AUDIENCE_AGE = 1
AUDIENCE_ANCESTRY = 2

_N = r"(\d{1,2})"
#: (pattern, kind): "min" gives a lowest age, "range" a lowest and a highest
AGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\b{_N}\s*\+\s*(?:only|years|yrs)\b", re.I), "min"),
    (re.compile(rf"\b(?:ages?|aged)\s*{_N}\s*\+", re.I), "min"),
    (
        re.compile(
            rf"\b(?:ages?|aged)\s*{_N}\s*(?:years\s*)?(?:or|and)\s*(?:over|older|up|above)\b",
            re.I,
        ),
        "min",
    ),
    (
        re.compile(
            rf"\b{_N}\s*(?:years\s*(?:of\s*age\s*|old\s*)?)?(?:or|and)\s*(?:over|older)\b", re.I
        ),
        "min",
    ),
    (re.compile(rf"\b(?:ages?|aged)\s*{_N}\s*(?:-|–|to|through|thru)\s*{_N}\b", re.I), "range"),
)

#: a text that says who may attend by ancestry: "of Italian descent", "people of Irish
#: heritage", "Scottish through birth" (English; heritage, background and origin only after
#: "people / persons / members ... of", where they describe members, not a collection)
_WORDS = r"((?:[A-Z][\w'-]*[\s,/-]*(?:or\s+|and\s+)?){1,4})"
ANCESTRY_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"\bof\s+{_WORDS}(?:ancestry|descent|extraction)\b"),
    re.compile(
        rf"\b(?:people|persons|men|women|families|anyone|those|members|individuals|"
        rf"adults|youth|children|students)\s+of\s+{_WORDS}(?:heritage|background|origin)\b"
    ),
    re.compile(r"\b([A-Z][\w-]*)\s+(?:through|by)\s+(?:birth|ancestry|descent)\b"),
)
#: the words each of :data:`ANCESTRY_PATTERNS` needs (a quick test before the pattern)
_ANCESTRY_NEEDS = (
    ("ancestry", "descent", "extraction"),
    ("heritage", "background", "origin"),
    ("birth", "ancestry", "descent"),
)
_NOT_IDENTITY = frozenset({"or", "and", "the", "a", "an", "any", "all"})
#: a quick test at ``fit``: every age pattern needs a digit, every ancestry pattern one of
#: the words of :data:`_ANCESTRY_NEEDS` (a record without them states no audience)
_DIGIT = re.compile(r"\d")
_ANCESTRY_ANY = re.compile("|".join(sorted({w for ws in _ANCESTRY_NEEDS for w in ws})))

#: the identity words an answer's language speaks for (an answer in Vietnamese is from
#: someone a Vietnamese group would welcome); English says nothing
LANGUAGE_IDENTITY: Mapping[str, frozenset[str]] = {
    "es": frozenset({"spanish", "hispanic", "latino", "latina", "latin", "mexican"}),
    "zh": frozenset({"chinese", "asian"}),
    "vi": frozenset({"vietnamese", "asian"}),
    "tl": frozenset({"filipino", "tagalog", "asian"}),
    "ru": frozenset({"russian"}),
    "bn": frozenset({"bangladeshi", "bengali", "bangla", "asian"}),
}


def stated_ages(text: str) -> tuple[float | None, float | None]:
    """The loosest age range ``text`` states (``None`` where it states no bound): the
    lowest of the stated lowest ages; a highest age only when every statement has one.

    >>> stated_ages("Seniors 60+ only"), stated_ages("Art club, ages 6-12")
    ((60.0, None), (6.0, 12.0))
    >>> stated_ages("a 5K run"), stated_ages("60 volunteers needed")
    ((None, None), (None, None))
    """
    lows: list[float] = []
    highs: list[float | None] = []
    for rx, kind in AGE_PATTERNS:
        for m in rx.finditer(text or ""):
            lo = float(m.group(1))
            hi = float(m.group(2)) if kind == "range" else None
            if hi is not None and hi < lo:
                continue
            lows.append(lo)
            highs.append(hi)
    if not lows:
        return None, None
    hi = None if any(h is None for h in highs) else max(h for h in highs if h is not None)
    return min(lows), hi


def ancestry_words(text: str) -> frozenset[str] | None:
    """The identity words (lowercase; hyphenated ones split: "italian-american" gives
    "italian" and "american") of an ancestry ``text`` restricts its audience to, or
    ``None`` when it states none."""
    found: set[str] = set()
    text = text or ""
    for rx, needs in zip(ANCESTRY_PATTERNS, _ANCESTRY_NEEDS):
        if not any(w in text for w in needs):
            continue
        for m in rx.finditer(text):
            for w in re.findall(r"[A-Za-z][\w'-]*", m.group(1)):
                found.update(p for p in w.lower().split("-") if p)
    found -= _NOT_IDENTITY
    return frozenset(found) or None


def person_identity_words(words: str, language: str | None) -> frozenset[str]:
    """The words of an answer an identity is looked for in: its words (lowercase) and the
    identity words its language speaks for (:data:`LANGUAGE_IDENTITY`)."""
    out = {w.lower() for w in re.findall(r"\w+", words or "")}
    out |= LANGUAGE_IDENTITY.get(language or "", frozenset())
    return frozenset(out)


def _named(identity_word: str, words: frozenset[str], stems: frozenset[str]) -> bool:
    """Whether the person's ``words`` name ``identity_word`` (a shared 4-letter stem; a
    shorter word must appear whole)."""
    w = identity_word
    return w[:4] in stems if len(w) >= 4 else w in words


@dataclass(frozen=True, eq=False)
class AudienceFacts:
    """Per record (directory order): the lowest and highest age its name states (NaN: none,
    or the record has a structured age range), and the identity words of an ancestry its
    text restricts its audience to, as offsets into codes of ``vocabulary`` (``offsets``
    has one entry per record plus one; a record without one has no codes)."""

    min_age: np.ndarray  # float64, NaN: none stated
    max_age: np.ndarray  # float64, NaN: none stated
    offsets: np.ndarray  # int64, n + 1
    codes: np.ndarray  # int32 into vocabulary
    vocabulary: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.min_age)

    @cached_property
    def has_identity(self) -> np.ndarray:
        """Whether each record states an ancestry audience."""
        return np.diff(self.offsets) > 0

    def identity(self, r: int) -> frozenset[str]:
        """The identity words of record ``r`` (empty: none stated)."""
        lo, hi = int(self.offsets[r]), int(self.offsets[r + 1])
        return frozenset(self.vocabulary[c] for c in self.codes[lo:hi])

    def flags(
        self, rows: np.ndarray, age: float | None, person_words: frozenset[str]
    ) -> np.ndarray:
        """Per candidate ``rows``: :data:`AUDIENCE_AGE` when the age its name states leaves
        out ``age`` (``None``: no age known, never flagged), plus :data:`AUDIENCE_ANCESTRY`
        when it restricts its audience to an ancestry ``person_words``
        (:func:`person_identity_words`) do not name."""
        rows = np.asarray(rows, dtype=np.intp)
        out = np.zeros(len(rows), dtype=np.int8)
        if not len(rows):
            return out
        if age is not None:
            with np.errstate(invalid="ignore"):
                lo, hi = self.min_age[rows], self.max_age[rows]
                out[(lo > age) | (hi < age)] |= AUDIENCE_AGE  # NaN compares False
        with_id = np.flatnonzero(self.has_identity[rows])
        if len(with_id):
            stems = frozenset(w[:4] for w in person_words if len(w) >= 4)
            named = np.array(
                [_named(v, person_words, stems) for v in self.vocabulary] or [False], dtype=bool
            )
            for i in with_id:
                r = int(rows[i])
                codes = self.codes[int(self.offsets[r]) : int(self.offsets[r + 1])]
                if not named[codes].any():
                    out[i] |= AUDIENCE_ANCESTRY
        return out

    # ---- as plain arrays (what a saved index holds) ----------------------------------------
    def to_arrays(self) -> tuple[dict[str, np.ndarray], list[str]]:
        """Named one-dimensional arrays and the vocabulary (plain JSON)."""
        return (
            {
                "min_age": np.asarray(self.min_age, dtype=np.float64),
                "max_age": np.asarray(self.max_age, dtype=np.float64),
                "offsets": np.asarray(self.offsets, dtype=np.int64),
                "codes": np.asarray(self.codes, dtype=np.int32),
            },
            list(self.vocabulary),
        )

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], vocabulary: Sequence[str], n: int
    ) -> AudienceFacts:
        """The facts :meth:`to_arrays` gave; raises ``ValueError`` when they do not fit
        ``n`` records or the vocabulary."""
        lo, hi = np.asarray(arrays["min_age"]), np.asarray(arrays["max_age"])
        off, codes = np.asarray(arrays["offsets"]), np.asarray(arrays["codes"])
        vocab = tuple(vocabulary)
        if not all(isinstance(v, str) for v in vocab):
            raise ValueError("the audience vocabulary holds values that are not words")
        if lo.shape != (n,) or hi.shape != (n,) or lo.dtype.kind != "f" or hi.dtype.kind != "f":
            raise ValueError(f"the audience ages do not have {n} rows")
        if codes.ndim != 1 or codes.dtype.kind not in "iu":
            raise ValueError("the audience codes are not one-dimensional integers")
        problem = offsets_problem(off, total=len(codes), length=n + 1)
        if problem:
            raise ValueError(f"the audience offsets {problem}")
        if len(codes) and (int(codes.min()) < 0 or int(codes.max()) >= len(vocab)):
            raise ValueError("the audience codes are out of the vocabulary's range")
        return cls(lo, hi, off, codes, vocab)


def audience_facts(
    names: Sequence[str],
    descriptions: Sequence[str],
    min_age: np.ndarray,
    max_age: np.ndarray,
) -> AudienceFacts:
    """The :class:`AudienceFacts` of a directory's records: ages stated in each name
    (records without a structured ``min_age``/``max_age`` only), ancestry audiences stated
    in each name or description."""
    n = len(names)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    structured = ~np.isnan(np.asarray(min_age, dtype=np.float64)) | ~np.isnan(
        np.asarray(max_age, dtype=np.float64)
    )
    vocab: dict[str, int] = {}
    offsets = np.zeros(n + 1, dtype=np.int64)
    codes: list[int] = []
    ages: dict[str, tuple[float | None, float | None]] = {}  # names repeat (branches)
    for i, (name, desc) in enumerate(zip(names, descriptions)):
        name = name if isinstance(name, str) else ""
        desc = desc if isinstance(desc, str) else ""
        if not structured[i] and _DIGIT.search(name):
            if name not in ages:
                ages[name] = stated_ages(name)
            a, b = ages[name]
            if a is not None:
                lo[i] = a
            if b is not None:
                hi[i] = b
        if not (_ANCESTRY_ANY.search(name) or _ANCESTRY_ANY.search(desc)):
            offsets[i + 1] = len(codes)
            continue
        words = ancestry_words(f"{name}. {desc}")
        if words:
            codes.extend(vocab.setdefault(w, len(vocab)) for w in sorted(words))
        offsets[i + 1] = len(codes)
    return AudienceFacts(lo, hi, offsets, np.asarray(codes, dtype=np.int32), tuple(vocab))


def describe_audience(facts: AudienceFacts, r: int, flag: int) -> tuple[str, ...]:
    """Plain notes for a match flagged ``flag`` (record ``r``): what audience the record
    states, in the record's terms (never the person's words)."""
    out: list[str] = []
    if flag & AUDIENCE_AGE:
        lo, hi = float(facts.min_age[r]), float(facts.max_age[r])
        if not np.isnan(hi):
            ages = f"aged {lo:g}-{hi:g}"
        else:
            ages = f"aged {lo:g}+"
        out.append(f"the record states it is for people {ages}: check before referring")
    if flag & AUDIENCE_ANCESTRY:
        out.append(
            "the record states it is for people of a stated heritage: check before referring"
        )
    return tuple(out)
