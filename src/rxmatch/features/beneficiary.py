"""Whom the words are about: the speaker, or someone they speak for.

A parent writes "My son is 15 and he's on his phone all day ... I want him to find
something after school"; a daughter writes "This is about my mom, she's 88"; a carer writes
"I'm the caregiver for Mr. Alvarez, he's 84". The wish is for that other person, so age
and eligibility should follow them, not the speaker. :func:`read_beneficiary` reads, from
the words alone and offline:

* ``relation``: who the words are about: ``"self"``, ``"child"`` (a son, daughter,
  grandchild, teenager), ``"parent"`` (a mother, father, grandparent), ``"partner"`` or
  ``"client"`` (someone a carer or worker looks after);
* ``age``: an age the words state for that person ("she's 88", "my 15-year-old",
  "mi hijo tiene 15 años"; for the speaker, "I'm 72", "tengo 72 años");
* ``for_other``: whether the wish is for someone else (their relation is named *and* the
  wish is directed at them: "for him", "she would love", "something for my dad",
  "this is about my mom", "para mi hijo"), as opposed to a person who mentions a relative
  ("my wife passed last spring", "my kids have left home").

The cues are hand-written, English and Spanish (the facet languages), and deliberately
conservative: when in doubt the words are about the speaker. :func:`eligibility_age`
turns a reading into the age that eligibility is checked against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Beneficiary", "read_beneficiary", "eligibility_age", "RELATION_CUES"]

_MY = r"(?:my|our|mi|mis|nuestr[oa]s?)"

#: relation -> nouns naming that person after "my" (English and Spanish)
RELATION_CUES: dict[str, str] = {
    "child": r"son|daughter|kids?|child|children|boy|girl|teen|teenager|grandson|granddaughter|"
    r"grandkids?|grandchild(?:ren)?|stepson|stepdaughter|hij[oa]s?|niñ[oa]s?|niet[oa]s?|"
    r"adolescente",
    "parent": r"mom|mum|mother|dad|father|parents?|grandma|grandmother|grandpa|grandfather|"
    r"nana|granny|mamá|mama|madre|papá|papa|padre|padres|abuel[oa]s?",
    "partner": r"husband|wife|partner|spouse|espos[oa]|marido|mujer|pareja",
    "client": r"client|patient|resident|cliente|paciente",
    "friend": r"friend|buddy|neighbou?r|vecin[oa]|amig[oa]",
}

_ANY_RELATION = "|".join(RELATION_CUES.values())
_RELATION = {
    k: re.compile(rf"\b{_MY}\s+(?:\w+\s+)?(?:{v})\b|^\s*(?:{v})\s+(?:is|has|was)\b", re.I)
    for k, v in RELATION_CUES.items()
}
# "the caregiver for Mr. Alvarez", "I look after my neighbour", "cuido a mi ..."
_CARER = re.compile(
    r"\b(?:care ?giver|carer|aide|home help|social worker|case manager)\s+(?:for|of|to)\b|"
    r"\bi (?:look after|care for|take care of)\b|\bcuido a\b|\bcuidador[a]? de\b",
    re.I,
)
# the wish is directed at the other person
_FOR_OTHER = re.compile(
    r"\b(?:for|get|help|take|bring|find|want|would like|need|visit|see|call|join)\s+"
    r"(?:him|her|them)\b|"
    r"\b(?:he|she|they)\s*(?:'d|would|wants?|needs?|loves?|likes?|enjoys?|misses|could|can|"
    r"used to|might|should|still)\b|"
    rf"\b(?:this is|it'?s|i'?m (?:writing|asking|calling)) (?:about|for) {_MY}\b|"
    rf"\b{_MY}\s+(?:\w+\s+)?(?:{_ANY_RELATION})\s+(?:is|tiene)\s+\d|"
    rf"^\s*(?:{_ANY_RELATION})\s+is\s+\d|"
    r"\b(?:he|she)(?:'s| is)\s+\d|"
    rf"\b(?:something|somewhere|anything|a (?:group|program|class|place)) for {_MY}\b|"
    rf"\bpara {_MY}\b|\bpara (?:él|ella|ellos)\b|\ble (?:gusta|encanta|gustaría)\b|"
    r"\b(?:quiere|necesita|podría)\b",
    re.I,
)
_NUM = r"(\d{1,3})"
# an age stated for a third person: "she's 88", "my son is 15", "my 15-year-old", "(84)"
_OTHER_AGE = re.compile(
    rf"\b(?:he|she|they)(?:'s| is| are| just turned| turned)\s+(?:about\s+|almost\s+|nearly\s+)?{_NUM}\b|"
    rf"\b{_MY}\s+(?:\w+\s+)?(?:{_ANY_RELATION})\s*(?:,\s*)?"
    rf"(?:is|who is|who's|,|\(|turned|just turned)\s*(?:about\s+|almost\s+)?{_NUM}\b|"
    rf"\b{_MY}\s+{_NUM}[- ](?:year|yr)[- ]old\b|"
    rf"^\s*(?:{_ANY_RELATION})\s+is\s+{_NUM}\b|"
    rf"\b(?:Mr|Mrs|Ms|Miss)\.?\s+\w+,?\s+who(?:'s| is)\s+{_NUM}\b|"
    rf"\b(?:Mr|Mrs|Ms|Miss)\.?\s+\w+,?\s+(?:he|she)(?:'s| is)\s+{_NUM}\b|"
    rf"\btiene\s+{_NUM}\s+años\b",
    re.I,
)
# an age stated for the speaker: "I'm 72", "I am 72 years old", "tengo 72 años"
_SELF_AGE = re.compile(
    rf"\bi(?:'m| am)\s+(?:about\s+|almost\s+|nearly\s+)?{_NUM}\b(?![.,]\d)(?!\s*(?:months?|"
    rf"weeks?|days?|hours?|minutes|km|miles|blocks|%|percent|years? (?:sober|clean|in|into|out|"
    rf"since|here|married)))|\bi just turned\s+{_NUM}\b|\btengo\s+{_NUM}\s+años\b",
    re.I,
)


@dataclass(frozen=True)
class Beneficiary:
    """Whom the words are about (see the module docstring).

    Attributes
    ----------
    relation : str
        ``"self"``, ``"child"``, ``"parent"``, ``"partner"`` or ``"client"``.
    age : float | None
        an age the words state for that person, or ``None``.
    for_other : bool
        whether the wish is for someone other than the speaker.
    """

    relation: str = "self"
    age: float | None = None
    for_other: bool = False


def _first_age(pattern: re.Pattern[str], text: str) -> float | None:
    for m in pattern.finditer(text):
        for g in m.groups():
            if g is not None and 0 < int(g) <= 110:
                return float(g)
    return None


def read_beneficiary(text: str) -> Beneficiary:
    """Whom ``text`` is about, and an age stated for them (offline, English and Spanish)."""
    text = str(text or "")
    # words not directed at another person are about the speaker, whoever they name (most
    # answers: the relations are read only for the others)
    if not _FOR_OTHER.search(text):
        return Beneficiary(age=_first_age(_SELF_AGE, text))
    found = [(m.start(), rel) for rel, rx in _RELATION.items() if (m := rx.search(text))]
    carer = _CARER.search(text)
    if carer is not None:
        found.append((carer.start(), "client"))
    if found:
        relation = min(found)[1]  # the first person named
        return Beneficiary(relation=relation, age=_first_age(_OTHER_AGE, text), for_other=True)
    return Beneficiary(age=_first_age(_SELF_AGE, text))


def eligibility_age(given: float | None, reading: Beneficiary) -> tuple[float | None, str]:
    """The age that eligibility is checked against, and where it came from: ``"referral"``
    (the referral's ``age``), ``"beneficiary"`` (stated in the words for the person they are
    about) or ``"words"`` (stated in the words for the speaker); ``None`` with ``""``.

    * Words for someone else that state their age: that age (a parent's referral of a
      15-year-old is checked as 15, whatever the referral's own age says).
    * Otherwise the referral's ``age`` when it has one; when it has none, an age the words
      state for the speaker.
    """
    if reading.for_other and reading.age is not None:
        if given is not None and float(given) == reading.age:
            return float(given), "referral"
        return reading.age, "beneficiary"
    if given is not None:
        return float(given), "referral"
    if reading.age is not None:
        return reading.age, "words"
    return None, ""
