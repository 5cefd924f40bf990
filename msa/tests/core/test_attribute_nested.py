"""Attribute agreement, kappas and the nested study, against published or hand values."""

from __future__ import annotations

import pytest

from spc.core.errors import InputError
from spc.core.msa.attribute import attribute_agreement
from spc.core.msa.design import nested_design
from spc.core.msa.kappa import clopper_pearson, cohen_kappa, fleiss_kappa
from spc.core.msa.nested_rr import nested_gauge_rr
from spc.core.msa.verdict import Thresholds, Verdict, judge

#: Fleiss (1971)'s worked example as reproduced in Wikipedia "Fleiss' kappa": 10 subjects,
#: 14 raters, 5 categories; published P̄ = 0.378, P̄e = 0.213, κ = 0.210.
FLEISS_COUNTS = [
    (0, 0, 0, 0, 14),
    (0, 2, 6, 4, 2),
    (0, 0, 3, 5, 6),
    (0, 3, 9, 2, 0),
    (2, 2, 8, 1, 1),
    (7, 7, 0, 0, 0),
    (3, 2, 6, 3, 0),
    (2, 5, 3, 2, 2),
    (6, 5, 2, 1, 0),
    (0, 2, 2, 3, 7),
]


def test_fleiss_kappa_matches_the_published_example():
    subjects = [[c for c, k in enumerate(row) for _ in range(k)] for row in FLEISS_COUNTS]
    assert fleiss_kappa(subjects) == pytest.approx(0.210, abs=5e-4)


def test_cohen_kappa_matches_the_published_example():
    # Wikipedia "Cohen's kappa": 50 proposals, Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15:
    # p_o = 0.7, p_e = 0.5, κ = 0.4.
    a = ["Y"] * 25 + ["N"] * 25
    b = ["Y"] * 20 + ["N"] * 5 + ["Y"] * 10 + ["N"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_clopper_pearson_matches_tables():
    # Exact binomial 95 % limits: 5 of 10 → (0.1871, 0.8129) (Clopper & Pearson tables);
    # 0 of 10 → upper 1 − 0.025^(1/10) = 0.3085.
    assert clopper_pearson(5, 10) == pytest.approx((0.1871, 0.8129), abs=5e-5)
    assert clopper_pearson(0, 10) == pytest.approx((0.0, 0.3085), abs=5e-5)
    assert clopper_pearson(10, 10)[1] == 1.0


def test_kappa_with_one_category_only_is_none_not_nan():
    assert cohen_kappa(["G", "G"], ["G", "G"]) is None
    assert fleiss_kappa([["G", "G"], ["G", "G"]]) is None


def _study():
    # 4 parts, 2 appraisers, 2 trials, standard G G B B. By hand: A agrees with itself on
    # parts 1, 2, 4 (3 of 4) and matches the standard on 1 and 4 (2 of 4); B agrees with
    # itself on all 4 and matches the standard on 1, 2, 3 (3 of 4); every rating agrees on
    # part 1 only; every rating matches the standard on part 1 only.
    ratings = {
        "A": {1: ["G", "G"], 2: ["B", "B"], 3: ["G", "B"], 4: ["B", "B"]},
        "B": {1: ["G", "G"], 2: ["G", "G"], 3: ["B", "B"], 4: ["G", "G"]},
    }
    return ratings, {1: "G", 2: "G", 3: "B", 4: "B"}


def test_attribute_agreement_counts():
    ratings, standard = _study()
    r = attribute_agreement(ratings, standard)
    assert [(a.label, a.matched, a.inspected) for a in r.within] == [("A", 3, 4), ("B", 4, 4)]
    assert [(a.label, a.matched) for a in r.vs_standard] == [("A", 2), ("B", 3)]
    assert (r.between.matched, r.all_vs_standard.matched) == (1, 1)
    assert r.within[0].percent == 75.0
    low, high = clopper_pearson(3, 4)
    assert (r.within[0].ci_low, r.within[0].ci_high) == pytest.approx((100 * low, 100 * high))
    # B vs standard, trials paired with the standard: 8 pairs, 6 agree; B says G 6 times,
    # the standard G 4 times → p_o = 0.75, p_e = (6·4 + 2·4)/64 = 0.5, κ = 0.5.
    assert r.vs_standard[1].kappa == pytest.approx(0.5)


def test_attribute_study_with_a_missing_trial_is_refused():
    ratings, standard = _study()
    ratings["B"][3] = ["B"]
    with pytest.raises(InputError, match="Missing trial"):
        attribute_agreement(ratings, standard)


def test_nested_study_by_hand():
    # Operators A (parts 1, 2) and B (parts 3, 4), 2 trials. By hand: SS_O = 18,
    # SS_P(O) = 52, SS_E = 8 (df 1, 2, 4; MS 18, 26, 2); σ²_E = 2, σ²_O = (18 − 26)/4 < 0
    # → 0, σ²_P = (26 − 2)/2 = 12; %Contribution GRR = 2/14 = 14.29 %,
    # %Study var = √(2/14) = 37.80 %, ndc = ⌊√2 · √12/√2⌋ = 3.
    rows = [
        (1, "A", 1.0), (1, "A", 3.0), (2, "A", 5.0), (2, "A", 7.0),
        (3, "B", 3.0), (3, "B", 5.0), (4, "B", 9.0), (4, "B", 11.0),
    ]  # fmt: skip
    r = nested_gauge_rr(nested_design(rows))
    assert [(row.df, row.ss) for row in r.table[:3]] == [(1, 18.0), (2, 52.0), (4, 8.0)]
    grr = r.components.row("Total Gage R&R")
    assert grr.variance == pytest.approx(2.0)
    assert r.components.row("Reproducibility").variance == 0.0
    assert r.components.row("Part-to-Part").variance == pytest.approx(12.0)
    assert grr.pct_contribution == pytest.approx(14.29, abs=0.005)
    assert grr.pct_study_var == pytest.approx(37.80, abs=0.005)
    assert r.components.ndc == 3


def test_nested_study_refuses_a_part_shared_by_two_operators():
    with pytest.raises(InputError, match="nested"):
        nested_design([(1, "A", 1.0), (1, "B", 1.0)])


@pytest.mark.parametrize(
    ("pct", "ndc", "verdict"),
    [
        (9.9, 6, Verdict.ACCEPTABLE),
        (9.9, 4, Verdict.CONDITIONAL),
        (10.0, 5, Verdict.CONDITIONAL),
        (30.0, 5, Verdict.CONDITIONAL),
        (30.1, 9, Verdict.UNACCEPTABLE),
        (5.0, None, Verdict.ACCEPTABLE),
    ],
)
def test_aiag_verdict(pct, ndc, verdict):
    assert judge(pct, ndc).verdict is verdict


def test_plant_thresholds_change_the_verdict():
    strict = Thresholds(acceptable_below=5, unacceptable_above=20, min_ndc=6)
    assert judge(8.0, 7, strict).verdict is Verdict.CONDITIONAL
    assert judge(21.0, 7, strict).verdict is Verdict.UNACCEPTABLE
