"""Tests for gemini_cli.api."""
