"""Builders for API payloads used across the CLI and library tests."""

from __future__ import annotations

import errno
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
API_ROOT = "https://generativelanguage.googleapis.com/v1"
INTERACTIONS = f"{API_ROOT}/interactions"
IID = "v1_abc123"


def interaction(
    status: str = "completed", text: str | None = "Hello there.", ident: str = IID, **extra: Any
) -> dict[str, Any]:
    """An interaction resource; `text` becomes one model_output text block."""
    data: dict[str, Any] = {"id": ident, "status": status, "model": "gemini-3-flash-preview"}
    if text is not None:
        data["steps"] = [{"type": "model_output", "content": [{"type": "text", "text": text}]}]
    data.update(extra)
    return data


def ok(data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
    return httpx.Response(200, json=interaction(**kwargs) if data is None else data)


def error_body(
    status: int, message: str = "boom", code: Any = None, label: str | None = None
) -> httpx.Response:
    error: dict[str, Any] = {"code": code if code is not None else status, "message": message}
    if label:
        error["status"] = label
    return httpx.Response(status, json={"error": error})


def sent_json(route: Any, index: int = -1) -> Any:
    """The JSON body of a call a respx route received."""
    return json.loads(route.calls[index].request.content)


def fixture_text(name: str) -> str:
    return (FIXTURES / "api" / name).read_text(encoding="utf-8")


class FullDevice:
    """A stdout like /dev/full: every write fails with ENOSPC."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def load_script(name: str) -> ModuleType:
    """Import scripts/NAME.py (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"gem_scripts_{name}", ROOT / "scripts" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
