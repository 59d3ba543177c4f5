"""The query: what a question is about and what it asks. :mod:`.analysis` finds who and what
the question is about in the plan's index (its units, its topic and the items it finds);
:mod:`.parse` reads the question into a typed :class:`~.form.Query`; :mod:`.follow_up`
completes a follow-up from the chat's previous turn, which :mod:`.conversation` keeps per chat.
Reads ``question/`` and ``index/``; runs nothing (``answer/`` does)."""
