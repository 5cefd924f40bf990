"""Measurement systems analysis: the pure statistics behind the msa app (issue 29).

Modules, each citing its sources and conventions:

* ``design``        balanced crossed / nested study designs (unbalanced ones are refused);
* ``anova_rr``      crossed gauge R&R by two-way ANOVA, interaction pooled by alpha;
* ``average_range`` the AIAG average-and-range method with its K1/K2/K3 constants;
* ``nested_rr``     nested gauge R&R for destructive tests;
* ``components``    %Contribution, %Study var, %Tolerance, %Process, ndc;
* ``repeatability`` Montgomery's one-operator gauge capability (σ_gauge, P/T);
* ``type1``         Type 1 study: Cg, Cgk, bias t-test;
* ``linearity``     AIAG gauge linearity and bias;
* ``kappa``, ``attribute``  attribute agreement analysis;
* ``verdict``       the AIAG verdict with per-plant thresholds.

Like the rest of ``spc.core`` it takes plain numbers and returns frozen dataclasses,
raising :class:`spc.core.errors.InputError` for input it cannot judge.
"""
