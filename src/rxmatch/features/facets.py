"""Facets of "what matters": split a person's answer into interests, needs, barriers and
dislikes, and read the practical constraints their barriers imply.

"I used to paint, I'd like to get outdoors more, but my knees are bad and I have no car"
becomes two interests ("I used to paint", "I'd like to get outdoors more") and two barriers
("my knees are bad": mobility; "I have no car": no car). Interests are matched one by one so
that a plan can cover both; dislikes ("I don't like crowds") lower the score of what
resembles them; barriers become soft constraints (a smaller radius for someone without a
car, a penalty on strenuous activities for bad knees, free options for someone short of
money, family-friendly options for someone bringing a child).

The cue lists are hand-written, in English and Spanish, and documented here; they are
deliberately conservative (a clause that matches no cue is an interest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "Facet",
    "Facets",
    "split_facets",
    "BARRIER_CUES",
    "DISLIKE_CUES",
    "NEED_WORDS",
    "STRENUOUS_WORDS",
    "CROWD_WORDS",
    "CONTEXT_CUES",
    "WISH_CUES",
    "ADVICE_CUE",
]

#: barrier kind -> regular expression of cues (English and Spanish)
BARRIER_CUES: dict[str, str] = {
    "mobility": r"\b(bad|sore|dodgy|weak|painful|replaced|new)\s+(knee|knees|hip|hips|back|legs?)\b|"
    r"\bknees?\s+(are|is)\s+(bad|shot|sore|not great|playing up)|\barthritis\b|\bwheelchair\b|"
    r"\b(walker|walking frame|zimmer|cane|walking stick)\b|\bmobility\b|can'?t walk (far|much|long)|"
    r"\bcan'?t (do|manage) stairs\b|\bout of breath\b|\bcopd\b|\brodillas?\b|\bsilla de ruedas\b|"
    r"\bme cuesta caminar\b|\bbastón\b",
    "no_car": r"\bno car\b|\bdon'?t (have a |own a )?(car|drive)\b|\bcan'?t drive\b|\bwithout a car\b|"
    r"\blost my licen[cs]e\b|\bno (tengo|hay) (carro|coche|auto)\b|\bno manejo\b|\bsin carro\b",
    "money": r"\bmoney('s| is)? (is )?(tight|short)\b|\bcan'?t afford\b|\bbroke\b|\bno money\b|"
    r"\bon a (tight |small )?budget\b|\bcost(s)? (is|are) an issue\b|\bcheap\b|"
    r"\bfree\b(?!\s+(on|in|after|before|at|during|time|most|every|some|days?|evenings?|mornings?|weekends?))|"
    r"\bno tengo dinero\b|\bpoco dinero\b|\bsin dinero\b|\bgratis\b|\bno me alcanza\b",
    "child": r"\b(bring|with|take|taking|have) (my|the|our) (kid|kids|child|children|son|daughter|"
    r"baby|toddler|grandson|granddaughter|grandkids?)\b|\bchildcare\b|\bno one to watch (my|the)\b|"
    r"\b(mi|mis) (hijo|hija|hijos|niño|niña|niños|bebé|nieto|nieta)\b",
    "night_shift": r"\bnight shifts?\b|\bwork(ing)? nights\b|\bnights? work\b|\bgraveyard shift\b|"
    r"\btrabajo de noche\b|\bturno de noche\b",
    "crowds": r"\bcrowds?\b|\bcrowded\b|\b(big|large) groups?\b|\banxiety\b|\banxious\b|\bpanic\b|"
    r"\bnervous around people\b|\bmultitud(es)?\b|\bansiedad\b",
    "time": r"\b(nine to five|9 to 5|9-5|9am to 5pm)\b|\bwork(ing)? (full[- ]time|all day|days|long hours)\b|"
    r"\b(only|just) free (on|in|after|before)\b|\bfree (only )?(on weekends|after work|in the evenings?)\b|"
    r"\b(weekends|evenings|mornings) only\b|\bno time\b|\btrabajo todo el día\b",
    "housebound": r"\bhousebound\b|\bcan'?t (leave|get out of) the house\b|\bstuck (at|in) (home|the house)\b|"
    r"\bno puedo salir\b",
}

#: words that mark an activity as strenuous (penalized for people with mobility barriers)
STRENUOUS_WORDS = (
    "hike",
    "hiking",
    "hikes",
    "running",
    "run",
    "jog",
    "jogging",
    "bootcamp",
    "boot camp",
    "hiit",
    "football",
    "soccer",
    "basketball",
    "climbing",
    "steep",
    "marathon",
    "trek",
    "trekking",
    "cardio",
    "crossfit",
    "rugby",
    "spin class",
    "mountain",
)

#: words that mark a large or busy activity (penalized for people who avoid crowds)
CROWD_WORDS = (
    "festival",
    "crowd",
    "crowds",
    "large group",
    "big group",
    "concert",
    "fair",
    "parade",
    "rally",
    "stadium",
    "hundreds",
)

DISLIKE_CUES = (
    r"\b(i )?(don'?t|do not|never) (like|enjoy|want|fancy|do)\b|\bcan'?t stand\b|\bhate\b|"
    r"\bnot (into|a fan of|keen on|interested in)\b|\bnothing too\b|\bno (more )?(gyms?|sports?)\b|"
    r"\b(rather|prefer) not\b|\bavoid\b|\bno me gusta(n)?\b|\bodio\b|\bnada de\b|"
    r"\b(aren'?t|isn'?t|is not|are not|not) (really )?(me|for me|my thing)\b"
)
#: words naming an essential need; a barrier clause that names one is also an interest
NEED_WORDS = (
    r"\b(food|groceries|meals?|rent|eviction|evicted|bills?|benefits|debt|housing|landlord|"
    r"utilities|comida|renta|alquiler|deudas?|vivienda|despensa)\b"
)

#: what marks a clause as the person's situation rather than a wish: a loss, a diagnosis or
#: an operation, a clinician's view, a feeling (English and Spanish). A clause with one of
#: these and none of :data:`WISH_CUES` is *context*: it is not embedded as a wish, not
#: matched word for word and never quoted as "your wish".
CONTEXT_CUES = (
    r"\b(died|dead|passed( away| on)?|lost (my|our|her|his)|widow(ed|er)?|funeral|bereave|grief|"
    r"grieving|diagnos(ed|is)|surgery|operation|stroke|cancer|chemo|heart attack|dementia|"
    r"alzheimer'?s?|hospital|since (my|the|i|he|she|we)|after (my|the|he|she)|divorce[ds]?|"
    r"split up|broke up|crying|cry|depress(ed|ion)|lonely|alone|isolated|anxious|worried|worry|"
    r"struggl(e|ing)|hard time|tough time|diabetes|blood pressure|sober|clean for|relapse|"
    r"moved (here|to)|just moved|retired|laid off|lost (my|the) job|kids (are|have) (grown|left)|"
    r"falleci[óo]|muri[óo]|perd[íi] a|viud[oa]|cirug[íi]a|operaci[óo]n|diagn[óo]stic|"
    r"deprimid[oa]|sol[oa]|me mud[ée]|jubilad[oa])\b"
)
#: what marks a clause as a wish: wanting, missing, looking for, joining, learning, helping
WISH_CUES = (
    r"\b(like|love|want|wanna|hope|hoping|wish|looking for|look for|interested|keen|enjoy|"
    r"miss|used to|try|join|learn|meet|find|get (out|back|involved|into|together)|"
    r"do something|be (useful|around|part|with)|give back|help (out|others|people|with|me)|"
    r"need|make (some )?friends|somewhere|something|group|club|class|would|could|maybe|"
    r"me gustar[íi]a|quiero|quisiera|busco|necesito|me encanta|extra[ñn]o|aprender|conocer|"
    r"ayudar|unirme|participar)\b"
)
#: a clinician's advice: the advised action after it is a wish ("the physio says I should
#: walk more" -> "walk more"), the clinician is context
ADVICE_CUE = (
    r"^.*?\b(doctor|dr|physio|physiotherapist|therapist|nurse|gp|counsel+or|psychiatrist|"
    r"social worker|cardiologist|specialist|m[ée]dic[oa]|doctora?)\b[^.]*?\b(says?|said|told me|"
    r"thinks?|wants me|suggest(s|ed)?|recommend(s|ed)?|dice|me dijo|recomienda)\b"
    r"(\s+(that|que))?(\s+(i|me|we))?(\s+(should|to|need to|must|ought to|could|might|debo|"
    r"deber[íi]a|tengo que))?\s+"
)
_CONTEXT_RX = re.compile(CONTEXT_CUES)
_WISH_RX = re.compile(WISH_CUES)
_ADVICE_RX = re.compile(ADVICE_CUE)

_SPLIT = re.compile(
    r"(?<=[.!?;])\s+|\n+|\s+(?:but|although|though|pero|aunque)\s+|,\s*(?:but|and|y|pero)?\s*|\s+(?:and also|and|y también|y)\s+(?=(?:i|i'd|i'm|i've|my|me|to|maybe|also|quiero|me|mi)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Facet:
    """One part of what the person said: ``kind`` is ``interest``, ``barrier`` or
    ``dislike``; ``cue`` is the barrier kind or the dislike cue that classified it."""

    kind: str
    text: str
    cue: str | None = None

    def __repr__(self) -> str:  # never the person's words in a repr that could reach a log
        return f"Facet(kind={self.kind!r}, cue={self.cue!r}, {len(self.text)} chars)"


@dataclass(frozen=True)
class Facets:
    interests: tuple[Facet, ...] = ()
    barriers: tuple[Facet, ...] = ()
    dislikes: tuple[Facet, ...] = ()
    barrier_kinds: frozenset[str] = field(default_factory=frozenset)
    context: tuple[Facet, ...] = ()

    @property
    def all(self) -> tuple[Facet, ...]:
        return self.interests + self.barriers + self.dislikes + self.context

    def describe(self) -> list[str]:
        """Short labels for explanations (no more of the words than each facet holds)."""
        out = [f"interest: {f.text}" for f in self.interests]
        out += [f"barrier ({f.cue.replace('_', ' ')}): {f.text}" for f in self.barriers if f.cue]
        out += [f"dislike: {f.text}" for f in self.dislikes]
        out += [f"context: {f.text}" for f in self.context]
        return out


def _clean(part: str) -> str:
    return part.strip(" ,.;:!?-–—\"'").strip()


def _words(part: str) -> int:
    return len(re.findall(r"\w+", part))


def split_facets(text: str) -> Facets:
    """Split a person's answer into facets (see the module docstring)."""
    parts = [_clean(p) for p in _SPLIT.split(text) if p and _clean(p)]
    # glue tiny fragments ("too", "really") to the previous part
    merged: list[str] = []
    for p in parts:
        if merged and _words(p) < 2:
            merged[-1] = f"{merged[-1]} {p}"
        else:
            merged.append(p)
    interests: list[Facet] = []
    barriers: list[Facet] = []
    dislikes: list[Facet] = []
    context: list[Facet] = []
    kinds: set[str] = set()
    for p in merged:
        low = p.lower().replace("’", "'")
        found = [k for k, rx in BARRIER_CUES.items() if re.search(rx, low)]
        if found:
            kinds.update(found)
            barriers.append(Facet("barrier", p, found[0]))
            if re.search(NEED_WORDS, low):
                interests.append(Facet("interest", p, "need"))
            continue
        m = re.search(DISLIKE_CUES, low)
        if m:
            after, before = _clean(low[m.end() :]), _clean(low[: m.start()])
            obj = after if _words(after) else before
            if obj:
                dislikes.append(Facet("dislike", obj, m.group(0).strip()))
            continue
        advice = _ADVICE_RX.search(low)
        if advice and _words(p[advice.end() :]) >= 1:
            interests.append(Facet("interest", _clean(p[advice.end() :]), "advice"))
            continue
        if _CONTEXT_RX.search(low) and not _WISH_RX.search(low):
            context.append(Facet("context", p))
            continue
        if _words(p) >= 2:
            interests.append(Facet("interest", p))
    if context and not interests and not barriers:
        # nothing but context ("I'm so lonely since my wife died"): that is what they bring
        interests, context = [Facet("interest", f.text) for f in context], []
    return Facets(
        tuple(interests), tuple(barriers), tuple(dislikes), frozenset(kinds), tuple(context)
    )
