"""The installed gem and its subprocess environment, as the shell tests use them."""

from tests.shell.conftest import gem_bin, shell_env  # noqa: F401
