"""Generated questions with an independent oracle (issue: a complete query algebra).

- :mod:`.plans` loads the plans the questions are about (the bundled one and family fixtures
  of other districts) and the facts of each, straight from the plan model;
- :mod:`.oracle` computes what each operator's answer must be from those facts;
- :mod:`.grammar` composes questions: operators × the plan's own entities;
- :mod:`.noise` perturbs them (typos, aliases, particles, traditional characters, English,
  full-width digits, other item numberings, a named year);
- :mod:`.score` compares an answer's JSON (as ``fazhi ask --batch`` prints it) with the
  oracle's expectation;
- :mod:`.phrases` samples phrases that stand in exactly one item.

Nothing here imports ``knowledge.qa``: the engine is only what is measured
(``bench/bench_qa_generated.py``).
"""
