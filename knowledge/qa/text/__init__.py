"""The plain text of answers (:mod:`.render`): channel-neutral Simplified Chinese built from the
result's data; ``bot/`` renders the structured answer its own way."""
