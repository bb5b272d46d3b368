"""Bundled sample data of narrmon: hand-written post pools and a deterministic generator.

``samples/pool/`` holds the hand-written texts; ``samples/generate.py`` (built on the
``samples.gen`` package) turns them into Telegram capture files and twarc2 X pages under
``samples/data/``. See samples/README.md.
"""
