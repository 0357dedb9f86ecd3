"""InteractionsClient as a library: requests on the wire, retries, deadline, typed errors."""

from __future__ import annotations

import httpx
import pytest
import respx

from gemini_cli import __version__
from gemini_cli.api.client import InteractionsClient
from gemini_cli.api.errors import (
    APIError,
    AuthError,
    BadRequestError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TimeoutError_,
)
from gemini_cli.core.errors import UsageError
from tests.conftest import TEST_KEY, FakeClock
from tests.helpers import IID, error_body, interaction, ok, sent_json


@pytest.fixture
def client(fake_clock: FakeClock):
    with InteractionsClient(api_key=TEST_KEY, clock=fake_clock) as c:
        yield c


def unavailable() -> httpx.Response:
    return error_body(503, "overloaded", label="UNAVAILABLE")


# -- the four operations on the wire ------------------------------------------------------


def test_create_posts_the_body_with_the_key_in_a_header(api, client):
    route = api.post("/interactions").mock(return_value=ok())
    got = client.create({"model": "m", "input": "hi"})
    request = route.calls.last.request
    assert got.id == IID and got.output_text == "Hello there."
    assert sent_json(route) == {"model": "m", "input": "hi"}
    assert request.headers["x-goog-api-key"] == TEST_KEY
    assert TEST_KEY not in str(request.url)
    assert request.headers["content-type"] == "application/json"


def test_user_agent_names_gem_and_its_version(api, client):
    route = api.post("/interactions").mock(return_value=ok())
    client.create({"model": "m", "input": "hi"})
    assert f"gem/{__version__}" in route.calls.last.request.headers["user-agent"]


def test_get_sends_stream_false_explicitly(api, client):
    route = api.get(f"/interactions/{IID}").mock(return_value=ok())
    client.get(IID)
    assert route.calls.last.request.url.query == b"stream=false"


def test_get_with_include_input(api, client):
    route = api.get(f"/interactions/{IID}").mock(return_value=ok())
    client.get(IID, include_input=True)
    assert route.calls.last.request.url.query == b"include_input=true&stream=false"


def test_cancel_posts_to_the_cancel_path(api, client):
    route = api.post(f"/interactions/{IID}/cancel").mock(
        return_value=ok(status="cancelled", text=None)
    )
    assert client.cancel(IID).status == "cancelled"
    assert route.calls.last.request.content == b""


def test_delete_returns_the_raw_answer(api, client):
    api.delete(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text="{}"))
    assert client.delete(IID) == "{}"


def test_ids_are_percent_encoded(fake_clock):
    with respx.mock(assert_all_called=False) as router:
        route = router.get(url__regex=r".*").mock(return_value=ok())
        with InteractionsClient(api_key=TEST_KEY, clock=fake_clock) as c:
            c.get("a/b?c d")
    assert route.calls.last.request.url.raw_path == b"/v1/interactions/a%2Fb%3Fc%20d?stream=false"


def test_a_base_url_path_prefix_is_kept(fake_clock):
    with respx.mock(assert_all_called=False) as router:
        route = router.post("https://proxy.example/gl/v1/interactions").mock(return_value=ok())
        with InteractionsClient(
            api_key=TEST_KEY, base_url="https://proxy.example/gl/", clock=fake_clock
        ) as c:
            c.create({"model": "m", "input": "x"})
    assert route.called


def test_api_version_is_a_path_segment(fake_clock):
    with respx.mock(assert_all_called=False) as router:
        route = router.get(
            f"https://generativelanguage.googleapis.com/v1beta/interactions/{IID}"
        ).mock(return_value=ok())
        with InteractionsClient(api_key=TEST_KEY, api_version="v1beta", clock=fake_clock) as c:
            c.get(IID)
    assert route.called


