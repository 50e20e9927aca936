"""Smooth deep networks (Chatterjee's local PL criterion)."""
