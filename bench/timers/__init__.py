"""How long the scheduler's ``tick`` takes with many waiting timers (see run.py)."""
