"""Turning data into replies, for every feature: the reply model (Telegram HTML and plain text
from one document), shared sentences, /help, and the renderings more than one caller uses
(whom an obligation binds, a plan's preview, the compliance report, its picture, a calendar)."""
