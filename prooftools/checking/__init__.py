"""Checking: turns registry statements and measurements into verdicts."""
