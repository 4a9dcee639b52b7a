"""SECURITY.md promises that had no named test: the network is opt-in, and an encoder's
error that holds the person's words never escapes with them."""

import pytest

import rxmatch
from rxmatch.features.geo import geocode_address
from rxmatch.features.text import SentenceTransformerEmbedder

SECRET = "my neighbour Maria at 12 Elm Street"


def test_geocoding_needs_an_explicit_geocoder():
    with pytest.raises(rxmatch.GeocodingError, match="opt-in"):
        geocode_address(SECRET, geocoder=None)
    seen = []

    def fake(address):  # the caller's own geocoder is the only way out
        seen.append(address)
        return type("Loc", (), {"latitude": 37.5, "longitude": -122.3})()

    assert geocode_address("1 Main St", geocoder=fake) == (37.5, -122.3)
    assert seen == ["1 Main St"]


def test_model_downloads_are_opt_in():
    assert SentenceTransformerEmbedder().allow_download is False
    assert SentenceTransformerEmbedder("some/hub-model").allow_download is False


class _LeakyEmbedder(rxmatch.HashingEmbedder):
    """An encoder whose error message carries the text it was given (as a tokenizer's
    UnicodeEncodeError does)."""

    armed = False

    def encode(self, texts, **kw):
        if self.armed:  # the person's words, once the directory is embedded
            raise UnicodeEncodeError("utf-8", " ".join(texts), 0, 1, "surrogates not allowed")
        return super().encode(texts, **kw)


def test_encoder_errors_never_carry_the_words():
    emb = _LeakyEmbedder()
    m = rxmatch.Matcher(emb).fit(rxmatch.datasets.load_demo_directory())
    emb.armed = True
    ref = rxmatch.Referral(f"I'd like to visit {SECRET}", postal_code="94401")
    with pytest.raises(rxmatch.ReferralError) as info:
        m.recommend(ref)
    err = info.value
    assert "Maria" not in str(err) and all("Maria" not in str(a) for a in err.args)
    assert err.__cause__ is None and err.__suppress_context__
