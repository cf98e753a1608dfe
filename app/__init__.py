"""Joinery's Qt-free core: everything the CLI, the kiosk and the tests drive."""
