"""Reports: store to rollups, daily report, weekly PDF, analyst pulls and alerts."""
