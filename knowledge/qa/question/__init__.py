"""Reading a question's words: item references (:mod:`.refs`), the units it names
(:mod:`.mentions`), the cue words of each question family (:mod:`.cues`), the question words
of ``knowledge/data/question_words.toml`` (:mod:`.words`) and the synonyms and English keywords
(:mod:`.lexicon`). Pure text work over the data files and the unit directory; nothing here knows
about queries, answers or their text."""
