"""Administrations (legal entities), the users' access to them, and invoice series."""
