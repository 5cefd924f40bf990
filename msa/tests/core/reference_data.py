"""Published gauge-study data sets, with their sources (values as printed)."""

from __future__ import annotations

#: AIAG, *Measurement Systems Analysis* reference manual, 4th ed. (2010), the GRR data
#: collection sheet (ch. III-B): 10 parts × appraisers A, B, C × 3 trials. The same data is
#: Minitab's sample worksheet GAGEAIAG.MTW ("Example of Crossed Gage R&R Study").
#: ``AIAG_GRR[appraiser][part - 1] = (trial 1, trial 2, trial 3)``.
AIAG_GRR: dict[str, list[tuple[float, float, float]]] = {
    "A": [
        (0.29, 0.41, 0.64),
        (-0.56, -0.68, -0.58),
        (1.34, 1.17, 1.27),
        (0.47, 0.50, 0.64),
        (-0.80, -0.92, -0.84),
        (0.02, -0.11, -0.21),
        (0.59, 0.75, 0.66),
        (-0.31, -0.20, -0.17),
        (2.26, 1.99, 2.01),
        (-1.36, -1.25, -1.31),
    ],
    "B": [
        (0.08, 0.25, 0.07),
        (-0.47, -1.22, -0.68),
        (1.19, 0.94, 1.34),
        (0.01, 1.03, 0.20),
        (-0.56, -1.20, -1.28),
        (-0.20, 0.22, 0.06),
        (0.47, 0.55, 0.83),
        (-0.63, 0.08, -0.34),
        (1.80, 2.12, 2.19),
        (-1.68, -1.62, -1.50),
    ],
    "C": [
        (0.04, -0.11, -0.15),
        (-1.38, -1.13, -0.96),
        (0.88, 1.09, 0.67),
        (0.14, 0.20, 0.11),
        (-1.46, -1.07, -1.45),
        (-0.29, -0.67, -0.49),
        (0.02, 0.01, 0.21),
        (-0.46, -0.56, -0.49),
        (1.77, 1.45, 1.87),
        (-1.49, -1.77, -2.16),
    ],
}


def aiag_rows() -> list[tuple[int, str, float]]:
    """The AIAG study as ``(part, appraiser, value)`` rows."""
    return [
        (part, appraiser, value)
        for appraiser, parts in AIAG_GRR.items()
        for part, trials in enumerate(parts, start=1)
        for value in trials
    ]


#: Montgomery, *Introduction to Statistical Quality Control*, Example 8.7 / Table 8.7
#: (6th and 7th eds.): 20 parts, each measured twice by one operator; USL = 60, LSL = 5.
#: Published: x̄̄ = 22.3, R̄ = 1.0, σ̂_gauge = R̄/d₂ = 0.887, P/T = 6·0.887/55 = 0.097.
MONTGOMERY_8_7: list[tuple[int, int]] = [
    (21, 20),
    (24, 23),
    (20, 21),
    (27, 27),
    (19, 18),
    (23, 21),
    (22, 21),
    (19, 17),
    (24, 23),
    (25, 23),
    (21, 20),
    (18, 19),
    (23, 25),
    (24, 24),
    (29, 30),
    (26, 26),
    (20, 20),
    (19, 21),
    (25, 26),
    (19, 19),
]

#: AIAG MSA 4th ed., ch. III-B "Guidelines for determining linearity", the worked example
#: (also Minitab's sample worksheet GAGELIN.MTW, "Example of Gage Linearity and Bias
#: Study"): 5 reference parts, 12 measurements each by one appraiser.
AIAG_LINEARITY: dict[float, tuple[float, ...]] = {
    2.0: (2.7, 2.5, 2.4, 2.5, 2.7, 2.3, 2.5, 2.5, 2.4, 2.4, 2.6, 2.4),
    4.0: (5.1, 3.9, 4.2, 5.0, 3.8, 3.9, 3.9, 3.9, 3.9, 4.0, 4.1, 3.8),
    6.0: (5.8, 5.7, 5.9, 5.9, 6.0, 6.1, 6.0, 6.1, 6.4, 6.3, 6.0, 6.1),
    8.0: (7.6, 7.7, 7.8, 7.7, 7.8, 7.8, 7.8, 7.7, 7.8, 7.5, 7.6, 7.7),
    10.0: (9.1, 9.3, 9.5, 9.3, 9.4, 9.5, 9.5, 9.5, 9.6, 9.2, 9.3, 9.4),
}

#: The SixSigma R package's ``ss.data.rr`` (Cano, Moguerza & Redchuk, *Six Sigma with R*,
#: Springer 2012, ch. 5; github.com/emilopezcano/SixSigma, data/ss.data.rr.rda), column
#: ``time1``: 3 prototypes (parts) × 3 operators × 3 runs, rows in the data set's order.
SS_DATA_RR_TIME1: list[tuple[str, str, float]] = [
    ("prot #1", "op #1", 1.27), ("prot #1", "op #1", 0.90), ("prot #1", "op #1", 1.09),
    ("prot #2", "op #1", 1.12), ("prot #2", "op #1", 1.09), ("prot #2", "op #1", 1.15),
    ("prot #3", "op #1", 1.73), ("prot #3", "op #1", 1.28), ("prot #3", "op #1", 1.77),
    ("prot #1", "op #2", 1.34), ("prot #1", "op #2", 1.32), ("prot #1", "op #2", 1.27),
    ("prot #2", "op #2", 1.24), ("prot #2", "op #2", 1.00), ("prot #2", "op #2", 1.14),
    ("prot #3", "op #2", 1.64), ("prot #3", "op #2", 1.65), ("prot #3", "op #2", 1.77),
    ("prot #1", "op #3", 1.09), ("prot #1", "op #3", 1.26), ("prot #1", "op #3", 1.09),
    ("prot #2", "op #3", 1.48), ("prot #2", "op #3", 1.15), ("prot #2", "op #3", 1.15),
    ("prot #3", "op #3", 1.64), ("prot #3", "op #3", 1.44), ("prot #3", "op #3", 1.68),
]  # fmt: skip
