"""Counting a batch's outcomes: the progress line on a terminal, the summary line at the end."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from gemini_cli.batch.output import Result

REFRESH = 0.2  # seconds between two redraws of the progress line


@dataclass
class Tally:
    """What happened so far (updated under the scheduler's lock as results are emitted)."""

    ok: int = 0
    failed: int = 0
    invalid: int = 0
    submitted: int = 0
    running: int = 0  # collected but still running at the deadline: left in the journal
    skipped: int = 0  # finished in an earlier run (journal)
    replayed: int = 0  # finished earlier but never printed: printed now from the journal
    tokens: int = 0
    codes: dict[int, int] = field(default_factory=dict)

    def add(self, result: Result) -> None:
        if result.state != "final":
            self.running += result.state == "running"
            self.submitted += result.state == "submitted"
            return
        if result.tokens:
            self.tokens += result.tokens
        if result.exit_code == 0:
            self.ok += 1
        elif result.exit_code == 2 and '"status":"invalid"' in result.line:
            self.invalid += 1
        else:
            self.failed += 1
            self.codes[result.exit_code] = self.codes.get(result.exit_code, 0) + 1

    @property
    def finished(self) -> int:
        return self.ok + self.failed + self.invalid

    def summary(self, seconds: float, extra: dict[str, object]) -> dict[str, object]:
        data: dict[str, object] = {
            "ok": self.ok, "failed": self.failed, "invalid_lines": self.invalid,
            "submitted": self.submitted, "still_running": self.running,
            "skipped": self.skipped, "replayed": self.replayed, "tokens": self.tokens,
            "seconds": round(seconds, 3), "failed_exit_codes": {str(k): v for k, v in
                                                                sorted(self.codes.items())},
        }  # fmt: skip
        data.update(extra)
        return data


def summary_text(data: dict[str, object]) -> str:
    """`gem: batch: 98 ok, 2 failed (exit 5: 2), 1 invalid line; 1,234 tokens in 3.2s`."""
    parts = [f"{data['ok']} ok"]
    if data["failed"]:
        codes = data["failed_exit_codes"]
        detail = (
            ", ".join(f"exit {k}: {v}" for k, v in codes.items()) if isinstance(codes, dict) else ""
        )
        parts.append(f"{data['failed']} failed ({detail})")
    names = (("invalid_lines", "invalid line"), ("submitted", "submitted"),
             ("still_running", "still running"), ("skipped", "skipped (journal)"),
             ("replayed", "printed from the journal"))  # fmt: skip
    for name, label in names:
        if data[name]:
            plural = "s" if name == "invalid_lines" and data[name] != 1 else ""
            parts.append(f"{data[name]} {label}{plural}")
    line = f"gem: batch: {', '.join(parts)}; {data['tokens']:,} tokens in {data['seconds']}s"
    if data.get("rate_limited"):
        line += f"; slowed down {data['rate_limited']}x by the server (to -j {data['lowest_jobs']})"
    return line


def summary_json(data: dict[str, object]) -> str:
    return json.dumps({"batch": data}, separators=(",", ":"))


class ProgressLine:
    """done / failed / in flight, rate, tokens and ETA, redrawn in place on a terminal."""

    def __init__(self, stream: TextIO, tally: Tally, now: Callable[[], float],
                 in_flight: Callable[[], int], fraction: Callable[[], float | None]) -> None:  # fmt: skip
        self.stream, self.tally, self.now = stream, tally, now
        self.in_flight, self.fraction = in_flight, fraction
        self.started = now()
        self._last = -1e9
        self._shown = False

    def tick(self) -> None:
        now = self.now()
        if now - self._last < REFRESH:
            return
        self._last = now
        t, elapsed = self.tally, max(now - self.started, 1e-9)
        rate = t.finished / elapsed
        text = (f"gem batch: {t.ok} done, {t.failed + t.invalid} failed, "
                f"{self.in_flight()} in flight, {rate:.1f}/s, {t.tokens:,} tokens")  # fmt: skip
        fraction = self.fraction()
        if fraction and 0 < fraction < 1:
            text += f", ETA {elapsed * (1 - fraction) / fraction:.0f}s"
        self._write("\r\x1b[K" + text)
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self._write("\r\x1b[K")
            self._shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass
