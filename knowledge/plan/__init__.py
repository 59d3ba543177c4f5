"""The plan and its rules: the immutable work-plan model, the unit directory and name keys,
whom an obligation binds, plan diffs, JSON shapes, and the text normalisation they match with.
Imports nothing else of ``knowledge``."""
