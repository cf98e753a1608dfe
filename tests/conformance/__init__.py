"""Conformance with the real Microsoft systems (issue 14).

Every test here is one item of the issue, named test_itemNN_..., and drives Joinery through a
public entry point (the CLI, a service, a reader) with a fixture in the exact shape of a real
exported file (tests/data/conformance/, sources in tests/data/SOURCES.md; the paths and the
runner are in tests/helpers/conformance.py). Names that did not exist before the fix are
imported inside the tests, so on the old code each item fails on its own.
"""