def test_connect_timeout_is_ten_seconds_and_the_rest_is_the_deadline(api, fake_clock):
    route = api.post("/interactions").mock(return_value=ok())
    with InteractionsClient(api_key=TEST_KEY, timeout=42, clock=fake_clock) as c:
        c.create({"model": "m", "input": "x"})
    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout["connect"] == 10.0
    assert timeout["read"] == 42


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.1:8080"])
def test_plain_http_to_a_remote_host_is_refused(url):
    with pytest.raises(UsageError, match="plain http"):
        InteractionsClient(api_key=TEST_KEY, base_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80"])
def test_plain_http_to_loopback_is_allowed(url):
    InteractionsClient(api_key=TEST_KEY, base_url=url).close()


# -- retries -------------------------------------------------------------------------------


def test_get_retries_5xx_with_doubling_backoff(api, client, fake_clock):
    route = api.get(f"/interactions/{IID}").mock(
        side_effect=[unavailable(), httpx.Response(500), httpx.Response(502), ok()]
    )
    assert client.get(IID).status == "completed"
    assert route.call_count == 4
    assert fake_clock.sleeps == [0.5, 1.0, 2.0]


def test_retries_stop_after_max_retries(api, fake_clock):
    route = api.get(f"/interactions/{IID}").mock(return_value=unavailable())
    with (
        InteractionsClient(api_key=TEST_KEY, max_retries=2, clock=fake_clock) as c,
        pytest.raises(ServerError) as caught,
    ):
        c.get(IID)
    assert route.call_count == 3
    assert fake_clock.sleeps == [0.5, 1.0]
    assert caught.value.exit_code == 6


def test_default_is_four_retries_capped_at_eight_seconds(api, client, fake_clock):
    route = api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(500))
    with pytest.raises(ServerError):
        client.get(IID)
    assert route.call_count == 5
    assert fake_clock.sleeps == [0.5, 1.0, 2.0, 4.0]


def test_zero_retries_means_one_attempt(api, fake_clock):
    route = api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(500))
    with (
        InteractionsClient(api_key=TEST_KEY, max_retries=0, clock=fake_clock) as c,
        pytest.raises(ServerError),
    ):
        c.get(IID)
    assert route.call_count == 1 and fake_clock.sleeps == []


def test_retry_after_ms_and_retry_after_are_honoured(api, client, fake_clock):
    api.get(f"/interactions/{IID}").mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after-ms": "250"}),
            httpx.Response(503, headers={"Retry-After": "3"}),
            ok(),
        ]
    )
    client.get(IID)
    assert fake_clock.sleeps == [0.25, 3.0]


def test_create_is_retried_after_429_and_503(api, client, fake_clock):
    route = api.post("/interactions").mock(
        side_effect=[error_body(429, "slow down"), unavailable(), ok()]
    )
    client.create({"model": "m", "input": "x"})
    assert route.call_count == 3
    assert fake_clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize("status", [500, 502, 504, 408])
def test_create_is_not_retried_when_it_may_have_been_processed(api, client, fake_clock, status):
    route = api.post("/interactions").mock(return_value=httpx.Response(status))
    with pytest.raises(ServerError):
        client.create({"model": "m", "input": "x"})
    assert route.call_count == 1 and fake_clock.sleeps == []


def test_create_is_retried_after_connection_refused(api, client, fake_clock):
    route = api.post("/interactions").mock(side_effect=[httpx.ConnectError("refused"), ok()])
    client.create({"model": "m", "input": "x"})
    assert route.call_count == 2 and fake_clock.sleeps == [0.5]


def test_create_is_not_retried_after_a_read_timeout(api, client, fake_clock):
    route = api.post("/interactions").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(TimeoutError_) as caught:
        client.create({"model": "m", "input": "x"})
    assert route.call_count == 1 and caught.value.exit_code == 6


def test_get_is_retried_after_a_dropped_connection(api, client, fake_clock):
    route = api.get(f"/interactions/{IID}").mock(
        side_effect=[httpx.RemoteProtocolError("server hung up"), ok()]
    )
    client.get(IID)
    assert route.call_count == 2


def test_connection_errors_after_retries_are_network_errors(api, client, fake_clock):
    api.get(f"/interactions/{IID}").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(NetworkError) as caught:
        client.get(IID)
    assert caught.value.exit_code == 6
    assert "generativelanguage.googleapis.com" in caught.value.message
    assert len(fake_clock.sleeps) == 4


def test_the_deadline_bounds_retries(api, fake_clock):
    route = api.get(f"/interactions/{IID}").mock(return_value=unavailable())
    with (
        InteractionsClient(api_key=TEST_KEY, timeout=2.0, max_retries=10, clock=fake_clock) as c,
        pytest.raises(ServerError),
    ):
        c.get(IID)
    assert sum(fake_clock.sleeps) <= 2.0
    assert route.call_count == 3  # 0.5 s + 1.0 s fit; 2.0 s more would pass the deadline


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(api, fake_clock):
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"})
    )
    with (
        InteractionsClient(api_key=TEST_KEY, timeout=60, clock=fake_clock) as c,
        pytest.raises(RateLimitError),
    ):
        c.get(IID)
    assert fake_clock.sleeps == []


