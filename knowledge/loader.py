"""Loading work plans: the bundled default and imported documents (stub until the parser lands)."""
