"""Baseline (a): the smallest uvicorn ASGI app answering a POST with fixed bytes.

It does no parsing, no database and no serialization: the practical ceiling for one uvicorn
process on this machine. The bytes and headers come from a real glueprint response.
"""

import os
from pathlib import Path

BODY = Path(os.environ["BARE_BODY_FILE"]).read_bytes()
HEADERS = [
    (b"content-type", b"application/x-amz-json-1.1"),
    (b"x-amzn-requestid", b"00000000-0000-0000-0000-000000000000"),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
