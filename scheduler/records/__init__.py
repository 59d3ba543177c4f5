"""Records: the registry of units, chats, admins and the audit log; completions and status;
overrides; imported plans and holidays; reports, the annual report and evidence exports.
Imports ``store``, ``timing``, ``planning``."""
