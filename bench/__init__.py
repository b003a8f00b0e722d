"""`make bench`: the portal measured under a Christmas rush (see bench/run.py)."""
