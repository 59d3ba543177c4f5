"""The channel-neutral chat core: commands, buttons and questions → replies, shown by the Telegram adapter and the console alike."""
