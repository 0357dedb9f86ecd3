"""Every row of the exit-code table, as a script sees it."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.helpers import IID, error_body, interaction, ok


@pytest.fixture
def get_route(api, api_key):
    return api.get(f"/interactions/{IID}")


def test_0_success(invoke, get_route):
    get_route.mock(return_value=ok())
    assert invoke(["get", IID]).exit_code == 0


def test_1_interaction_failed(invoke, get_route):
    get_route.mock(
        return_value=ok(
            interaction(
                status="failed",
                text=None,
                errors=[{"code": "internal", "message": "model crashed"}],
            )
        )
    )
    result = invoke(["get", IID])
    assert result.exit_code == 1
    assert "failed" in result.stderr and "model crashed" in result.stderr


@pytest.mark.parametrize(
    "args", [["create", "--max-tokens", "many", "hi"], ["create", "--no-such-flag", "hi"], ["get"]]
)
def test_2_usage_error(invoke, api, api_key, args):
    result = invoke(args)
    assert result.exit_code == 2
    assert result.stderr.startswith("gem: error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not api.calls


def test_2_bad_local_input(invoke, api, api_key, tmp_path):
    result = invoke(["create", "-a", str(tmp_path / "missing.pdf"), "hi"])
    assert result.exit_code == 2 and "missing.pdf" in result.stderr


@pytest.mark.parametrize("status", [400, 404, 409, 422, 418])
def test_3_api_refused(invoke, get_route, status):
    get_route.mock(return_value=error_body(status, "refused"))
    result = invoke(["get", IID])
    assert result.exit_code == 3
    assert f"HTTP {status}" in result.stderr
    assert get_route.call_count == 1


def test_4_no_key(invoke, api):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", "hi"])
    assert result.exit_code == 4
    assert "GEMINI_API_KEY" in result.stderr
    assert not route.called


@pytest.mark.parametrize("status", [401, 403])
def test_4_key_refused(invoke, get_route, status):
    get_route.mock(return_value=error_body(status, "API key not valid"))
    assert invoke(["get", IID]).exit_code == 4


def test_5_rate_limited_after_retries(invoke, get_route, fake_clock):
    get_route.mock(return_value=error_body(429, "quota", label="RESOURCE_EXHAUSTED"))
    result = invoke(["get", IID])
    assert result.exit_code == 5
    assert get_route.call_count == 5
    assert len(fake_clock.sleeps) == 4


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500),
        httpx.Response(503),
        httpx.Response(502, text="<title>Bad</title>"),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ],
)
def test_6_unavailable_after_retries(invoke, get_route, fake_clock, response):
    get_route.mock(side_effect=[response] * 5)
    result = invoke(["get", IID])
    assert result.exit_code == 6
    assert get_route.call_count == 5


def test_6_unreadable_response(invoke, get_route):
    get_route.mock(return_value=httpx.Response(200, text="not json"))
    result = invoke(["get", IID])
    assert result.exit_code == 6 and "unreadable" in result.stderr


def test_6_deadline(invoke, get_route, fake_clock):
    get_route.mock(return_value=httpx.Response(503, headers={"Retry-After": "5"}))
    result = invoke(["get", IID, "--timeout", "5"])
    assert result.exit_code == 6
    assert "deadline" in result.stderr


@pytest.mark.parametrize("status", ["cancelled", "incomplete", "budget_exceeded"])
def test_7_stopped(invoke, get_route, status):
    get_route.mock(return_value=ok(status=status, text="partial"))
    result = invoke(["get", IID])
    assert result.exit_code == 7
    assert result.stdout == "partial\n"
    assert status in result.stderr


def test_9_requires_action(invoke, get_route):
    get_route.mock(
        return_value=ok(
            interaction(
                status="requires_action",
                text=None,
                steps=[
                    {"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {}}
                ],
            )
        )
    )
    result = invoke(["get", IID])
    assert result.exit_code == 9
    assert "get_weather" in result.stderr


def test_70_internal_error(invoke, get_route, monkeypatch):
    get_route.mock(return_value=ok())

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("gemini_cli.render.report.print_answer", broken)
    result = invoke(["get", IID])
    assert result.exit_code == 70
    assert result.stderr.count("\n") == 1
    assert "a bug" in result.stderr and "run with --debug" in result.stderr
    assert "Traceback" not in result.stderr


def test_70_with_debug_shows_the_traceback(invoke, get_route, monkeypatch):
    get_route.mock(return_value=ok())
    monkeypatch.setattr(
        "gemini_cli.render.report.print_answer",
        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("a bug")),
    )
    result = invoke(["get", IID, "--debug"])
    assert result.exit_code == 70 and "Traceback" in result.stderr


def test_130_interrupted(invoke, get_route, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("gemini_cli.api.client.InteractionsClient.get", interrupted)
    result = invoke(["get", IID])
    assert result.exit_code == 130
    assert result.stderr == "gem: error: interrupted\n"


def test_error_with_json_format_is_one_json_object_on_stderr(invoke, get_route):
    get_route.mock(return_value=error_body(404, "no such interaction", label="NOT_FOUND"))
    result = invoke(["get", IID, "--format", "json"])
    assert result.exit_code == 3
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    error = json.loads(line)["error"]
    assert error == {
        "exit_code": 3,
        "type": "not_found",
        "message": "HTTP 404: no such interaction (NOT_FOUND)",
        "http_status": 404,
        "interaction_id": IID,
    }


def test_usage_error_with_json_is_json_too(invoke, api, api_key):
    result = invoke(["create", "--json"], tty={"stdin_isatty": True})
    assert result.exit_code == 2
    error = json.loads(result.stderr)["error"]
    assert error["exit_code"] == 2 and error["type"] == "usage"


def test_click_usage_error_with_json_is_json_too(invoke, api, api_key):
    result = invoke(["create", "--json", "--bogus"])
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["type"] == "usage"


def test_error_messages_stay_on_one_line(invoke, get_route):
    get_route.mock(return_value=error_body(400, "line one\nline two\n\nline three"))
    result = invoke(["get", IID])
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "line one line two line three" in result.stderr


def test_130_with_json_is_a_json_error(invoke, get_route, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("gemini_cli.api.client.InteractionsClient.get", interrupted)
    result = invoke(["get", IID, "--json"])
    assert result.exit_code == 130
    assert json.loads(result.stderr)["error"]["type"] == "interrupted"


@pytest.mark.parametrize(
    ("broken_part", "args"),
    [
        # gem's own parser (cli/fastpath.py) takes this command line
        ("gemini_cli.cli.fastpath._parse", ["--timeout", "5", "get", IID]),
        # Typer parses this one (gem's parser does not know --bogus)
        ("gemini_cli.cli.typer_compat.install_plain_coercion", ["get", "--bogus", IID]),
    ],
)
def test_70_for_a_bug_outside_any_command(invoke, monkeypatch, broken_part, args):
    def broken(*args, **kwargs):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(broken_part, broken)
    result = invoke(args)
    assert result.exit_code == 70
    assert result.stderr == (
        "gem: internal error: RuntimeError: parser bug (run with --debug for details)\n"
    )


def test_gem_format_json_makes_errors_json_too(invoke, get_route, monkeypatch):
    monkeypatch.setenv("GEM_FORMAT", "json")
    get_route.mock(return_value=error_body(404, "gone"))
    result = invoke(["get", IID])
    assert json.loads(result.stderr)["error"]["http_status"] == 404


def test_a_local_protocol_error_never_prints_its_text(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(
        side_effect=httpx.LocalProtocolError("Illegal header value b'SECRET-KEY\\nlogin: me'")
    )
    result = invoke(["get", IID])
    assert result.exit_code == 6
    assert "invalid request header" in result.stderr and "SECRET" not in result.stderr
    assert len(api.calls) == 1  # gem's own malformed request: not retried


def test_a_body_that_cannot_be_decoded_is_exit_6(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(
            200, stream=httpx.ByteStream(b"notgzip"), headers={"content-encoding": "gzip"}
        )
    )
    result = invoke(["get", IID])
    assert result.exit_code == 6
    assert "unreadable response" in result.stderr


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("gemini_cli.cli.fastpath", ["create", "hi"]),  # gem's own parser
        ("gemini_cli.cli.app", ["create", "--bogus", "hi"]),  # Typer (gem's parser is unsure)
    ],
)
def test_an_interrupt_before_the_app_runs_is_130_without_traceback(
    monkeypatch, capsys, module, args
):
    import builtins

    from gemini_cli.cli import main as entry

    real_import = builtins.__import__

    def interrupted_import(name, globals=None, locals=None, fromlist=(), level=0):
        if module in (name, *(f"{name}.{item}" for item in fromlist or ())):
            raise KeyboardInterrupt
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", interrupted_import)
    assert entry.main(args) == 130
    assert capsys.readouterr().err == "gem: error: interrupted\n"


def test_a_redirect_names_its_location(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(301, headers={"location": "https://elsewhere.example/v1/x"})
    )
    result = invoke(["get", IID])
    assert result.exit_code == 3
    assert "redirected to https://elsewhere.example/v1/x" in result.stderr
    assert "--base-url" in result.stderr


def test_ctrl_c_while_options_are_parsed_still_says_so(invoke, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("gemini_cli.cli.typer_compat.install_plain_coercion", interrupted)
    result = invoke(["history"])
    assert result.exit_code == 130
    assert result.stderr == "gem: error: interrupted\n"


def test_sigterm_while_typer_parses_the_options_is_143(invoke, monkeypatch):
    from gemini_cli.cli import terminate

    def terminated(*_args, **_kwargs):
        terminate.RECEIVED[0] = True  # what the SIGTERM handler does before raising
        raise terminate.Terminated

    monkeypatch.setattr(terminate, "RECEIVED", [False])
    monkeypatch.setattr("gemini_cli.cli.typer_compat.install_plain_coercion", terminated)
    result = invoke(["history"])
    assert (result.exit_code, result.stderr) == (143, "gem: error: terminated\n")


def test_ctrl_c_in_a_command_is_reported_once(invoke, api_key, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("gemini_cli.api.client.InteractionsClient.get", interrupted)
    result = invoke(["get", IID])
    assert (result.exit_code, result.stderr) == (130, "gem: error: interrupted\n")


def test_a_deeply_nested_error_body_keeps_its_status(invoke, api, api_key):
    deep = '{"error": {"message": "m", "details": ' + "[" * 50000 + "]" * 50000 + "}}"
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(400, text=deep))
    result = invoke(["get", IID])
    assert result.exit_code == 3
    assert "HTTP 400" in result.stderr
