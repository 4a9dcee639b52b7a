from collections import Counter

from rxmatch import CATEGORY_KEYS
from rxmatch.datasets import DEMO_PEOPLE, load_demo_directory


def test_demo_directory_is_complete():
    d = load_demo_directory()
    assert len(d) >= 60
    assert d.report.n_skipped == 0
    f = d.frame
    counts = Counter(f["category"])
    assert set(CATEGORY_KEYS) <= set(counts)
    assert f["online"].sum() >= 3
    assert (f["location_source"] == "postal_code").any()
    assert len(DEMO_PEOPLE) == 3
