"""Building a request: local input, mime types, blocks, the body, response formats, tools."""
