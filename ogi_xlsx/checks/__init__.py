"""Pure checks: a return document (and options) in, findings out (sum rules, schema, cover,
plausibility and the office's settings, explanations). Imports only ``model``."""
