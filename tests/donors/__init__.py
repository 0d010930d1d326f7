"""Tests of the donors app that need more than the database (localstripe)."""
