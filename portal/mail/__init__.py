"""E-mail: an outbox written in the transaction of what it tells, delivered after
the commit by the scheduler (``flask --app wsgi tick``), retried with backoff."""
