"""narrmon: monitor pro-Kremlin narratives in Serbian and Bosnian social media."""
