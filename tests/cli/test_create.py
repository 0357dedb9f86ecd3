"""`gem create`: what is sent for each way of giving input and each request flag."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jsonschema
import pytest

from tests.helpers import FIXTURES, ok, sent_json
from tests.request.test_inputs import SAMPLES

SCHEMA = json.loads((FIXTURES / "schema" / "create-interaction-request.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def assert_valid_request(body):
    errors = sorted(VALIDATOR.iter_errors(body), key=str)
    assert not errors, errors[0].message


@pytest.fixture
def create(api, api_key):
    return api.post("/interactions").mock(return_value=ok())


def sent(invoke, create, args, **kwargs):
    result = invoke(["create", *args], **kwargs)
    assert result.exit_code == 0, result.stderr
    body = sent_json(create)
    assert_valid_request(body)
    return body


def test_prompt_words_become_a_plain_string_input(invoke, create):
    assert sent(invoke, create, ["Tell", "me", "a", "joke"]) == {
        "input": "Tell me a joke",
        "model": "gemini-3-flash-preview",
    }


def test_text_stdin_comes_before_the_words(invoke, create):
    body = sent(invoke, create, ["Summarise", "this"], input="report body\n")
    assert body["input"] == [
        {
            "type": "user_input",
            "content": [
                {"type": "text", "text": "report body\n"},
                {"type": "text", "text": "Summarise this"},
            ],
        }
    ]


def test_stdin_alone_is_the_prompt(invoke, create):
    assert sent(invoke, create, [], input="just stdin")["input"] == "just stdin"


def test_no_stdin_ignores_a_pipe(invoke, create):
    assert sent(invoke, create, ["--no-stdin", "hi"], input="ignored")["input"] == "hi"


def test_stdin_on_a_tty_is_not_read(invoke, create):
    body = sent(invoke, create, ["hi"], input="typed ahead", tty={"stdin_isatty": True})
    assert body["input"] == "hi"


def test_dash_reads_stdin_explicitly(invoke, create):
    body = sent(invoke, create, ["-", "--no-stdin"], input="explicit")
    assert body["input"] == "explicit"


def test_dash_refuses_a_terminal_stdin(invoke, create):
    result = invoke(["create", "-"], input="typed", tty={"stdin_isatty": True})
    assert result.exit_code == 2
    assert "PROMPT '-' reads stdin, but stdin is a terminal" in result.stderr
    assert not create.calls


def test_binary_stdin_becomes_an_inline_image(invoke, create):
    png = SAMPLES["image/png"]
    body = sent(invoke, create, ["What", "is", "this?"], input=png)
    assert body["input"][0]["content"][0] == {
        "type": "image",
        "mime_type": "image/png",
        "data": base64.b64encode(png).decode(),
    }


def test_pdf_stdin_becomes_a_document(invoke, create):
    body = sent(invoke, create, ["Summarise"], input=SAMPLES["application/pdf"])
    assert body["input"][0]["content"][0]["type"] == "document"


def test_unknown_binary_stdin_exits_2_with_a_hint(invoke, create):
    result = invoke(["create", "x"], input=b"\x00\x01\x02\xff\xfe")
    assert result.exit_code == 2
    assert "--mime-type" in result.stderr
    assert not create.called


def test_attach_is_repeatable(invoke, create, tmp_path: Path):
    png, notes = tmp_path / "a.png", tmp_path / "b.txt"
    png.write_bytes(SAMPLES["image/png"])
    notes.write_text("notes")
    body = sent(invoke, create, ["-a", str(png), "--attach", str(notes), "Compare"])
    assert [b["type"] for b in body["input"][0]["content"]] == ["image", "text", "text"]


def test_no_input_exits_2_without_waiting(invoke, create):
    result = invoke(["create"], tty={"stdin_isatty": True})
    assert result.exit_code == 2
    assert "no input" in result.stderr
    assert not create.called


def test_empty_pipe_and_no_words_exits_2(invoke, create):
    result = invoke(["create"], input="")
    assert result.exit_code == 2 and not create.called


def test_generation_flags(invoke, create):
    body = sent(
        invoke,
        create,
        [
            "--thinking",
            "low",
            "--thinking-summaries",
            "--max-tokens",
            "256",
            "--seed",
            "7",
            "--stop",
            "END",
            "--stop",
            "STOP",
            "--temperature",
            "0.5",
            "--top-p",
            "0.9",
            "hi",
        ],
    )
    assert body["generation_config"] == {
        "thinking_level": "low",
        "thinking_summaries": "auto",
        "max_output_tokens": 256,
        "seed": 7,
        "temperature": 0.5,
        "top_p": 0.9,
        "stop_sequences": ["END", "STOP"],
    }


def test_request_flags(invoke, create, api):
    # v1_prev is not in the local history: its settings are read back first (it has none)
    api.get("/interactions/v1_prev").mock(return_value=ok())
    body = sent(
        invoke,
        create,
        [
            "-m",
            "gemini-3.1-pro-preview",
            "-s",
            "Be brief",
            "-p",
            "v1_prev",
            "--background",
            "--label",
            "team=core",
            "--label",
            "env=dev",
            "hi",
        ],
    )
    assert body == {
        "model": "gemini-3.1-pro-preview",
        "input": "hi",
        "system_instruction": "Be brief",
        "previous_interaction_id": "v1_prev",
        "background": True,
        "labels": {"team": "core", "env": "dev"},
    }


def test_system_file(invoke, create, tmp_path: Path):
    path = tmp_path / "system.md"
    path.write_text("You are terse.")
    assert (
        sent(invoke, create, ["--system-file", str(path), "hi"])["system_instruction"]
        == "You are terse."
    )


def test_no_store(invoke, create):
    assert sent(invoke, create, ["--no-store", "hi"])["store"] is False


def test_agent_replaces_the_model(invoke, create):
    body = sent(
        invoke, create, ["--agent", "deep-research-preview-04-2026", "--background", "topic"]
    )
    assert body["agent"] == "deep-research-preview-04-2026" and "model" not in body


def test_body_file_with_flags_overriding(invoke, create, tmp_path: Path):
    spec = tmp_path / "body.json"
    spec.write_text(
        json.dumps(
            {
                "model": "gemini-2.5-flash",
                "input": "from file",
                "generation_config": {"seed": 1, "top_p": 0.5},
            }
        )
    )
    body = sent(invoke, create, ["--body", str(spec), "--seed", "2"])
    assert body == {
        "model": "gemini-2.5-flash",
        "input": "from file",
        "generation_config": {"seed": 2, "top_p": 0.5},
    }


def test_body_from_stdin_as_yaml(invoke, create):
    body = sent(
        invoke,
        create,
        ["--body", "-", "-m", "gemini-2.5-pro"],
        input="input: yaml prompt\nmodel: gemini-2.5-flash\n",
    )
    assert body == {"input": "yaml prompt", "model": "gemini-2.5-pro"}


def test_broken_body_file_exits_2(invoke, create, tmp_path: Path):
    spec = tmp_path / "body.yaml"
    spec.write_text("input: [unclosed\n")
    result = invoke(["create", "--body", str(spec)])
    assert result.exit_code == 2 and str(spec) in result.stderr
    assert not create.called


def test_set_values_are_json_when_they_parse(invoke, create):
    body = sent(
        invoke,
        create,
        [
            "--set",
            "generation_config.seed=7",
            "--set",
            "labels.note=hello",
            "--set",
            "store=false",
            "hi",
        ],
    )
    assert body["generation_config"] == {"seed": 7}
    assert body["labels"] == {"note": "hello"}
    assert body["store"] is False


# -- model selection -----------------------------------------------------------------------


def test_model_from_env(invoke, create, monkeypatch):
    monkeypatch.setenv("GEM_MODEL", "gemini-2.5-pro")
    assert sent(invoke, create, ["hi"])["model"] == "gemini-2.5-pro"


def test_model_flag_beats_env_and_config(invoke, create, monkeypatch, config_file):
    config_file.write_text("model: gemini-2.5-flash\n")
    assert sent(invoke, create, ["hi"])["model"] == "gemini-2.5-flash"
    monkeypatch.setenv("GEM_MODEL", "gemini-2.5-pro")
    assert sent(invoke, create, ["-m", "gemini-3.1-pro-preview", "hi"])["model"] == (
        "gemini-3.1-pro-preview"
    )


def test_aliases_resolve(invoke, create, config_file):
    config_file.write_text("aliases:\n  pro: gemini-3.1-pro-preview\n")
    assert sent(invoke, create, ["-m", "pro", "hi"])["model"] == "gemini-3.1-pro-preview"


def test_deprecated_model_is_substituted_with_a_warning(invoke, create):
    result = invoke(["create", "-m", "gemini-1.5-pro", "hi"])
    assert sent_json(create)["model"] == "gemini-3-flash-preview"
    warnings = [line for line in result.stderr.splitlines() if "deprecated" in line]
    assert len(warnings) == 1
    assert "gemini-1.5-pro" in warnings[0] and "gemini-3-flash-preview" in warnings[0]


def test_quiet_silences_the_warning_not_the_substitution(invoke, create):
    result = invoke(["create", "--quiet", "-m", "gemini-2.0-flash", "hi"])
    assert result.stderr == ""
    assert sent_json(create)["model"] == "gemini-3-flash-preview"


def test_deprecated_model_from_config_alias_is_substituted(invoke, create, config_file):
    config_file.write_text("aliases:\n  old: gemini-1.5-flash\n")
    assert sent(invoke, create, ["-m", "old", "hi"])["model"] == "gemini-3-flash-preview"


# -- dry run -------------------------------------------------------------------------------


def test_dry_run_prints_the_request_and_sends_nothing(invoke, create):
    result = invoke(["create", "--dry-run", "--seed", "3", "hi"])
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["method"] == "POST"
    assert shown["url"] == "https://generativelanguage.googleapis.com/v1/interactions"
    assert shown["headers"]["x-goog-api-key"] == "<redacted>"
    assert shown["body"] == {
        "input": "hi",
        "model": "gemini-3-flash-preview",
        "generation_config": {"seed": 3},
    }
    assert "test-key-123" not in result.stdout + result.stderr
    assert not create.called


def test_dry_run_without_a_key_still_works_and_hints(invoke, api):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", "--dry-run", "hi"])
    assert result.exit_code == 0
    assert "x-goog-api-key" not in json.loads(result.stdout)["headers"]
    assert "no API key" in result.stderr
    assert not route.called


def test_dry_run_uses_base_url_and_api_version(invoke, create):
    result = invoke(
        [
            "create",
            "--dry-run",
            "--base-url",
            "https://proxy.example/gl/",
            "--api-version",
            "v1beta",
            "hi",
        ]
    )
    assert json.loads(result.stdout)["url"] == "https://proxy.example/gl/v1beta/interactions"


def test_dry_run_refuses_plain_http_to_a_remote_host(invoke, create):
    result = invoke(["create", "--dry-run", "--base-url", "http://api.example.com", "hi"])
    assert result.exit_code == 2
    assert "plain http" in result.stderr


# -- --set edge cases and the file-name fallback (found missing by mutation testing) ------------


def dry_body(invoke, *args, **kwargs):
    result = invoke(["create", "--dry-run", *args], **kwargs)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["body"]


def test_set_model_sends_that_model_instead_of_the_default(invoke, create, monkeypatch):
    assert sent(invoke, create, ["--set", "model=gemini-x", "hi"])["model"] == "gemini-x"
    monkeypatch.setenv("GEM_MODEL", "gemini-2.5-pro")
    body = sent(invoke, create, ["-m", "gemini-2.5-flash", "--set", "model=gemini-x", "hi"])
    assert body["model"] == "gemini-x"  # --set applies last


def test_set_splits_at_the_first_equals_sign_only(invoke):
    body = dry_body(invoke, "--set", "k=a=b", "--set", "system_instruction==x=", "hi")
    assert body["k"] == "a=b"
    assert body["system_instruction"] == "=x="


UNSNIFFABLE = bytes([0, 1, 2, 3, 0x80, 0x81, 0xFA, 0xFB]) * 8  # no magic number, not text


def test_binary_attachment_of_unknown_bytes_takes_its_type_from_the_file_name(
    invoke, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    Path("blob.pdf").write_bytes(UNSNIFFABLE)
    body = dry_body(invoke, "--no-stdin", "-a", "blob.pdf", "what is it?")
    assert body["input"][0]["content"][0] == {
        "type": "document",
        "mime_type": "application/pdf",
        "data": base64.b64encode(UNSNIFFABLE).decode("ascii"),
    }
    # the name wins over --mime-type, which only says what an otherwise unknown file is
    body = dry_body(invoke, "--no-stdin", "--mime-type", "image/png", "-a", "blob.pdf", "x")
    assert body["input"][0]["content"][0]["mime_type"] == "application/pdf"


def test_binary_attachment_with_an_unhelpful_name_uses_mime_type_or_is_exit_2(
    invoke, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    Path("blob.bin").write_bytes(UNSNIFFABLE)
    body = dry_body(invoke, "--no-stdin", "--mime-type", "audio/wav", "-a", "blob.bin", "x")
    assert body["input"][0]["content"][0]["mime_type"] == "audio/wav"
    result = invoke(["create", "--dry-run", "--no-stdin", "-a", "blob.bin", "x"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "blob.bin: binary data of unknown type" in result.stderr
    assert "--mime-type" in result.stderr


def test_unknown_attachment_hint_and_mime_type_fallback(invoke, tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01\x02\x03binary")
    result = invoke(["create", "--dry-run", "-a", str(blob), "hi"])
    assert result.exit_code == 2
    assert "give the file a known extension" in result.stderr
    assert "))" not in result.stderr and "; hint: " in result.stderr
    given = invoke(["create", "--dry-run", "-a", str(blob), "--mime-type", "image/png", "hi"])
    assert given.exit_code == 0, given.stderr
    block = json.loads(given.stdout)["body"]["input"][0]["content"][0]
    assert block["type"] == "image" and block["mime_type"] == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        "héllo wörld".encode("utf-16"),
        "héllo wörld".encode("utf-8-sig"),
        "héllo wörld".encode("utf-32"),
    ],
)
def test_text_with_a_bom_is_text(invoke, data):
    result = invoke(["create", "--dry-run"], input=data)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["input"] == "héllo wörld"


def test_latin1_text_says_not_utf8(invoke):
    result = invoke(["create", "--dry-run"], input="café au lait\n".encode("latin-1"))
    assert result.exit_code == 2
    assert "not UTF-8 text" in result.stderr and "iconv -f latin1 -t utf-8" in result.stderr


def test_set_blames_body_or_set_for_tools(invoke):
    result = invoke(
        ["create", "--dry-run", "--set", 'tools=[{"a":1}]', "--set", "tools.-1.a=2", "hi"]
    )
    assert result.exit_code == 2
    assert "--body/--set tools" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--set", "model.x=1"],
        ["-m", "m", "--set", "model.x=1"],
        ["--set", "generation_config.seed=1", "--set", "generation_config.seed.x=2"],
    ],
)
def test_set_never_descends_into_a_non_object(invoke, args):
    result = invoke(["create", "--dry-run", *args, "hi"])
    assert result.exit_code == 2
    assert "not an object" in result.stderr


@pytest.mark.parametrize(
    "args, ok_",
    [
        (["--max-tokens", "-5"], False),
        (["--max-tokens", "0"], False),
        (["--max-tokens", "1"], True),
        (["--seed", "-3"], True),
        (["--temperature", "-0.1"], False),
        (["--temperature", "0"], True),
        (["--temperature", "nan"], False),
        (["--top-p", "1.5"], False),
        (["--top-p", "1"], True),
        (["--top-p", "-0.1"], False),
    ],
)
def test_generation_flags_ranges(invoke, args, ok_):
    result = invoke(["create", "--dry-run", *args, "hi"])
    assert (result.exit_code == 0) is ok_, result.stderr


def test_whitespace_only_stdin_is_no_input(invoke):
    assert invoke(["create", "--dry-run"], input=" \n\t\n").exit_code == 2
    result = invoke(["create", "--dry-run", "hi"], input="  \n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["body"]["input"] == "hi"


def test_an_empty_attachment_is_exit_2(invoke, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = invoke(["create", "--dry-run", "-a", str(empty), "hi"])
    assert result.exit_code == 2 and f"{empty}: is empty" in result.stderr


def test_body_dash_from_a_terminal_is_refused(invoke):
    result = invoke(["create", "--dry-run", "--body", "-", "hi"], tty={"stdin_isatty": True})
    assert result.exit_code == 2
    assert "stdin is a terminal: pipe the body in or give a file" in result.stderr


def test_body_dash_from_a_pipe_still_works(invoke, api, api_key):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", "--body", "-", "hi"], input='{"service_tier": "flex"}')
    assert result.exit_code == 0, result.stderr
    assert sent_json(route)["service_tier"] == "flex"


def test_set_into_a_missing_tools_list_is_exit_2(invoke, api_key):
    result = invoke(["create", "--dry-run", "--set", "tools.0.name=x", "hi"])
    assert result.exit_code == 2
    assert "there is no tools list yet (set tools=[...] first)" in result.stderr


EMU = ["--base-url", "emulator:"]


NOTE = "stdin was read as input too"


def test_stdin_read_with_prompt_words_is_said_once(invoke) -> None:
    result = invoke([*EMU, "create", "Summarise"], input="line two\nline three\n")
    assert result.exit_code == 0, result.output
    assert result.stderr.count(NOTE) == 1
    assert "--no-stdin" in result.stderr and "< /dev/null" in result.stderr
    tty = invoke([*EMU, "create", "Summarise"], input="x\n", tty={"stderr_isatty": True})
    assert NOTE in tty.stderr


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["-q", "Summarise"], "x\n"),  # muted
        (["--no-stdin", "Summarise"], "x\n"),  # not read
        (["-", "Summarise"], "x\n"),  # asked for
        ([], "only stdin\n"),  # no prompt words: stdin is the prompt
        (["Summarise"], ""),  # nothing was there to swallow
        (["Summarise"], "\n"),
    ],
)
def test_no_stdin_note_when_it_is_meant_or_muted(invoke, args, stdin) -> None:
    result = invoke([*EMU, "create", *args], input=stdin)
    assert result.exit_code == 0, result.output
    assert NOTE not in result.stderr


def test_the_note_keeps_json_stderr_clean(invoke) -> None:
    result = invoke([*EMU, "create", "--json", "Summarise"], input="x\n")
    assert result.exit_code == 0 and result.stderr == ""
