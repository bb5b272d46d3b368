"""Live X collection through tweepy's v2 ``Client`` with an app bearer token.

``client.py`` is the only module that talks to X; ``parse.py`` turns v2 payloads into
narrmon records and is pure (the X file importer uses it too); ``collector.py`` walks
timelines and searches newest first and moves ``since_id`` only once a walk is complete.
"""
