"""The AWS JSON 1.1 wire layer: everything that knows about HTTP, headers and JSON text."""
