"""gem: the Gemini Interactions API from the shell."""

__version__ = "0.1.0"
