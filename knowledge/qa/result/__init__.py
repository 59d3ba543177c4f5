"""The result of a question: the structured :class:`~.answer.Answer` (items, duties,
obligations with their next due date from :mod:`.due`, quotes), and the interface to the
completion records a status question reads (:mod:`.records`). Data only: imports nothing
else of ``knowledge.qa``."""
