"""Named limits and identifiers of the X collector."""

PLATFORM = "x"
SOURCE = "x-api"  # posts.source of live-collected tweets
PAGE_SIZE_MIN = 10  # search_recent_tweets accepts 10..100 results per page
PAGE_SIZE_MAX = 100
IDS_PER_REQUEST = 100  # tweet ids per get_tweets call in the reach refresh
DEFAULT_REQUESTS_PER_MINUTE = 30  # pacing when the configuration does not say
DEFAULT_RESET_WAIT = 60.0  # seconds to wait on a 429 that carries no reset header
USER_KEY_PREFIX = "user:"  # cursors.source_key of an account timeline
QUERY_KEY_PREFIX = "query:"  # cursors.source_key of a recent search
KEY_MAX = 200  # longer queries are keyed by a prefix and a hash
URL_TWEET = "https://x.com/{username}/status/{tweet_id}"
URL_TWEET_ANON = "https://x.com/i/web/status/{tweet_id}"
KIND_USER = "x_user"
NOT_FOUND_TYPE = "https://api.twitter.com/2/problems/resource-not-found"

ENV_BEARER = "NARRMON_X_BEARER_TOKEN"

EXPANSIONS = ["author_id", "referenced_tweets.id"]
TWEET_FIELDS = [
    "public_metrics",
    "lang",
    "created_at",
    "conversation_id",
    "entities",
    "referenced_tweets",
    "author_id",
    "attachments",
    "note_tweet",  # the full text of a post longer than 280 characters
]
USER_FIELDS = ["public_metrics", "username", "name", "verified_type"]
