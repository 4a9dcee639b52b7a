"""``rxmatch evaluate`` (cli_evaluate) on the real synthetic data, a few referrals."""

import argparse
import io
import json
import warnings

import pandas as pd
import pytest

import rxmatch
from rxmatch.cli import main
from rxmatch.evaluation import cli as eval_cli
from rxmatch.evaluation import evaluate, metric_names


def _synthetic_or_skip():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = rxmatch.datasets.load_synthetic_directory()
        return (
            d,
            rxmatch.datasets.load_synthetic_referrals("test"),
            rxmatch.datasets.load_synthetic_qrels(),
        )
    except rxmatch.DatasetNotFoundError:
        pytest.skip("the synthetic evaluation set is not bundled in this checkout")


@pytest.fixture(scope="module")
def small_synthetic():
    """The real synthetic directory, 6 test referrals, and the fast hashing embedder (the
    real model would spend minutes embedding 2,400 descriptions in a unit test)."""
    d, refs, qrels = _synthetic_or_skip()
    refs = refs.groupby("region", sort=True).head(2).reset_index(drop=True)
    return d, refs, qrels


@pytest.fixture(scope="module")
def hashing_shared(small_synthetic):
    return rxmatch.evaluation.SharedIndex.from_directory(
        small_synthetic[0], rxmatch.HashingEmbedder()
    )


def test_real_pipeline_on_real_synthetic_data(small_synthetic, hashing_shared):
    d, refs, qrels = small_synthetic
    res = evaluate(None, None, refs, qrels, k=10, bootstrap=100, shared=hashing_shared)
    s = res.summary()
    assert len(s) == 8 * len(metric_names(10))
    assert set(res.groups["region"]) == set(refs["region"])
    # every recommended resource lies within the person's radius, is an outreach service
    # whose own service radius covers the person, or is reached online
    frame = d.frame.set_index("id")
    for name, lists in res.rankings.items():
        for ref in rxmatch.evaluation.referrals_from_frame(refs):
            ranking = lists[ref.referral_id]
            for rid, dist in zip(ranking.ids, ranking.distance_km):
                if dist is None:
                    assert frame.loc[rid, "online"], (name, rid)
                elif dist > ref.radius_km + 1e-9:
                    assert dist <= frame.loc[rid, "service_radius_km"] + 1e-9, (name, rid)
    ndcg = s[s.metric == "ndcg@10"].set_index("system")["mean"]
    assert ndcg.between(0, 1).all()


def test_cli_json_and_csv(small_synthetic, hashing_shared, monkeypatch, tmp_path):
    d, refs, qrels = small_synthetic
    monkeypatch.setattr(eval_cli, "_load", lambda dataset, split: (d, refs, qrels))
    seen: list[dict] = []

    def fake_cached_index(directory, embedder=None, **kwargs):
        seen.append(kwargs)
        return hashing_shared

    monkeypatch.setattr(eval_cli, "cached_index", fake_cached_index)
    out = io.StringIO()
    csv = tmp_path / "table.csv"
    args = argparse.Namespace(
        dataset="synthetic",
        split="test",
        k=5,
        systems="nearest,rxmatch",
        bootstrap=50,
        seed=0,
        json=True,
        csv=str(csv),
    )
    assert eval_cli.cli_evaluate(args, out=out) == 0
    # synthetic words are English and Spanish: the shared index is built without E5
    assert seen == [{"e5": None}]
    obj = json.loads(out.getvalue())
    assert set(obj) == {"nearest", "rxmatch"}
    assert set(obj["rxmatch"]) == set(metric_names(5))
    assert set(obj["rxmatch"]["ndcg@5"]) == {"mean", "ci_low", "ci_high"}
    table = pd.read_csv(csv)
    assert list(table.columns) == ["system", "metric", "mean", "ci_low", "ci_high"]
    assert len(table) == 2 * len(metric_names(5))

    out = io.StringIO()
    args.json, args.csv = False, None
    eval_cli.cli_evaluate(args, out=out)
    text = out.getvalue()
    assert "ndcg@5" in text and "rxmatch" in text and "[" in text


def test_unknown_dataset_is_a_clear_error(capsys):
    assert main(["evaluate", "--dataset", "san_mateo", "--split", "test"]) == 2
    assert "unknown evaluation dataset 'san_mateo'" in capsys.readouterr().err
