"""The seed corpus (seed.jsonl) and the script that merges it from its parts."""
