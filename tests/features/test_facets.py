import pytest

from rxmatch.features.facets import split_facets


def test_interests_and_barriers_are_split():
    f = split_facets(
        "I used to paint, I'd like to get outdoors more, but my knees are bad and I have no car"
    )
    assert [x.text for x in f.interests] == ["I used to paint", "I'd like to get outdoors more"]
    assert f.barrier_kinds == {"mobility", "no_car"}
    assert not f.dislikes


@pytest.mark.parametrize(
    "text,kind",
    [
        ("I need to bring my daughter along", "child"),
        ("money is tight at the moment", "money"),
        ("I work nights at the hospital", "night_shift"),
        ("big crowds make me anxious", "crowds"),
        ("I'm in a wheelchair", "mobility"),
        ("no tengo carro", "no_car"),
        ("me duelen las rodillas", "mobility"),
    ],
)
def test_barrier_cues(text, kind):
    assert kind in split_facets(text).barrier_kinds


def test_dislikes_keep_their_object():
    f = split_facets("the doctor says I need to move more but gyms aren't me, nothing too physical")
    assert {d.text for d in f.dislikes} == {"gyms", "physical"}
    assert [x.text for x in f.interests] == ["move more"]  # the advice, not the adviser
    assert f.interests[0].cue == "advice"


def test_need_in_a_barrier_clause_is_also_an_interest():
    f = split_facets("casi no tengo dinero para la comida este mes")
    assert "money" in f.barrier_kinds
    assert f.interests and f.interests[0].cue == "need"


def test_plain_answer_is_one_interest():
    f = split_facets("since my wife passed I don't really talk to anyone")
    assert len(f.interests) == 1 and not f.barriers and not f.dislikes


def test_time_constraints_are_not_interests():
    f = split_facets("I work nine to five. My neighbors keep going on about pickleball")
    assert "time" in f.barrier_kinds
    assert [x.text for x in f.interests] == ["My neighbors keep going on about pickleball"]
    g = split_facets("I am only free on weekends, I love choir")
    assert g.barrier_kinds == {"time"}  # "free on weekends" is about time, not money
    assert "money" in split_facets("something free would be good").barrier_kinds


def test_context_sentences_are_not_wishes():
    """Grief, a diagnosis or an operation is the person's situation, not what they want."""
    f = split_facets(
        "Since my hip operation I mostly stay in. The physio says I should walk more, "
        "and I used to love birdwatching."
    )
    assert [x.text for x in f.interests] == ["walk more", "I used to love birdwatching"]
    assert [x.text for x in f.context] == ["Since my hip operation I mostly stay in"]
    f = split_facets("My husband died last year. I cannot stop crying. I'd like a craft group.")
    assert [x.text for x in f.interests] == ["I'd like a craft group"]
    assert {x.text for x in f.context} == {"My husband died last year", "I cannot stop crying"}
    assert all("died" not in d for d in f.describe() if d.startswith("interest"))


def test_only_context_is_kept_as_what_they_bring():
    f = split_facets("I'm so lonely since my wife died.")
    assert f.interests and not f.context


def test_spanish_context():
    f = split_facets("Mi esposo falleció el año pasado. Me gustaría aprender a pintar.")
    assert [x.text for x in f.interests] == ["Me gustaría aprender a pintar"]
    assert len(f.context) == 1
