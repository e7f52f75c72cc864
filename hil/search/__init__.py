"""The mixed-precision search: genomes, NSGA-II with constraint domination, a resumable SQLite store,
evaluation across several boards, and the result files (Pareto front, plot, summary)."""
