"""Shared helpers of the reliability tests: a fast (HashingEmbedder) matcher on the demo
directory, and the demo directory as plain records."""

from __future__ import annotations

from datetime import date

import pytest

import rxmatch

#: Home of the test people: downtown San Mateo, CA (the demo directory's area).
HOME = {"lat": 37.5630, "lon": -122.3255}


@pytest.fixture(scope="session")
def hashing_matcher(demo_directory):
    """The demo directory fitted with the dependency-free HashingEmbedder (fast)."""
    return rxmatch.Matcher(rxmatch.HashingEmbedder(), reference_date=date(2026, 1, 1)).fit(
        demo_directory
    )


@pytest.fixture(scope="session")
def demo_records(demo_directory):
    """The demo directory in the input schema, as a list of dicts."""
    return demo_directory.to_frame().to_dict("records")
