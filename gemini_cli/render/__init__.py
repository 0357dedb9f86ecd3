"""Output for people and scripts (the only package importing rich): text, JSON, live streams."""
