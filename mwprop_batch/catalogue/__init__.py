"""Readers for external catalogue formats."""
