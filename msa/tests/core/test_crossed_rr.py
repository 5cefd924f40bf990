"""Crossed gauge R&R against published results (AIAG MSA 4th ed.; Minitab's example).

Expected numbers are the published ones, at the published digits; tolerances are half a
unit of the last printed digit (plus rounding of the printed inputs where noted).
"""

from __future__ import annotations

import pytest

from msa.tests.core.reference_data import aiag_rows
from spc.core.errors import InputError
from spc.core.msa.anova_rr import anova_gauge_rr
from spc.core.msa.average_range import average_range
from spc.core.msa.design import crossed_design


@pytest.fixture
def aiag():
    return crossed_design(aiag_rows())


def test_aiag_study_by_the_average_and_range_method_matches_the_manual(aiag):
    # AIAG MSA 4th ed., GRR report for the 10 × 3 × 3 study (ch. III-B, average and range):
    # R̄̄ = 0.3417, X̄diff = 0.4447, Rp = 3.511, EV = 0.20188, AV = 0.22963,
    # GRR = 0.30575, PV = 1.10456, TV = 1.14610, %EV 17.6, %AV 20.04, %GRR 26.68,
    # %PV 96.38, ndc = 5.
    result = average_range(aiag)
    assert result.r_double_bar == pytest.approx(0.3417, abs=5e-5)
    assert result.x_diff == pytest.approx(0.4447, abs=5e-5)
    assert result.r_p == pytest.approx(3.511, abs=5e-4)
    assert result.ev == pytest.approx(0.20188, abs=5e-5)
    assert result.av == pytest.approx(0.22963, abs=5e-5)
    assert result.grr == pytest.approx(0.30575, abs=5e-5)
    assert result.pv == pytest.approx(1.10456, abs=5e-5)
    assert result.tv == pytest.approx(1.14610, abs=5e-5)
    assert result.pct_ev == pytest.approx(17.6, abs=0.05)
    assert result.pct_av == pytest.approx(20.04, abs=0.005)
    assert result.pct_grr == pytest.approx(26.68, abs=0.005)
    assert result.pct_pv == pytest.approx(96.38, abs=0.005)
    assert result.ndc == 5
    # By hand: B's readings of part 4 (0.01, 1.03, 0.20) have range 1.02 > UCL_R =
    # D4 · R̄̄ = 2.58 · 0.3417 = 0.882, the one cell the manual's range chart flags.
    assert result.ucl_r == pytest.approx(0.882, abs=5e-4)
    assert result.out_of_control_ranges == ((4, "B"),)


def test_aiag_study_by_anova_matches_minitabs_full_table(aiag):
    # Minitab, "Example of Crossed Gage R&R Study" (GAGEAIAG.MTW), two-way ANOVA table
    # with interaction: Part 9 / 88.3619 / 9.81799 / F 492.291; Operator 2 / 3.1673 /
    # 1.58363 / F 79.406; Part*Operator 18 / 0.3590 / 0.01994 / F 0.434 / P 0.974;
    # Repeatability 60 / 2.7589 / 0.04598; Total 89 / 94.6471.
    result = anova_gauge_rr(aiag)
    part = result.row("Part", full=True)
    op = result.row("Operator", full=True)
    inter = result.row("Part × Operator", full=True)
    rep = result.row("Repeatability", full=True)
    total = result.row("Total", full=True)
    assert (part.df, op.df, inter.df, rep.df, total.df) == (9, 2, 18, 60, 89)
    assert part.ss == pytest.approx(88.3619, abs=5e-5)
    assert op.ss == pytest.approx(3.1673, abs=5e-5)
    assert inter.ss == pytest.approx(0.3590, abs=5e-5)
    assert rep.ss == pytest.approx(2.7589, abs=5e-5)
    assert total.ss == pytest.approx(94.6471, abs=5e-5)
    assert part.ms == pytest.approx(9.81799, abs=5e-6)
    assert op.ms == pytest.approx(1.58363, abs=5e-6)
    assert inter.ms == pytest.approx(0.01994, abs=5e-6)
    assert rep.ms == pytest.approx(0.04598, abs=5e-6)
    assert part.f == pytest.approx(492.291, abs=5e-4)
    assert op.f == pytest.approx(79.406, abs=5e-4)
    assert inter.f == pytest.approx(0.434, abs=5e-4)
    assert inter.p == pytest.approx(0.974, abs=5e-4)


