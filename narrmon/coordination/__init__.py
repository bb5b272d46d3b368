"""Coordination: who spreads a text together, and which channels we are not watching.

- :mod:`~narrmon.coordination.neardup`: near-duplicate clusters (exact copies of the
  normalised text first, then MinHash/LSH on character shingles), an incremental pass
  that signs each post once and compares a new day with a window of recent days.
- :mod:`~narrmon.coordination.coforward`: accounts that forward, repost or quote the same
  original within a short window, repeatedly (CooRTweet's definition).
- :mod:`~narrmon.coordination.network`: accounts linked by both, Louvain communities,
  and the amplification + coordination graph for Gephi (GEXF, GraphML, CSV).
- :mod:`~narrmon.coordination.discover`: unwatched channels ranked by how many watched
  accounts forward or mention them.
- :mod:`~narrmon.coordination.figures`: the clusters of a window, JSON-ready, as the CLI
  and the reports show them.

Like :mod:`narrmon.pipeline`, this package composes the kernel with the classifier's
normaliser (script folding) and the reports' readers; nothing below it imports it.
"""
