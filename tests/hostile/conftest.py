"""The hostile-server tests share the real-process helpers in tests/processes.py."""

from tests.processes import GEM, JSON, body, calling, gem_env, run_gem, start_gem  # noqa: F401
