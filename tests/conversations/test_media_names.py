"""Media file names are the same in every command; -o checks the block count before downloading;
errors after a get say "interaction X" without claiming it was just created."""

from __future__ import annotations

from pathlib import Path

import httpx
import respx

from tests.conversations.conftest import Gem, last_id
from tests.conversations.test_remote_media import FILE_URI, FOREIGN, PNG, with_media
from tests.helpers import IID


def test_create_and_get_name_the_same_image_alike(gem: Gem, tmp_path: Path) -> None:
    created = gem("create", "--save", str(tmp_path / "c"), "[[mixed]] bake")
    assert created.exit_code == 0, created.stderr
    ident = last_id(gem)
    got = gem("get", ident, "--save", str(tmp_path / "g"))
    assert got.exit_code == 0, got.stderr
    names = [sorted(p.name for p in (tmp_path / d).iterdir()) for d in ("c", "g")]
    assert names[0] == names[1] == [f"{ident}-1.png"]


def test_o_with_several_blocks_downloads_none(
    invoke, api: respx.MockRouter, api_key: str, tmp_path: Path
) -> None:
    image = {"type": "image", "mime_type": "image/png", "uri": FILE_URI}
    data = with_media(image, dict(image))
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, json=data))
    route = api.get("/files/gen1:download").mock(return_value=httpx.Response(200, content=PNG))
    result = invoke(["get", IID, "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 1 and "-o takes one" in result.stderr
    assert not route.calls and "downloading" not in result.stderr


def test_a_failed_download_after_get_does_not_say_created(
    invoke, api: respx.MockRouter, api_key: str, tmp_path: Path
) -> None:
    image = {"type": "image", "mime_type": "image/png", "uri": FOREIGN}
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, json=with_media(image)))
    api.route(host="storage.example.com").mock(return_value=httpx.Response(404))
    result = invoke(["get", IID, "-o", str(tmp_path / "x.png"), "--max-retries", "0"])
    assert result.exit_code != 0 and f"interaction {IID}" in result.stderr
    assert "was created" not in result.stderr
