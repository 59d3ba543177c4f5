"""Planning: reminder rules (data) and the planner, a pure function of (now, units,
completions, rules) that says which reminders are due. Imports ``timing`` and ``knowledge``."""
