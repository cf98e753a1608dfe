"""Joinery's Qt views. Calls app services; never writes SQL."""
