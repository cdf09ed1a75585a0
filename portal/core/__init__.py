"""The platform core: configuration, the database, extensions, errors, transactions,
history, counters and China time. Every other area builds on it; it knows none of them."""
