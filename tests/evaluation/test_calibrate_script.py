"""datasets/real/calibrate.py: the Platt fit and reliability figures behind
``rxmatch.rank.scoring.CONFIDENCE_CALIBRATION``, and its refusal of the test split."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from rxmatch.rank.scoring import ConfidenceCalibration, confidence

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "real" / "calibrate.py"


@pytest.fixture(scope="module")
def calibrate():
    spec = importlib.util.spec_from_file_location("calibrate_script", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def draws(a: float, b: float, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.0, 0.6, n)
    y = (rng.uniform(size=n) < confidence(s, (a, b))).astype(float)
    return s, y


def test_platt_fit_recovers_the_sigmoid_it_was_drawn_from(calibrate):
    s, y = draws(8.0, -3.0, 40_000)
    cal = calibrate.fit(s, y)
    assert cal.score == pytest.approx(8.0, abs=0.4) and cal.intercept == pytest.approx(
        -3.0, abs=0.15
    )
    assert cal.log_rank == 0.0


def test_the_rank_fit_recovers_the_log_rank_it_was_drawn_from(calibrate):
    rng = np.random.default_rng(3)
    s = rng.uniform(0.0, 0.6, 40_000)
    rank = rng.integers(1, 11, len(s)).astype(float)
    truth = ConfidenceCalibration(7.0, -2.5, -0.5)
    y = (rng.uniform(size=len(s)) < confidence(s, truth, rank)).astype(float)
    cal = calibrate.fit(s, y, rank)
    assert cal.score == pytest.approx(7.0, abs=0.5) and cal.intercept == pytest.approx(
        -2.5, abs=0.2
    )
    assert cal.log_rank == pytest.approx(-0.5, abs=0.08)
    # out of fold, the rank fit is the better-calibrated one on such draws
    groups = np.repeat(np.arange(20).astype(str), 2_000)
    with_rank = calibrate.out_of_fold(s, y, groups, ranks=rank)
    score_only = calibrate.out_of_fold(s, y, groups)
    assert (
        calibrate.reliability(with_rank, y)["brier"] < calibrate.reliability(score_only, y)["brier"]
    )
    d, lo, hi = calibrate.paired_brier(with_rank, score_only, y, groups)
    assert lo <= d <= hi < 0


def test_reliability_figures(calibrate):
    p = np.array([0.1, 0.1, 0.9, 0.9])
    y = np.array([0.0, 1.0, 1.0, 1.0])
    r = calibrate.reliability(p, y)
    assert r["n"] == 4
    assert r["brier"] == pytest.approx((0.01 + 0.81 + 0.01 + 0.01) / 4)
    assert r["log_loss"] == pytest.approx(-(np.log(0.9) + np.log(0.1) + 2 * np.log(0.9)) / 4)
    # bin 0.1: predicted 0.1, observed 0.5; bin 0.9: predicted 0.9, observed 1.0
    assert r["ece"] == pytest.approx((0.4 * 2 + 0.1 * 2) / 4)
    # probabilities drawn from the truth are well calibrated, a shifted one is not
    s, y = draws(8.0, -3.0, 40_000, seed=1)
    good = calibrate.reliability(confidence(s, (8.0, -3.0)), y)
    off = calibrate.reliability(confidence(s, (8.0, -2.0)), y)
    assert good["ece"] < 0.02 < off["ece"] and good["brier"] < off["brier"]


def test_out_of_fold_predictions_come_from_the_other_referrals(calibrate):
    s, y = draws(8.0, -3.0, 10_000, seed=2)
    groups = np.repeat(np.arange(10).astype(str), 1_000)
    p = calibrate.out_of_fold(s, y, groups)
    assert p.shape == s.shape and np.all((p > 0) & (p < 1))
    np.testing.assert_allclose(p, confidence(s, (8.0, -3.0)), atol=0.08)
    # a referral whose every pair is good cannot pull its own predictions up (a fit that
    # saw it would)
    y2 = y.copy()
    mine = groups == "0"
    y2[mine] = 1.0
    p2 = calibrate.out_of_fold(s, y2, groups)
    assert np.abs(p2[mine] - p[mine]).max() < 0.02
    seen = confidence(s[mine], calibrate.fit(s, y2))
    assert (seen - p[mine]).mean() > 0.04


@pytest.mark.parametrize("split", ["test", "train"])
def test_the_test_split_is_refused(calibrate, monkeypatch, split):
    monkeypatch.setattr(sys, "argv", ["calibrate.py", "--split", split])
    with pytest.raises(SystemExit, match="refused"):
        calibrate.main()
