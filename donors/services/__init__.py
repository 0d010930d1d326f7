"""Donor-side business actions: pledges, receipts, card payments, imports."""
