"""Disclosure Ledger: who received a person's data, when, what and why."""

__version__ = "0.1.0"
