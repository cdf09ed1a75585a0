"""What every page area shares: display helpers (labels, China time, deadlines) and
view helpers (the current actor, role guards, page forms)."""
