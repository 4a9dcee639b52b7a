"""tune_weights: refuses the test split, and finds the configurations' real nDCG."""

import pandas as pd
import pytest

from rxmatch.evaluation import TestSplitError, evaluate, tune_weights


def test_refuses_test_rows(tiny_shared, tiny_referrals, tiny_qrels):
    with pytest.raises(TestSplitError, match="refuses test-split"):
        tune_weights(None, tiny_referrals.assign(split="test"), tiny_qrels, shared=tiny_shared)
    with pytest.raises(TestSplitError, match="split"):
        tune_weights(None, tiny_referrals.drop(columns="split"), tiny_qrels, shared=tiny_shared)


def test_grid_table(tiny_shared, tiny_referrals, tiny_qrels):
    grid = {"semantic": (0.2, 0.68), "distance": (0.03, 0.2), "diversity": (0.0, 0.15)}
    table = tune_weights(None, tiny_referrals, tiny_qrels, grid=grid, k=3, shared=tiny_shared)
    assert len(table) == 8
    assert {
        "semantic",
        "lexical",
        "distance",
        "diversity",
        "ndcg@3",
        "ndcg@3_train",
        "ndcg@3_dev",
        "is_default",
    } <= set(table.columns)
    assert table["ndcg@3"].is_monotonic_decreasing
    assert table["is_default"].sum() == 1
    # the default configuration's score equals what evaluate measures for rxmatch
    default = table[table["is_default"]]["ndcg@3"].item()
    res = evaluate(
        ["rxmatch"], None, tiny_referrals, tiny_qrels, k=3, bootstrap=0, shared=tiny_shared
    )
    assert default == pytest.approx(res.summary(metrics=["ndcg@3"])["mean"].item())
    with pytest.raises(ValueError, match="unknown grid key"):
        tune_weights(None, tiny_referrals, tiny_qrels, grid={"speed": (1,)}, shared=tiny_shared)
    assert isinstance(table, pd.DataFrame)
