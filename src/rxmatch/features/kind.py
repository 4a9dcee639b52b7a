"""What kind of resource a record is, and what kind of help the person asks for.

Social prescribing connects people to *community assets* (groups, activities, clubs,
volunteering, peer support, classes) and, where the person names the need, to essentials
(food, housing, money, legal help, transport). Clinical treatment, residential care and
administrative bodies are what a clinician already provides or what a person does not go
to: a walking group, not a hospice, for someone whose physio says they should walk more.

:func:`resource_kinds` reads a record's name, tags (taxonomy terms such as AIRS/211,
Open Eligibility or HSDS attributes) and description, and gives each record a share of
each kind in :data:`KINDS`; :func:`asks_for_care` reads the person's wishes (not their
context sentences) for an explicit request for clinical, residential or administrative
help. Both use short, documented lists of generic service words (English and Spanish),
never the names or ids of any directory's records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = [
    "KINDS",
    "CARE_KINDS",
    "KIND_CUES",
    "CARE_REQUEST_CUES",
    "resource_kinds",
    "care_share",
    "asks_for_care",
]

#: The kinds of resource, in the column order of :func:`resource_kinds`.
KINDS = (
    "community",  # activities, groups, clubs, arts, sport, parks, libraries, centres
    "volunteering",
    "peer_support",  # support groups, self-help, mutual aid
    "learning",  # classes, tutoring, literacy, language
    "essentials",  # food, housing, money, legal, transport, work, clothing
    "clinical",  # medical, mental-health and addiction treatment, home health, hospice
    "residential",  # care homes, assisted living, residential treatment, day care for adults
    "administrative",  # planning bodies, boards, staff training, offices, licensing
)

#: Kinds that a social prescription does not lead to unless the person asks for them.
CARE_KINDS = ("clinical", "residential", "administrative")

#: kind -> regular expression of generic service words (matched on lower-cased text)
KIND_CUES: dict[str, str] = {
    "community": r"\brecreation|\bleisure\b|\bclubs?\b|\bspecial interest\b|\barts?\b|\bcrafts?\b|"
    r"\bmusic|\bchoirs?\b|\bchorus\b|\bsing(ing)?\b|\btheat(er|re)|\bdanc(e|ing)\b|\bsports?\b|"
    r"\bexercise\b|\bfitness\b|\bgames?\b|\bparks?\b|\bplayground|\bgarden|\bhorticultur|"
    r"\blibrar(y|ies)\b|\bmuseums?\b|\bsenior centers?\b|\bcommunity (center|centre|facilit)|"
    r"\bsocial activit|\bcamping\b|\bhik(e|ing)\b|\bwalk(s|ing)? (group|club)|\boutdoor|"
    r"\bnature\b|\bbook (club|group)|\bfestival|\bperforming|\bentertainment\b|\bcultural\b|"
    r"\bhobb(y|ies)\b|\bphotograph|\bknit|\bquilt|\bchess\b|\bbirdwatch|\bbird(ing|ers)?\b|"
    r"\bswim|\byoga\b|\btai chi\b|\bpaint(ing)?\b|\bfriendly visit|\btelephone reassurance|"
    r"\bsocial (club|group|hour)|\bmeet(ing)? (new )?people\b|\bfellowship\b|\bretreat\b|"
    r"\byouth (program|group|club|center|centre)|\bteen (program|center|centre)|\bzoos?\b|"
    r"\brecreación|\bclub(es)?\b|\barte\b|\bdeportes?\b|\bjardín|\bbiblioteca|\bmuseo",
    "volunteering": r"\bvolunteer|\bvoluntari|\bservice clubs?\b|\bmentor(s|ing)?\b|"
    r"\bcommunity service\b|\bdocents?\b",
    "peer_support": r"\bsupport groups?\b|\bpeer support\b|\bself-help\b|\bgroup support\b|"
    r"\bmutual (aid|support)\b|\bparent groups?\b|\bsupport network\b|\bgrupos? de apoyo\b",
    "learning": r"\beducation\b|\bclass(es)?\b|\bcourses?\b|\btutor|\bliteracy\b|\besl\b|"
    r"\benglish as a second|\bged\b|\bcommunity colleges?\b|\badult (school|education)|"
    r"\bcomputer (class|training|lab)|\bworkshops?\b|\blectures?\b|\bclases\b|\bcursos?\b",
    "essentials": r"\bfood\b|\bpantr(y|ies)\b|\bmeals?\b|\bgroceries\b|\bhousing\b|\bshelter|"
    r"\brent(al)? assistance|\bhomeless|\bfinancial assistance\b|\bbenefits\b|\blegal\b|"
    r"\blaw\b|\battorneys?\b|\bimmigration\b|\bclothing\b|\btransit\b|\btransportation\b|"
    r"\bemployment\b|\bjob (placement|training|search|counsel)|\butilit(y|ies)\b|\btax\b|"
    r"\bcomida\b|\bvivienda\b|\bempleo\b",
    "clinical": r"\bmedical\b|\bhealth services\b|\bclinics?\b|\bhospitals?\b|\boutpatient\b|"
    r"\binpatient\b|\btreatment\b|\btherap(y|ies|ist)\b|\bcounsel(l)?ing\b|\bpsychiatr|"
    r"\bmental health services\b|\bsubstance (abuse|use)|\bdrug abuse\b|\balcoholism\b|"
    r"\bdetox|\brehabilitation\b|\bdental\b|\bdentist|\bhome health\b|\bhospice\b|\bnursing\b|"
    r"\bcheckup|\bdisease management\b|\bmaternity\b|\bfamily planning\b|\bprescription|"
    r"\bphysicians?\b|\bdiagnos|\bprevent & treat\b|\bcrisis intervention\b|\bhotlines?\b|"
    r"\bimmuniz|\bvaccin|\bpharmac|\bmedicine\b|\bemergency room\b|\bpsycholog|"
    r"\bclínica\b|\bmédic|\btratamiento\b|\bterapia\b",
    "residential": r"\bresidential\b|\bassisted living\b|\bnursing homes?\b|\bskilled nursing\b|"
    r"\bout-of-home care\b|\bgroup homes?\b|\bboard and care\b|\bcare homes?\b|"
    r"\badult day (care|health)|\bdaytime care\b|\blong-term care\b|\bcustodial\b|"
    r"\bsupportive housing\b|\bhousing with support\b|\btransitional housing\b",
    "administrative": r"\badministration\b|\bplanning\b|\badvisory\b|\bboards?\b|\bcommissions?\b|"
    r"\bcouncil\b|\bstaff training\b|\btechnical assistance\b|\borganizational support\b|"
    r"\bcoordinating\b|\blicens(e|ing)\b|\baccreditation\b|\bfundrais|\bspeakers? bureaus?\b|"
    r"\bgovernment offices?\b|\bheadquarters\b|\bcertificates/forms\b|\bregulat",
}

_KIND_RX = {k: re.compile(v) for k, v in KIND_CUES.items()}

#: field weights: a taxonomy term says what a record is more reliably than a description
_FIELD_WEIGHT = {"name": 1.5, "tags": 1.0, "description": 0.5}

#: words in a person's *wishes* that ask for clinical, residential or administrative help
CARE_REQUEST_CUES = (
    r"\btherap(y|ist)\b|\bcounsel(l)?(ing|or)\b|\bpsychiatr|\bpsycholog|\bdoctor\b|"
    r"\bmedical\b|\bmedication\b|\btreatment\b|\brehab\b|\bdetox\b|\bclinic\b|\bdentist\b|"
    r"\bnursing home\b|\bassisted living\b|\bcare home\b|\bhospice\b|\bhome (health|care)\b|"
    r"\bday care for (my )?(mom|mother|dad|father|husband|wife|parent)|\badult day\b|"
    r"\bsomeone to talk to\b.*\bprofessional\b|\bprofessional help\b|\bmental health (help|support|services)\b|"
    r"\bterapia\b|\bterapeuta\b|\bconsejer|\bpsic[oó]log|\bm[eé]dico\b|\btratamiento\b|"
    r"\b治疗|心理咨询|心理医生|医生|看病|\bbác sĩ\b|\bđiều trị\b|\btư vấn tâm lý\b|\bdoktor\b|\bgamot\b"
)


def _factored_word_start(pattern: str) -> str:
    """``pattern`` (top-level alternatives) with the ``\\b`` that starts most of them taken
    out in front of one group: the same texts match (at the same first position), ~10x
    faster with ``re``."""
    alts, depth, cur, i = [], 0, "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur, i = cur + pattern[i : i + 2], i + 2
            continue
        depth += (ch == "(") - (ch == ")")
        if ch == "|" and depth == 0:
            alts.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    alts.append(cur)
    bounded = [a[2:] for a in alts if a.startswith(r"\b")]
    rest = [a for a in alts if not a.startswith(r"\b")]
    return "|".join([r"\b(?:" + "|".join(bounded) + ")", *rest]) if bounded else pattern


_CARE_RX = re.compile(_factored_word_start(CARE_REQUEST_CUES))


def resource_kinds(
    names: Sequence[str], tags: Sequence[Sequence[str]], descriptions: Sequence[str]
) -> np.ndarray:
    """``(n, len(KINDS))`` shares (each row sums to 1, or to 0 when no cue matched) of
    each kind for every record, from weighted cue counts in its name, tags and
    description."""
    from ._bulk import count_matches, distinct_texts

    # each distinct text is lower-cased and scanned once, all of a field's texts in one
    # call per chunk (features._bulk): the counts of re.findall per record, summed in the
    # same order as a loop over the records
    which, fields = {}, {}
    which["name"], uniq = distinct_texts([str(name or "") for name in names])
    fields["name"] = [name.lower() for name in uniq]
    which["tags"], uniq = distinct_texts([tuple(tg) for tg in tags])
    fields["tags"] = [" ; ".join(str(t) for t in tg).lower() for tg in uniq]
    which["description"], uniq = distinct_texts([str(desc or "") for desc in descriptions])
    fields["description"] = [desc.lower() for desc in uniq]
    out = np.zeros((len(names), len(KINDS)), dtype=np.float64)
    for j, kind in enumerate(KINDS):
        rx = _KIND_RX[kind]
        for f, w in _FIELD_WEIGHT.items():
            out[:, j] += w * count_matches(rx, fields[f], distinct=True)[which[f]]
    total = out.sum(axis=1, keepdims=True)
    np.divide(out, total, out=out, where=total > 0)
    return out


def care_share(kinds: np.ndarray) -> np.ndarray:
    """Share of each record's kind that is clinical, residential or administrative."""
    cols = [KINDS.index(k) for k in CARE_KINDS]
    return np.asarray(kinds, dtype=np.float64)[:, cols].sum(axis=1)


def asks_for_care(wishes: Sequence[str]) -> bool:
    """Whether the person's wishes (not context sentences) ask for clinical, residential or
    administrative help (therapy, a doctor, treatment, a care home, ...)."""
    return any(_CARE_RX.search(w.lower()) for w in wishes)
