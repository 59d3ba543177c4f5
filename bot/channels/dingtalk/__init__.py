"""The DingTalk channel (Stream mode): receive through the official ``dingtalk-stream`` SDK,
send every message (replies included) through the outbox over the robot OpenAPI.

Protocol facts, checked against the SDK's source (open-dingtalk/dingtalk-stream-sdk-python,
0.24.4b1) and DingTalk's documentation (open.dingtalk.com / help.dingtalk.io, developerpedia
``docs/learn/stream``); where they differ the documentation is followed and said so below.

- Connection: ``POST /v1.0/gateway/connections/open`` ``{clientId, clientSecret,
  subscriptions, ua, localIp}`` → ``{endpoint, ticket}``; the ticket is for one connection
  (documented valid 90 s), then a JSON WebSocket to ``endpoint?ticket=…``.
- Frames ``{specVersion, type: SYSTEM|EVENT|CALLBACK, headers{appId, connectionId,
  contentType, messageId, time, topic}, data: "<json text>"}``; each acked with ``{code: 200,
  headers{messageId, contentType}, message, data}``; ``ping`` echoes its ``opaque``;
  ``disconnect`` precedes the close (10 s later per the documentation).
- Robot messages on topic ``/v1.0/im/bot/messages/get`` (``conversationType`` "1" 1:1, "2" a
  group that @-mentioned the robot); card presses on ``/v1.0/card/instances/callback``, the
  button's parameters in ``content.cardPrivateData.params``.
- Sending: ``/v1.0/robot/oToMessages/batchSend`` (≤ 20 userIds), ``/v1.0/robot/groupMessages/
  send``, cards with ``/v1.0/card/instances/createAndDeliver`` (``callbackType: "STREAM"``);
  the access token from ``POST /v1.0/oauth2/accessToken`` (``expireIn`` 7200 s).

Differences noted:
- Replies: the SDK replies through each message's ``sessionWebhook`` (a blocking ``requests``
  call inside the async handler, valid about 1.5 h, no cards). The documentation's robot
  OpenAPI is used for every message instead, so replies go through the outbox like reminders.
- Cards: the SDK's ``reply_card`` posts to ``/v1.0/im/v1.0/robot/interactiveCards/send`` (the
  older interactive-card API, ``StandardCard``); the documentation's current path is
  ``/v1.0/card/instances/createAndDeliver`` with a template built in the card builder, which is
  what callbacks over Stream (``callbackType: "STREAM"``) are documented for. The template id
  is a setting (README).
- Gateway address: the SDK builds it at import from ``$DINGTALK_OPENAPI_ENDPOINT`` and reads
  it by class name; :class:`~bot.channels.dingtalk.stream.StreamClient` takes it as a setting.
- Files: the SDK uploads media to ``oapi.dingtalk.com/media/upload`` (the older API); the
  newer API documents no upload for robot messages, so the same call is used, and the media id
  goes into ``sampleImageMsg`` / ``sampleFile``. Received files are fetched as the SDK does
  (``/v1.0/robot/messageFiles/download`` → ``downloadUrl``).
- Identity: a card press names the presser (``userId``) and, in our ``outTrackId``, the chat;
  cards are sent not forwardable, and a 1:1 card counts only when its own user presses it.
- The PyPI release 0.24.3 has no ``stop()``, reconnects after a fixed 10 s and handles a
  re-pushed message twice; 0.24.4b1 (pinned) fixes all three.

Modules: :mod:`.ids` (chat ids), :mod:`.convert` (payloads ↔ core objects, HTML → markdown),
:mod:`.stream` (the SDK client), :mod:`.front_end` (core calls, replies queued),
:mod:`.openapi` (token, calls), :mod:`.channel` (outbox delivery and outcomes), :mod:`.limits`
(the documented limits, ``limits.toml``), :mod:`.app` (wiring and the standalone loop).
"""
