"""Collectors: turn sources (Telegram, X, exported files) into narrmon records."""
