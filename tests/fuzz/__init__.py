"""The fuzz harness: structure-aware mutations of real fixtures through every parser."""
