"""The sample-data generator behind ``python -m samples.generate``, split by concern.

- ``common``: window, seed, paths, pool loading, rng/time/JSON/TL helpers.
- ``telegram_channels`` / ``telegram_tl`` / ``telegram``: the four channels, their TL
  serialisation, and the timeline builder that writes the capture files.
- ``x_users`` / ``x_accounts`` / ``x_api`` / ``x``: the X account model and list, the
  twarc2 page writer, and the tweet timeline builder.
"""