def test_aiag_study_pools_the_interaction_and_matches_minitabs_rr_table(aiag):
    # Same Minitab example: p = 0.974 ≥ 0.05, so the interaction is removed: Repeatability
    # 78 / 3.1179 / 0.03997. VarComp: Total Gage R&R 0.09143 (7.76 %), Repeatability
    # 0.03997 (3.39 %), Reproducibility 0.05146 (4.37 %), Part-To-Part 1.08645 (92.24 %),
    # Total 1.17788. %Study Var (6·SD): 27.86, 18.42, 20.90, 96.04; ndc = 4.
    # Tolerance 8 (the example's "Upper spec − Lower spec = 8"): Total Gage R&R study var
    # 1.81423 → %Tolerance 22.68.
    result = anova_gauge_rr(aiag, tolerance=8.0)
    assert result.interaction_pooled
    rep = result.row("Repeatability")
    assert (rep.df, round(rep.ss, 4), round(rep.ms or 0, 5)) == (78, 3.1179, 0.03997)
    table = result.components
    grr = table.row("Total Gage R&R")
    assert grr.variance == pytest.approx(0.09143, abs=5e-6)
    assert table.row("Repeatability").variance == pytest.approx(0.03997, abs=5e-6)
    assert table.row("Reproducibility").variance == pytest.approx(0.05146, abs=5e-6)
    assert table.row("Part-to-Part").variance == pytest.approx(1.08645, abs=5e-5)
    assert table.row("Total Variation").variance == pytest.approx(1.17788, abs=5e-5)
    assert grr.pct_contribution == pytest.approx(7.76, abs=0.005)
    assert table.row("Repeatability").pct_contribution == pytest.approx(3.39, abs=0.005)
    assert table.row("Reproducibility").pct_contribution == pytest.approx(4.37, abs=0.005)
    assert table.row("Part-to-Part").pct_contribution == pytest.approx(92.24, abs=0.005)
    assert grr.pct_study_var == pytest.approx(27.86, abs=0.005)
    assert table.row("Repeatability").pct_study_var == pytest.approx(18.42, abs=0.005)
    assert table.row("Reproducibility").pct_study_var == pytest.approx(20.90, abs=0.005)
    assert table.row("Part-to-Part").pct_study_var == pytest.approx(96.04, abs=0.005)
    assert grr.study_var == pytest.approx(1.81423, abs=5e-5)
    assert grr.pct_tolerance == pytest.approx(22.68, abs=0.005)
    # The same output's %Tolerance column: Reproducibility 17.01, Part-To-Part 78.17,
    # Total Variation 81.40; and the reduced ANOVA table: F Part 245.614, F Operator 39.617.
    assert table.row("Reproducibility").pct_tolerance == pytest.approx(17.01, abs=0.005)
    assert table.row("Part-to-Part").pct_tolerance == pytest.approx(78.17, abs=0.005)
    assert table.row("Total Variation").pct_tolerance == pytest.approx(81.40, abs=0.005)
    assert result.row("Part").f == pytest.approx(245.614, abs=5e-4)
    assert result.row("Operator").f == pytest.approx(39.617, abs=5e-4)
    assert table.ndc == 4


def test_the_515_sigma_option_scales_study_var_but_not_the_percentages(aiag):
    six = anova_gauge_rr(aiag).components.row("Total Gage R&R")
    aiag3 = anova_gauge_rr(aiag, multiplier=5.15).components.row("Total Gage R&R")
    assert aiag3.study_var == pytest.approx(six.study_var * 5.15 / 6)
    assert aiag3.pct_study_var == pytest.approx(six.pct_study_var)


def test_alpha_to_remove_above_the_interaction_p_keeps_the_interaction(aiag):
    result = anova_gauge_rr(aiag, alpha_to_remove=0.99)
    assert not result.interaction_pooled
    # σ²_PO = (MS_PO − MS_E)/r is negative here (0.01994 < 0.04598) and is set to 0.
    assert result.components.row("Operator × Part").variance == 0.0


def test_process_sigma_gives_percent_process(aiag):
    grr = anova_gauge_rr(aiag, process_sigma=1.0).components.row("Total Gage R&R")
    assert grr.pct_process == pytest.approx(100 * grr.std_dev)


