"""Charges: the one unit every source hands over to invoicing."""
