"""The public API: a small top level, every error in ``rxmatch.exceptions``, and the names
that used to be top-level still importable (existing code keeps working)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import rxmatch
from rxmatch import exceptions


def test_the_top_level_is_small_and_every_name_resolves() -> None:
    assert len(rxmatch.__all__) <= 16
    assert len(set(rxmatch.__all__)) == len(rxmatch.__all__)
    for name in rxmatch.__all__:
        assert getattr(rxmatch, name) is not None


def test_every_error_and_warning_lives_in_exceptions() -> None:
    for name in exceptions.__all__:
        obj = getattr(exceptions, name)
        assert issubclass(obj, (exceptions.RxMatchError, exceptions.RxMatchWarning)), name
        assert getattr(rxmatch, name) is obj  # still importable from the top level
    raised_elsewhere = []
    for mod in ("directory", "matcher", "referral", "persistence", "rank.scoring"):
        m = importlib.import_module(f"rxmatch.{mod}")
        for name, obj in vars(m).items():
            if (
                isinstance(obj, type)
                and issubclass(obj, Exception)
                and obj.__module__ == m.__name__
                and not name.startswith("_")  # private control flow, never raised out
            ):
                raised_elsewhere.append(f"{mod}.{name}")
    assert not raised_elsewhere, raised_elsewhere


@pytest.mark.parametrize("name", sorted(rxmatch._HOMES))
def test_moved_names_resolve_to_their_home(name: str) -> None:
    home = importlib.import_module(f"rxmatch.{rxmatch._HOMES[name]}")
    assert getattr(rxmatch, name) is getattr(home, name)
    exec(f"from rxmatch import {name}", {})  # the from-import form works too


def test_unknown_names_still_raise() -> None:
    with pytest.raises(AttributeError):
        rxmatch.NoSuchThing  # noqa: B018


def test_importing_rxmatch_stays_light() -> None:
    """``import rxmatch`` loads neither torch, sentence-transformers, onnxruntime nor the
    optional subpackages."""
    code = (
        "import sys, rxmatch; heavy = [m for m in ('torch', 'sentence_transformers', "
        "'onnxruntime', 'rxmatch.evaluation', 'rxmatch.outcomes', "
        "'rxmatch.serve') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_exceptions_all_lists_every_error_class() -> None:
    defined = {
        n
        for n, o in vars(exceptions).items()
        if isinstance(o, type) and issubclass(o, Exception) and o.__module__ == exceptions.__name__
    }
    assert defined == set(exceptions.__all__)