def test_a_missing_cell_is_refused_naming_it():
    rows = [r for r in aiag_rows() if not (r[0] == 3 and r[1] == "B")]
    with pytest.raises(InputError, match="part 3 × operator B") as err:
        crossed_design(rows)
    assert err.value.field == "measurements"


def test_unequal_trials_are_refused():
    rows = aiag_rows()
    rows.remove((1, "A", 0.29))
    with pytest.raises(InputError, match="part 1 × operator A"):
        crossed_design(rows)


def test_a_single_operator_is_refused():
    rows = [r for r in aiag_rows() if r[1] == "A"]
    with pytest.raises(InputError) as err:
        crossed_design(rows)
    assert err.value.field == "operators"


def test_zero_part_to_part_variation_is_refused():
    rows = [(part, op, 1.0 + 0.01 * trial) for part in (1, 2, 3) for op in "AB" for trial in (0, 1)]
    with pytest.raises(InputError, match="part-to-part"):
        anova_gauge_rr(crossed_design(rows))


def test_a_non_finite_measurement_is_refused():
    with pytest.raises(InputError, match="finite"):
        crossed_design([(1, "A", float("nan"))])


def test_second_oracle_sixsigma_ss_rr_example():
    # SixSigma::ss.rr(time1, prototype, operator, data = ss.data.rr, alphaLim = 0.05,
    # errorTerm = "interaction", lsl = 0.7, usl = 1.8), printed in the package's reference
    # page (docs/reference/ss.rr.html). Full model: prototype F 28.797 p 0.00422, operator
    # F 1.270 p 0.37415, interaction F 0.974 p 0.44619 → removed. Reduced model:
    # Repeatability 22 / 0.4688 / 0.0213, prototype F 28.174, operator F 1.242 p 0.308.
    # VarComp: GRR 0.0218822671, Repeatability 0.0213087542, Reproducibility 0.0005735129,
    # Part-To-Part 0.0643389450, Total 0.0862212121; %Contrib 25.38 / 24.71 / 0.67 / 74.62;
    # StdDev GRR 0.14792656, StudyVar 0.8875594; %StudyVar 50.38 / 49.71 / 8.16 / 86.38;
    # %Tolerance 80.69 / 79.62 / 13.06 / 138.36 / 160.16; ndc 2.
    from msa.tests.core.reference_data import SS_DATA_RR_TIME1

    result = anova_gauge_rr(crossed_design(SS_DATA_RR_TIME1), tolerance=1.8 - 0.7)
    full_part = result.row("Part", full=True)
    full_op = result.row("Operator", full=True)
    inter = result.row("Part × Operator", full=True)
    assert (full_part.f, full_part.p) == pytest.approx((28.797, 0.00422), abs=5e-4)
    assert (full_op.f, full_op.p) == pytest.approx((1.270, 0.37415), abs=5e-4)
    assert (inter.f, inter.p) == pytest.approx((0.974, 0.44619), abs=5e-4)
    assert result.interaction_pooled
    rep = result.row("Repeatability")
    assert rep.df == 22
    assert rep.ss == pytest.approx(0.4688, abs=5e-5)
    assert result.row("Part").f == pytest.approx(28.174, abs=5e-4)
    assert result.row("Operator").f == pytest.approx(1.242, abs=5e-4)
    assert result.row("Operator").p == pytest.approx(0.308, abs=5e-4)
    table = result.components
    expected = {
        "Total Gage R&R": (0.0218822671, 25.38, 50.38, 80.69),
        "Repeatability": (0.0213087542, 24.71, 49.71, 79.62),
        "Reproducibility": (0.0005735129, 0.67, 8.16, 13.06),
        "Part-to-Part": (0.0643389450, 74.62, 86.38, 138.36),
        "Total Variation": (0.0862212121, 100.00, 100.00, 160.16),
    }
    for source, (var, contrib, study, tol) in expected.items():
        row = table.row(source)
        assert row.variance == pytest.approx(var, abs=5e-11), source
        assert row.pct_contribution == pytest.approx(contrib, abs=0.005), source
        assert row.pct_study_var == pytest.approx(study, abs=0.005), source
        assert row.pct_tolerance == pytest.approx(tol, abs=0.005), source
    grr = table.row("Total Gage R&R")
    assert grr.std_dev == pytest.approx(0.14792656, abs=5e-9)
    assert grr.study_var == pytest.approx(0.8875594, abs=5e-8)
    assert table.ndc == 2
