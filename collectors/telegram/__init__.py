"""Live Telegram collection through telethon (a user session kept as a StringSession).

``client.py`` is the only module that talks to Telegram; ``parse.py`` turns ``Message``
dicts into narrmon records and is pure (live messages through ``to_dict()``; the
telethon dump importer uses it too); ``channels.py`` reads resolved chats;
``collector.py`` walks channels page by page and writes each page with its cursor in
one transaction.
"""
