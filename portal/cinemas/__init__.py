"""The cinema register: registered cinemas, their codes (never given twice), status."""
