"""Ticketing-software product filing 票务软件产品备案 (P1, seed 000 §一(一))."""
