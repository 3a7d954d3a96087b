"""Helpers shared by every test suite in the repository."""
