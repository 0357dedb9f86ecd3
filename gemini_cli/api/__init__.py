"""The Interactions API over httpx (never typer or rich): client, retries, errors, stream reader."""
