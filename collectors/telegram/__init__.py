"""Live Telegram collection through telethon (a user session kept as a StringSession).

``client.py`` is the only module that talks to Telegram; ``parse.py`` turns telethon
objects into narrmon records and is pure; ``collector.py`` walks channels page by page
and writes each page with its cursor in one transaction.
"""
