"""The channel-neutral chat core: commands, buttons, free text and files → replies, the same for
every channel adapter (Telegram, the console, DingTalk to come).

- ``assistant``: the one entry point adapters call (a thin facade over the router);
- ``router``: commands, buttons, text and files → the feature that declared them;
- ``features/``: one module per feature, each with its commands, buttons and texts;
- ``state``: what the features share (plans and the question engine, admins, units of chats,
  conversations, the flood gate); ``incoming``: who is talking and what file arrived;
- ``buttons``: every button kind, a typed payload with its wire form (the codec);
- ``render/``: the reply model and the renderings several callers share.
"""
