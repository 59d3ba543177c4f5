"""Time and delivery: periods and due dates (Asia/Shanghai, Chinese working days), the registry
of units and chats, completions, the outbox of messages to send, and the APScheduler jobs.

Public API for ``bot/`` (every function that takes a ``session`` leaves the commit to the
caller; use ``scheduler.store.db.session_scope(engine)``):

- start-up: ``scheduler.jobs.context.SchedulerContext.load(url)`` (runs migrations, loads the plan
  and directory, syncs units), then ``scheduler.jobs.install.install_jobs(job_queue.scheduler, ctx,
  channel)``; standalone: ``scheduler.jobs.install.run_standalone(ctx, channel)``.
- registry: chats (``scheduler.records.chat_registry``): ``register_chat``, ``approve``,
  ``reject``, ``remove_chat``, ``mark_blocked``, ``pending_chats``, ``active_chats``,
  ``chat_unit``; units (``scheduler.records.unit_registry``): ``add_unit``, ``list_units``,
  ``resolve_unit``, ``RegistryError``; admins and liaisons (``scheduler.records.access``):
  ``add_admin``, ``is_admin``, ``add_liaison``, ``is_liaison``; the audit log
  (``scheduler.records.audit_log``): ``audit``.
- completions (``scheduler.records.completions``): ``resolve_obligation``, ``confirm``,
  ``status_for_unit``, ``compliance_matrix``.
- broadcasts (``scheduler.delivery.broadcast``): ``create_broadcast``, ``enqueue_broadcast``,
  ``broadcast_report``, ``resend_failed``.
- outbox (``scheduler.delivery.outbox``): ``enqueue``; sending: ``scheduler.delivery.sender.OutboxSender``.
- the channel interface: ``scheduler.delivery.channel``; console and file channels:
  ``scheduler.delivery.local_channels``.

Imports ``knowledge``, never ``bot``.
"""
