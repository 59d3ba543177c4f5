"""Records: the registry (units in ``unit_registry``, chats in ``chat_registry``, admins and
liaisons in ``access``) and the audit log (``audit_log``); completions and status;
overrides; imported plans and holidays; reports, the annual report and evidence exports.
Imports ``store``, ``timing``, ``planning``."""
