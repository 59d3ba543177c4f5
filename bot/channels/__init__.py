"""Channel adapters: each turns one messaging platform into calls on the channel-neutral chat
core (``bot.chat``) and delivers the outbox through that platform (telegram/, console/)."""
