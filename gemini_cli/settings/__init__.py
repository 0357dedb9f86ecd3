"""Settings: the config file, environment, XDG paths and local state."""
