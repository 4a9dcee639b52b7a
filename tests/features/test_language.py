"""Offline language detection routes non-English answers to the multilingual encoder."""

import pytest

from rxmatch.features.language import detect_language, is_english


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Me gustaría aprender a pintar y conocer gente de mi edad", "es"),
        ("我想参加合唱团，认识新朋友", "zh"),
        ("Tôi muốn tìm một nhóm đi bộ buổi sáng gần nhà", "vi"),
        ("Gusto kong sumali sa isang grupo ng mga nakatatanda", "tl"),
    ],
)
def test_non_english(text, lang):
    got, prob = detect_language(text)
    assert got == lang and prob > 0.75
    assert not is_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "I used to paint before my stroke and I miss having something creative to do",
        "knitting",  # too short to tell: treated as English
        "gardening club please",
        "",
    ],
)
def test_english_or_too_short(text):
    assert is_english(text)
