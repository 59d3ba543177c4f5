"""Running a query over a plan into an :class:`~knowledge.qa.result.answer.Answer`:
:mod:`.execute` dispatches on what is asked; :mod:`.answerer` answers the families a question's
analysis is enough for (an item, a unit's duties, who, how often, a topic) and
:mod:`.families` runs them with the query's fields filled in; :mod:`.verdict` the yes / no
questions, :mod:`.relation` items by their units and several topics at once, :mod:`.status`
the completion records, :mod:`.talk` small talk, the document's facts and 还有呢. Reads every
other room; only ``engine.py`` imports it."""
