"""Benchmarks that print figures (`hil bench ...`)."""
