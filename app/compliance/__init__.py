"""Intune-style compliance: policies (Graph names), facts, evaluation, states, stale devices."""