def test_an_expired_deadline_is_a_timeout(api, fake_clock):
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(503, headers={"Retry-After": "10"})
    )
    with (
        InteractionsClient(api_key=TEST_KEY, timeout=10, clock=fake_clock) as c,
        pytest.raises(TimeoutError_) as caught,
    ):
        c.get(IID)
    assert caught.value.exit_code == 6
    assert "10s deadline" in caught.value.message


def test_time_spent_in_a_slow_request_counts_against_the_deadline(api, fake_clock):
    def slow(request):
        fake_clock.advance(11)
        return httpx.Response(500)

    route = api.get(f"/interactions/{IID}").mock(side_effect=slow)
    with (
        InteractionsClient(api_key=TEST_KEY, timeout=10, clock=fake_clock) as c,
        pytest.raises(ServerError),
    ):
        c.get(IID)
    assert route.call_count == 1 and fake_clock.sleeps == []


def test_each_attempt_gets_only_the_time_that_is_left(api, fake_clock):
    def slow(request):
        fake_clock.advance(30)
        return unavailable()

    route = api.get(f"/interactions/{IID}").mock(side_effect=[slow, ok()])
    with InteractionsClient(api_key=TEST_KEY, timeout=100, clock=fake_clock) as c:
        c.get(IID)
    assert route.calls[1].request.extensions["timeout"]["read"] == pytest.approx(69.5)


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [
        (400, BadRequestError, 3),
        (404, NotFoundError, 3),
        (409, APIError, 3),
        (422, APIError, 3),
        (418, APIError, 3),
        (401, AuthError, 4),
        (403, AuthError, 4),
        (429, RateLimitError, 5),
        (500, ServerError, 6),
        (503, ServerError, 6),
    ],
)
def test_http_errors_are_typed(api, fake_clock, status, cls, code):
    api.get(f"/interactions/{IID}").mock(return_value=error_body(status, "nope"))
    with (
        InteractionsClient(api_key=TEST_KEY, max_retries=0, clock=fake_clock) as c,
        pytest.raises(cls) as caught,
    ):
        c.get(IID)
    assert caught.value.exit_code == code
    assert caught.value.http_status == status
    assert caught.value.interaction_id == IID


def test_error_body_with_a_string_code(api, client):
    api.post("/interactions").mock(
        return_value=httpx.Response(
            400, json={"error": {"code": "invalid_argument", "message": "model or agent"}}
        )
    )
    with pytest.raises(BadRequestError) as caught:
        client.create({})
    assert caught.value.message == "HTTP 400: model or agent (invalid_argument)"


def test_error_body_with_an_int_code_and_status(api, client):
    api.post("/interactions").mock(
        return_value=error_body(400, "bad arg", label="INVALID_ARGUMENT")
    )
    with pytest.raises(BadRequestError) as caught:
        client.create({})
    assert caught.value.message == "HTTP 400: bad arg (INVALID_ARGUMENT)"


def test_html_error_page_is_reported_by_its_title(api, fake_clock):
    html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(502, text=html))
    with (
        InteractionsClient(api_key=TEST_KEY, max_retries=0, clock=fake_clock) as c,
        pytest.raises(ServerError) as caught,
    ):
        c.get(IID)
    assert caught.value.message == "HTTP 502: 502 Bad Gateway"


def test_empty_error_body(api, client):
    api.post("/interactions").mock(return_value=httpx.Response(404))
    with pytest.raises(NotFoundError, match="empty response body"):
        client.create({})


def test_unreadable_success_body_is_a_network_error(api, client):
    api.post("/interactions").mock(return_value=httpx.Response(200, text="<html>oops"))
    with pytest.raises(NetworkError) as caught:
        client.create({})
    assert caught.value.exit_code == 6


# -- lenient models ------------------------------------------------------------------------


def test_unknown_fields_step_types_and_statuses_survive(api, client):
    data = interaction(
        status="pondering",
        future_field={"x": 1},
        steps=[
            {"type": "hologram", "beam": 3},
            {"type": "model_output", "content": [{"type": "text", "text": "ok", "tone": "warm"}]},
        ],
    )
    api.get(f"/interactions/{IID}").mock(return_value=ok(data))
    got = client.get(IID)
    assert got.status == "pondering"
    assert got.data["future_field"] == {"x": 1}
    assert got.step_dicts[0] == {"type": "hologram", "beam": 3}
    assert got.output_text == "ok"


def test_malformed_known_fields_do_not_fail(api, client):
    data = {
        "id": IID,
        "status": "completed",
        "steps": [5, {"type": "model_output", "content": "not-a-list"}],
        "usage": "n/a",
    }
    api.get(f"/interactions/{IID}").mock(return_value=ok(data))
    got = client.get(IID)
    assert got.status == "completed" and got.data == data


