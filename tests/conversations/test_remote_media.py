"""Media given as a `uri` is downloaded when saved; the key goes only to the API's own host."""

from __future__ import annotations

from pathlib import Path

import httpx
import respx

from tests.helpers import API_ROOT, IID, interaction

PNG = b"\x89PNG\r\n\x1a\nfake"
FILE_URI = f"{API_ROOT}/files/gen1"
FOREIGN = "https://storage.example.com/signed/chart.png?sig=abc"


def with_media(*blocks: dict) -> dict:
    data = interaction(text="Here.")
    data["steps"][0]["content"] += list(blocks)
    return data


def test_save_downloads_uri_media_with_the_key_only_on_the_api_host(
    invoke, api: respx.MockRouter, api_key: str, tmp_path: Path
) -> None:
    image = {"type": "image", "mime_type": "image/png", "uri": FILE_URI}
    video = {"type": "video", "mime_type": "video/mp4", "uri": FOREIGN}
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(200, json=with_media(image, video))
    )
    own = api.get("/files/gen1:download", params={"alt": "media"}).mock(
        return_value=httpx.Response(200, content=PNG)
    )
    foreign = api.route(host="storage.example.com", path="/signed/chart.png").mock(
        return_value=httpx.Response(200, content=b"MP4")
    )
    result = invoke(["get", IID, "--save", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    assert own.calls[0].request.headers["x-goog-api-key"] == api_key
    assert "x-goog-api-key" not in foreign.calls[0].request.headers
    saved = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert saved == [f"{IID}-1.png", f"{IID}-2.mp4"]
    assert (tmp_path / "out" / f"{IID}-1.png").read_bytes() == PNG
    assert result.stdout == "Here.\n"


def test_o_writes_a_downloaded_block_and_a_failed_download_is_exit_1(
    invoke, api: respx.MockRouter, api_key: str, tmp_path: Path
) -> None:
    image = {"type": "image", "mime_type": "image/png", "uri": FILE_URI}
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, json=with_media(image)))
    route = api.get("/files/gen1:download").mock(return_value=httpx.Response(200, content=PNG))
    result = invoke(["get", IID, "-o", "-"])
    assert result.exit_code == 0 and result.stdout_bytes == PNG
    route.mock(return_value=httpx.Response(404, json={"error": {"message": "gone"}}))
    failed = invoke(["get", IID, "-o", str(tmp_path / "x.png"), "--max-retries", "0"])
    assert failed.exit_code != 0 and not (tmp_path / "x.png").exists()


def test_a_gs_uri_is_only_reported(invoke, api: respx.MockRouter, api_key: str, tmp_path) -> None:
    video = {"type": "video", "mime_type": "video/mp4", "uri": "gs://bucket/v.mp4"}
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, json=with_media(video)))
    result = invoke(["get", IID, "--save", str(tmp_path)])
    assert result.exit_code == 0 and "gem: media at gs://bucket/v.mp4" in result.stderr


def test_the_key_goes_only_to_the_api_host_on_real_sockets(
    invoke, scripted_server, api_key: str, tmp_path: Path
) -> None:
    """One loopback server, two names: 127.0.0.1 is the API, localhost poses as another host
    (same port, other origin), which also redirects back to the API: never with the key."""
    import json

    from tests.scripted_server import Reply, Request

    api = scripted_server.url
    other = api.replace("127.0.0.1", "localhost")
    blocks = [
        {"type": "image", "mime_type": "image/png", "uri": f"{api}/v1/files/gen1"},
        {"type": "image", "mime_type": "image/png", "uri": f"{other}/img.png"},
        {"type": "image", "mime_type": "image/png", "uri": f"{other}/moved"},
    ]

    def answer(request: Request) -> Reply:
        if request.path.startswith(f"/v1/interactions/{IID}"):
            body = json.dumps(with_media(*blocks)).encode()
            return Reply(200, headers={"Content-Type": "application/json"}, body=body)
        if request.path == "/moved":
            return Reply(302, headers={"Location": f"{api}/v1/files/gen1:download?alt=media"})
        return Reply(200, headers={"Content-Type": "image/png"}, body=PNG)

    scripted_server.handler = answer
    result = invoke(["--base-url", api, "get", IID, "--save", str(tmp_path / "media")])
    assert result.exit_code == 0, result.stderr
    keyed = [
        (r.header("host"), r.path, r.header("x-goog-api-key")) for r in scripted_server.requests
    ]
    port = api.rsplit(":", 1)[1]
    assert keyed == [
        (f"127.0.0.1:{port}", f"/v1/interactions/{IID}?stream=false", api_key),
        (f"127.0.0.1:{port}", "/v1/files/gen1:download?alt=media", api_key),
        (f"localhost:{port}", "/img.png", None),
        (f"localhost:{port}", "/moved", None),
        (f"127.0.0.1:{port}", "/v1/files/gen1:download?alt=media", None),
    ]
    assert len(list((tmp_path / "media").iterdir())) == 3 and api_key not in result.stderr
