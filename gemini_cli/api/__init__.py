"""Wire-level helpers for the Interactions API: SSE decoding and event assembly."""
