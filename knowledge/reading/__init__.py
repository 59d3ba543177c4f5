"""Reading documents: bytes and files to text, numbered headings, unit markers, tables, unit
lists and cadences, assembled into a :class:`knowledge.plan.model.WorkPlan` by the parser and
loader. Imports ``knowledge.plan``."""
