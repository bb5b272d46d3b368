"""Named limits and identifiers of the Telegram collector."""

PLATFORM = "telegram"
SOURCE = "telegram-api"  # posts.source of live-collected messages
PAGE_SIZE_MAX = 100  # messages per history request (Telegram's own limit)
IDS_PER_REQUEST = 100  # message ids per get_messages call in the reach refresh
DEFAULT_REQUESTS_PER_MINUTE = 30  # pacing when the configuration does not say
CURSOR_PREFIX = "channel:"  # cursors.source_key = "channel:<username or id>"
KIND_CHANNEL = "channel"
KIND_SUPERGROUP = "supergroup"

ENV_API_ID = "NARRMON_TELEGRAM_API_ID"
ENV_API_HASH = "NARRMON_TELEGRAM_API_HASH"
ENV_SESSION = "NARRMON_TELEGRAM_SESSION"
