"""What a worker does with one item: create it (or submit it), or collect a submitted one."""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import TYPE_CHECKING

from gemini_cli.api.errors import (
    TRANSIENT_ERRORS,
    NetworkError,
    RateLimitError,
    ServerError,
    StillRunningError,
)
from gemini_cli.batch import output
from gemini_cli.batch.items import Item
from gemini_cli.batch.journal import SUBMITTED, Entry, Journal
from gemini_cli.batch.limiter import MAX_NAP, Limiter, Stopped
from gemini_cli.batch.output import Result
from gemini_cli.cli.backend import embedded_transport
from gemini_cli.core.errors import EXIT_STILL_RUNNING, GemError
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.core.status import is_done

if TYPE_CHECKING:
    from collections.abc import Callable

    from gemini_cli.api.client import InteractionsClient
    from gemini_cli.api.models import Interaction
    from gemini_cli.batch.requests import RequestBuilder
    from gemini_cli.cli.runtime import Runtime

# A create that provably did not run (429, 503, a refused connection) goes round again after
# the client's own retries (behind the shared backoff) this many times before the item fails.
REQUEUES = 3


class Workers:
    """Shared by the worker threads: one API client per thread (a timeout cuts only its own
    connections), the limiter, the journal and the request builder."""

    def __init__(
        self, run: Runtime, limiter: Limiter, journal: Journal | None, *, whole: bool,
        builder: RequestBuilder | None = None, background: bool = False,
    ) -> None:  # fmt: skip
        self.run = run
        self.limiter = limiter
        self.journal = journal
        self.whole = whole
        self.builder = builder
        self.background = background
        self.base = run.client()  # the key is looked up once, here, in the main thread
        # `emulator:`: one in-process server for every worker (it is thread-safe), so its
        # state and its fault counters (GEM_EMULATOR_FAULT) are those of one server.
        self._transport = embedded_transport() if run.settings.embedded else None
        self._local = threading.local()
        self._clients: list[InteractionsClient] = []
        self._lock = threading.Lock()

    def client(self) -> InteractionsClient:
        client: InteractionsClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._new_client()
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _new_client(self) -> InteractionsClient:
        from gemini_cli.api.client import InteractionsClient

        base = self.base
        return InteractionsClient(
            api_key=base.api_key, base_url=base.base_url, api_version=base.api_version,
            timeout=base.timeout, max_retries=base.retry.max_retries,
            clock=self.limiter.gated_clock(),
            transport=self._transport,
            extra_headers=base.extra_headers, trace=base.trace,
        )  # fmt: skip

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                client.close()

    # -- create ----------------------------------------------------------------------------

    def create(self, item: Item) -> Result:
        try:
            return self._recorded(self._create(item))
        except Stopped:
            return Result(item.key, item.ident, item.line, 130, "", state="dropped")
        except GemError as exc:
            return self._recorded(output.from_error(item.key, item.ident, item.line, exc))
        except Exception as exc:  # noqa: BLE001 - a bug fails this item (exit 70), not the batch
            return internal(item.key, item.ident, item.line, exc)

    def _create(self, item: Item) -> Result:
        from gemini_cli.cli.turns import execute

        assert self.builder is not None
        prepared = self.builder.build(item)
        body = {**prepared.body, "background": True} if self.background else prepared.body
        client = self.client()
        for attempt in range(REQUEUES + 1):
            try:
                if self.background:
                    self.limiter.before_request()
                    interaction = client.create(body)
                    break
                interaction = execute(self.run, prepared, self.builder.tool_options,
                                      send=self._sender(client))  # fmt: skip
                break
            except (RateLimitError, ServerError, NetworkError) as exc:
                if not did_not_run(exc) or attempt == REQUEUES or self.limiter.stopping.is_set():
                    raise
        if not is_done(interaction.status) and interaction.id:
            submitted = self._submitted(item, interaction, prepared.expect_json)
            if self.background:
                return submitted
            # Left running by the API (an agent, `background` in a body): wait for it here;
            # the journal already keeps its id, so a rerun collects it instead of creating it.
            return self.collect(self._entry(item, interaction.id, prepared.expect_json))
        return output.from_interaction(item.key, item.ident, item.line, interaction,
                                       expect_json=prepared.expect_json, whole=self.whole)  # fmt: skip

    def _sender(self, client: InteractionsClient) -> Callable[[JSONObject], Interaction]:
        def send(body: JSONObject) -> Interaction:
            self.limiter.before_request()
            return client.create(body)

        return send

    def _submitted(self, item: Item, interaction: Interaction, expect_json: bool) -> Result:
        if self.journal is not None:
            self.journal.submitted(item.ident, json.dumps(item.key), item.line, interaction.id,
                                   expect_json)  # fmt: skip
        return Result(item.key, item.ident, item.line, 0, "", interaction.id, state="submitted")

    def _entry(self, item: Item, interaction_id: str, expect_json: bool) -> Entry:
        run = self.journal.run if self.journal is not None else 0
        return Entry(item.ident, item.line, SUBMITTED, run, interaction_id, expect_json,
                     json.dumps(item.key))  # fmt: skip

    def _recorded(self, result: Result) -> Result:
        if self.journal is not None and result.state == "final" and not result.journaled:
            self.journal.finished(result.ident, result.line_no, result.exit_code,
                                  result.interaction_id, result.line)  # fmt: skip
            return dataclasses.replace(result, journaled=True)
        return result

    # -- collect ---------------------------------------------------------------------------

    def collect(self, entry: Entry) -> Result:
        key = json.loads(entry.output) if entry.output else entry.key
        try:
            interaction = self._wait(entry)
        except Stopped:
            interaction = None
        except GemError as exc:
            return self._recorded(output.from_error(key, entry.key, entry.line, exc))
        except Exception as exc:  # noqa: BLE001
            return internal(key, entry.key, entry.line, exc)
        if interaction is None:
            return self._still_running(key, entry)
        return self._recorded(output.from_interaction(
            key, entry.key, entry.line, interaction, expect_json=entry.expect_json,
            whole=self.whole))  # fmt: skip

    def _still_running(self, key: JSONValue, entry: Entry) -> Result:
        """Still running at the deadline (or when the batch stopped): with a journal it waits
        there for a later collect; without one its line says so, with the id to poll."""
        if self.journal is not None and self.journal.path != ":memory:":
            return Result(key, entry.key, entry.line, EXIT_STILL_RUNNING, "",
                          entry.interaction_id, state="running")  # fmt: skip
        error = StillRunningError(f"interaction {entry.interaction_id} is still running; wait "
                                  f"for it with: gem poll {entry.interaction_id}",
                                  interaction_id=entry.interaction_id)  # fmt: skip
        return output.from_error(key, entry.key, entry.line, error, status="in_progress")

    def _wait(self, entry: Entry) -> Interaction | None:
        """GET the interaction until it is done, the deadline passes or the batch stops."""
        from gemini_cli.api.deadline import Deadline
        from gemini_cli.api.waiting import poll_intervals

        assert entry.interaction_id is not None
        clock, client = self.limiter.clock, self.client()
        deadline = Deadline(client.timeout, clock)
        failures = 0
        for interval in poll_intervals():
            self.limiter.before_request()
            try:
                interaction = client.get(entry.interaction_id)
                failures = 0
                if is_done(interaction.status):
                    return interaction
            except TRANSIENT_ERRORS:
                failures += 1
                if failures >= 3:
                    raise
            if self.limiter.stopping.is_set() or deadline.remaining() < interval:
                return None
            self._nap(interval)
        return None

    def _nap(self, seconds: float) -> None:
        clock = self.limiter.clock
        end = clock.monotonic() + seconds
        while not self.limiter.stopping.is_set() and (left := end - clock.monotonic()) > 0:
            clock.sleep(min(left, MAX_NAP))


def did_not_run(exc: GemError) -> bool:
    """Whether a failed create provably never ran: the server said so (429, 503), or the
    connection was never made."""
    import httpx

    if isinstance(exc, RateLimitError) or exc.http_status == 503:
        return True
    return isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))


def internal(key: JSONValue, ident: str, line: int, exc: Exception) -> Result:
    error = GemError(f"internal error: {type(exc).__name__}: {exc}")  # exit 70: a bug
    return output.from_error(key, ident, line, error)
