"""Refund and backfill approval 退票和补登 (P5, seed 000 §二(五)): the deadline process."""
