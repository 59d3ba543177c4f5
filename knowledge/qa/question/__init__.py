"""Reading a question's words: item references (:mod:`.refs`) and position words
(:mod:`.positions`), the units it names (:mod:`.mentions`), the cue words of each question
family (:mod:`.cues`), what else its words name (:mod:`.kinds`: small talk, periods,
obligation kinds, dates, amounts), the question words of ``knowledge/data/question_words.toml``
(:mod:`.words`) and the synonyms and English keywords (:mod:`.lexicon`). Pure text work over
the data files and the unit directory; imports nothing else of ``knowledge.qa``."""
