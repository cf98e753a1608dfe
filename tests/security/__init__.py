"""Attacks on Joinery, each a finding kept as a test."""
