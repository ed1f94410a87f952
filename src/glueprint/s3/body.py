"""A request body as it arrives: aws-chunked framing removed, chunk signatures checked, and
the digests the client claimed (x-amz-content-sha256, Content-MD5, x-amz-checksum-* in a
header or a trailer) compared once the last byte is in. Nothing is held whole in memory.
"""

import base64
import hashlib
import zlib

from .auth import SIGNED_CHUNKS, UNSIGNED_CHUNKS, ChunkSigning
from .errors import S3Error

# Checksums glueprint can compute with the standard library; others are stored unchecked.
_CHECKSUMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
MAX_LINE = 4096


class _Crc32:
    def __init__(self):
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = zlib.crc32(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")


def _checksum(name: str):
    return _Crc32() if name == "crc32" else _CHECKSUMS[name]()


class _Chunks:
    """aws-chunked decoding: ``<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n`` ... a
    zero-size chunk, then trailer lines and an empty line."""

    def __init__(self, signing: ChunkSigning | None):
        self.signing = signing
        self.buffer = bytearray()
        self.remaining = -1  # bytes of the current chunk still to come; -1: a size line is next
        self.signature = ""
        self.chunk_hash = None
        self.trailers: dict[str, str] = {}
        self.state = "size"

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        out = []
        while self.buffer:
            if self.state == "data":
                piece = bytes(self.buffer[: self.remaining])
                del self.buffer[: len(piece)]
                self.remaining -= len(piece)
                if self.chunk_hash is not None:
                    self.chunk_hash.update(piece)
                out.append(piece)
                if self.remaining == 0:
                    self.state = "crlf"
                continue
            line = self._line()
            if line is None:
                break
            if self.state == "crlf":
                if line:
                    raise S3Error("IncompleteBody", "An aws-chunked chunk is longer than its size says.")
                self._end_chunk()
                self.state = "size"
            elif self.state == "size":
                self._start_chunk(line)
            elif self.state == "trailer":
                if not line:
                    self.state = "done"
                else:
                    name, _, value = line.partition(":")
                    self.trailers[name.strip().lower()] = value.strip()
            else:
                raise S3Error("IncompleteBody", "Bytes follow the end of the aws-chunked body.")
        return out

    def _line(self) -> str | None:
        end = self.buffer.find(b"\r\n")
        if end < 0:
            if len(self.buffer) > MAX_LINE:
                raise S3Error("IncompleteBody", "An aws-chunked line is too long.")
            return None
        line = bytes(self.buffer[:end]).decode("latin-1")
        del self.buffer[: end + 2]
        return line

    def _start_chunk(self, line: str) -> None:
        size, _, extension = line.partition(";")
        try:
            self.remaining = int(size, 16)
        except ValueError:
            raise S3Error("IncompleteBody", f"Bad aws-chunked size line {line[:80]!r}.") from None
        self.signature = extension.partition("chunk-signature=")[2]
        if self.signing is not None and not self.signature:
            raise S3Error("SignatureDoesNotMatch", "An aws-chunked chunk has no chunk-signature.")
        self.chunk_hash = hashlib.sha256() if self.signing is not None else None
        if self.remaining == 0:
            self._end_chunk()
            self.state = "trailer"
        else:
            self.state = "data"

    def _end_chunk(self) -> None:
        if self.signing is not None:
            self.signing.check(self.signature, self.chunk_hash.hexdigest())

    def finish(self) -> None:
        if self.state not in ("trailer", "done") or self.buffer:
            raise S3Error("IncompleteBody", "The aws-chunked body ended before its final chunk.")


class Body:
    def __init__(self, receive, headers):
        self.receive = receive
        self.headers = headers
        self.size = 0
        self.consumed = headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers
        self.md5 = hashlib.md5(usedforsecurity=False) if "content-md5" in headers else None
        self.checksums = {}
        trailer = headers.get("x-amz-trailer", "").lower()
        for name in ("crc32", "sha1", "sha256"):
            if f"x-amz-checksum-{name}" in headers or trailer == f"x-amz-checksum-{name}":
                self.checksums[name] = _checksum(name)
        self.signed_by(None)

    def signed_by(self, chunk_signing: ChunkSigning | None) -> None:
        """Check the body's chunk signatures with this, once the request's signature is checked."""
        self.payload = self.headers.get("x-amz-content-sha256") or ""
        chunked = "aws-chunked" in self.headers.get("content-encoding", "") or self.payload in (*SIGNED_CHUNKS, UNSIGNED_CHUNKS)
        self.chunks = _Chunks(chunk_signing) if chunked else None
        self.sha256 = hashlib.sha256() if len(self.payload) == 64 else None

    async def __aiter__(self):
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise S3Error("IncompleteBody", "The client closed the connection before the body ended.")
            data = message.get("body", b"")
            if data:
                if self.sha256 is not None:
                    self.sha256.update(data)  # the claim covers the body as sent, framing and all
                for piece in self.chunks.feed(data) if self.chunks else [data]:
                    self._count(piece)
                    yield piece
            if not message.get("more_body", False):
                break
        self.consumed = True
        self._check()

    async def read(self, limit: int) -> bytes:
        data = bytearray()
        async for piece in self:
            data += piece
            if len(data) > limit:
                raise S3Error("InvalidRequest", f"The request body is larger than {limit} bytes.")
        return bytes(data)

    def _count(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.md5 is not None:
            self.md5.update(piece)
        for digest in self.checksums.values():
            digest.update(piece)

    def _check(self) -> None:
        if self.chunks is not None:
            self.chunks.finish()
            declared = self.headers.get("x-amz-decoded-content-length")
            if declared is not None and declared != str(self.size):
                raise S3Error(
                    "IncompleteBody", f"The body holds {self.size} bytes; x-amz-decoded-content-length says {declared}."
                )
        if self.sha256 is not None and self.sha256.hexdigest() != self.payload:
            raise S3Error(
                "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."
            )
        if self.md5 is not None:
            claimed = self.headers["content-md5"]
            try:
                expected = base64.b64decode(claimed, validate=True)
            except ValueError:
                raise S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.") from None
            if expected != self.md5.digest():
                raise S3Error("BadDigest", "The Content-MD5 you specified did not match what we received.")
        trailers = self.chunks.trailers if self.chunks else {}
        for name, digest in self.checksums.items():
            claimed = self.headers.get(f"x-amz-checksum-{name}") or trailers.get(f"x-amz-checksum-{name}", "")
            if claimed != base64.b64encode(digest.digest()).decode():
                raise S3Error("BadDigest", f"The {name.upper()} you specified did not match the calculated checksum.")
