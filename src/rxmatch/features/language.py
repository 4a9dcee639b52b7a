"""Which language a person's words are in, offline, so that a non-English answer is
matched through the multilingual encoder without anyone choosing it.

The identifier is ``py3langid`` (a maintained fork of langid.py: a naive Bayes model over
byte n-grams for 97 languages, shipped inside the wheel as a numpy archive, no pickle, no
network). It loads on first use (about 2 s) under a lock and is shared by every thread.
Nothing about the text is kept: no cache of the words, no log.
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = ["detect_language", "is_english", "answer_language", "MIN_CONFIDENCE"]

#: below this probability (or for very short texts) an answer is treated as English, the
#: language of the default encoder and of most directories
MIN_CONFIDENCE = 0.75

_MIN_LETTERS = 12
_LETTERS = re.compile(r"\w", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")

_lock = threading.Lock()
_identifier: Any = None


def _get() -> Any:
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                try:
                    import py3langid.langid  # noqa: F401
                except ImportError as exc:  # pragma: no cover - a core dependency
                    from ..exceptions import ModelUnavailableError

                    raise ModelUnavailableError(
                        "language detection needs the py3langid package (pip install py3langid)"
                    ) from exc
                from .warm import language_identifier

                # from rxmatch's cache of the decompressed model when there is one
                _identifier = language_identifier()
    return _identifier


def detect_language(text: str) -> tuple[str, float]:
    """``(ISO 639-1 code, probability)`` of the text's language. Text with a few
    characters of a CJK script is at least that script's language, however short."""
    text = str(text or "")
    if len(_LETTERS.findall(text)) < _MIN_LETTERS and not _CJK.search(text):
        return "en", 0.0
    lang, prob = _get().classify(text)
    letters = len(_LETTERS.findall(text))
    if lang != "en" and len(_CJK.findall(text)) > 0.3 * max(1, letters):
        prob = max(float(prob), 1.0 - 1e-6)  # a CJK script is not English, however mixed
    return str(lang), float(prob)


def is_english(text: str, min_confidence: float = MIN_CONFIDENCE) -> bool:
    """True unless the text is confidently in another language (short or uncertain
    answers count as English)."""
    return answer_language(text, min_confidence) == "en"


def answer_language(text: str, min_confidence: float = MIN_CONFIDENCE) -> str:
    """The answer's language code, ``"en"`` for English, short or uncertain answers."""
    lang, prob = detect_language(text)
    return "en" if lang == "en" or prob < min_confidence else lang
