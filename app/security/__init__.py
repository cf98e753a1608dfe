"""Operators and roles, the secrets vault, and the tamper-evident audit trail."""