# -- --debug tracing -----------------------------------------------------------------------


def test_trace_never_contains_the_key(api, fake_clock):
    lines: list[str] = []
    api.post("/interactions").mock(
        return_value=httpx.Response(
            400, json={"error": {"message": f"API key {TEST_KEY} not valid"}}
        )
    )
    with (
        InteractionsClient(api_key=TEST_KEY, clock=fake_clock, trace=lines.append) as c,
        pytest.raises(BadRequestError),
    ):
        c.create({"input": "hi"})
    trace = "\n".join(lines)
    assert "x-goog-api-key: <redacted>" in trace
    assert "POST https://generativelanguage.googleapis.com/v1/interactions" in trace
    assert TEST_KEY not in trace


def test_a_trickling_answer_is_cut_off_at_the_deadline(api, fake_clock):
    def trickle():
        for _ in range(100):
            fake_clock.advance(1)  # each byte arrives within the read timeout...
            yield b" "

    route = api.post("/interactions").mock(
        side_effect=lambda request: httpx.Response(200, content=trickle())
    )
    with (
        InteractionsClient(api_key=TEST_KEY, timeout=10, clock=fake_clock) as c,
        pytest.raises(TimeoutError_) as caught,
    ):
        c.create({"model": "m", "input": "x"})
    assert caught.value.exit_code == 6
    assert route.call_count == 1
    assert fake_clock.now - 1_000 <= 11  # ...but the whole answer must fit the deadline


# -- the deadline is a wall-clock bound, on the injected clock (issue 17.3) -----------------


def test_a_stalled_answer_is_cut_when_the_injected_clock_passes_the_deadline(scripted_server):
    """No per-read timeout fires (the server stalls with the socket open); the watchdog reads
    the injected clock, so the test moves time instead of waiting for it."""
    import threading

    from tests.scripted_server import Reply

    clock = FakeClock()
    arrived = threading.Event()

    def stall(_request):
        arrived.set()
        return Reply(200, body=[b"{}"], delay=60)

    scripted_server.handler = stall
    advance = threading.Thread(target=lambda: arrived.wait(10) and clock.advance(31))
    advance.start()
    with (
        InteractionsClient(
            api_key=TEST_KEY, base_url=scripted_server.url, timeout=30, max_retries=0, clock=clock
        ) as client,
        pytest.raises(TimeoutError_, match=r"gave up after the 30s deadline"),
    ):
        client.get(IID)
    advance.join()


def test_a_body_over_the_cap_is_never_held_whole(scripted_server):
    from tests.scripted_server import endless

    scripted_server.reply(200, body=endless(b"x" * 65536))
    with (
        InteractionsClient(
            api_key=TEST_KEY, base_url=scripted_server.url, max_response_bytes=1 << 20
        ) as client,
        pytest.raises(NetworkError, match=r"larger than 1 MiB") as caught,
    ):
        client.get(IID)
    assert caught.value.exit_code == 6


def test_a_short_key_does_not_redact_ordinary_text() -> None:
    short = InteractionsClient(api_key="k", base_url="https://x")
    assert short.redact("hint: keep looking") == "hint: keep looking"
    long = InteractionsClient(api_key="AIzaSecret123", base_url="https://x")
    assert long.redact("key=AIzaSecret123") == "key=<redacted>"


def test_errors_stay_readable_with_a_short_key(invoke, api, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "e")
    api.post("/interactions").mock(
        return_value=httpx.Response(
            400, json={"error": {"code": 400, "message": "the request was rejected"}}
        )
    )
    result = invoke(["create", "hi"])
    assert result.exit_code == 3, result.stderr
    assert "the request was rejected" in result.stderr


def test_server_text_in_errors_is_escaped(invoke, api, api_key) -> None:
    api.post("/interactions").mock(
        return_value=httpx.Response(
            400, json={"error": {"code": 400, "message": "bad\x1b[2J\x00thing\nhere"}}
        )
    )
    result = invoke(["create", "hi"])
    assert result.exit_code == 3
    assert "\x1b" not in result.stderr and "\x00" not in result.stderr
    assert "bad\\x1b[2J\\x00thing here" in result.stderr


def test_the_client_turns_an_invalid_url_into_a_usage_error():
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=interaction())

    transport = httpx.MockTransport(answer)
    client = InteractionsClient(api_key="k" * 10, transport=transport, max_retries=0)
    with pytest.raises(UsageError, match="cannot build the request URL") as raised:
        client.get("a" * 70_000)
    assert raised.value.exit_code == 2 and not sent  # a usage error (not 70), nothing sent
