"""Data: datasets (files, shipped sets, generators), normalizations, separations, quantities."""
