"""The local history of interactions (SQLite): what -c, `last` and `gem history` read."""
