"""Values offered by shell completion: current model ids plus the user's aliases."""

KNOWN_MODELS = (
    "gemini-3-flash-preview",
    "gemini-3.1-pro-preview",
    "gemini-3.1-flash-lite-preview",
    "gemini-3-pro-image-preview",
    "gemini-3.1-flash-image-preview",
    "gemini-3.1-flash-tts-preview",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemma-4-31b-it",
    "gemma-4-26b-a4b-it",
)


def model_ids() -> list[str]:
    aliases: list[str] = []
    try:
        from gemini_cli.settings.config import load_config_file
        from gemini_cli.settings.paths import config_path

        aliases = sorted((load_config_file(config_path()).get("aliases") or {}).keys())
    except Exception:  # noqa: BLE001 - completion must never fail because of a bad config
        aliases = []
    return [*aliases, *KNOWN_MODELS]
