"""The working-day calendar: the law (statutory holidays), the stored arrangement of
each year, and what administrators enter."""
