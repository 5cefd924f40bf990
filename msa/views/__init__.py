"""Pages of the msa app: gauges, study planning, tablet entry and results."""
