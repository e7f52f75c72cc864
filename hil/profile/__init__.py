"""Run models on boards and collect cycles, energy and accuracy."""
