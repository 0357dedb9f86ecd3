"""`gem batch`: many requests from one JSON Lines input, resumable and shardable."""
