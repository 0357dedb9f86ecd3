"""Foundations shared by every layer: exit codes, errors, statuses, env flags, terminal I/O."""
