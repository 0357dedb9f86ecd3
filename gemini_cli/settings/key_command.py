"""api_key_command: the API key from a helper program (a password manager), bounded in time."""

from __future__ import annotations

import shlex
import subprocess

from gemini_cli.api.errors import AuthError

KEY_COMMAND_TIMEOUT = 30.0


def run_key_command(command: str, timeout: float | None = None) -> str:
    """Run api_key_command; the key is its first non-empty line (as `pass show` prints the
    password, then other fields). Bounded by 30 s and by what is left of --timeout; on a
    timeout, Ctrl-C, SIGTERM or SIGHUP the whole process group goes, so no helper is left."""
    from gemini_cli.core.children import killed_on_signals

    limit = KEY_COMMAND_TIMEOUT if timeout is None else max(min(KEY_COMMAND_TIMEOUT, timeout), 0.01)
    shown = shlex.quote(command)
    with killed_on_signals():  # from before the helper starts: no moment it could outlive gem
        returncode, out = _run_helper(command, limit, shown)
    key = _first_line(out)
    if returncode is None and not key:  # a helper that printed the key and lingers is fine
        raise AuthError(f"api_key_command {shown} timed out after {limit:.1f}s")
    if returncode or not key:
        why = f"exited {returncode}" if returncode else "printed nothing"
        raise AuthError(f"api_key_command {shown} {why}")
    return key


def _run_helper(command: str, limit: float, shown: str) -> tuple[int | None, bytes]:
    """The helper's exit status (None: killed at the time limit) and what it printed."""
    from gemini_cli.core.children import NEW_GROUP, kill_group, tracked

    try:
        proc = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **NEW_GROUP,
        )
    except OSError as exc:
        raise AuthError(f"api_key_command {shown} could not start: {exc.strerror}") from exc
    try:
        with tracked(proc):
            out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired as exc:
        kill_group(proc)
        proc.wait()
        return None, exc.stdout or b""
    return proc.returncode, out


def _first_line(out: bytes) -> str:
    for line in out.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()
    return ""
