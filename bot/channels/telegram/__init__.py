"""The Telegram adapter: python-telegram-bot handlers, the delivery channel, per-chat ordered concurrency and Telegram's rate limits."""
