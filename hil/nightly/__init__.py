"""`hil nightly`: a matrix of jobs on the farm, its figures in a SQLite history, each run compared with
the history (regressions), and a static HTML + JSON report."""
