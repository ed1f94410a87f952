"""Lake Formation transactions as a job script uses them (``start_transaction``, a sink's
``transactionId``, ``commit_transaction``, ``cancel_transaction``), kept by the script itself:
glueprint has no Lake Formation service, so a transaction lives as long as its script.

What a transactional sink writes is S3 objects at once (readers see them before the commit,
unlike a governed table's readers); its catalog changes wait for the commit, and a cancel
deletes the objects it wrote, as Lake Formation's DeleteObjectsOnCancel does.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class TransactionError(ValueError):
    pass


@dataclass
class Transaction:
    read_only: bool
    written: list[tuple[str, str]] = field(default_factory=list)  # (bucket, key) of each object written
    on_commit: list[Callable[[], None]] = field(default_factory=list)


class Transactions:
    def __init__(self):
        self._open: dict[str, Transaction] = {}

    def start(self, read_only: bool) -> str:
        transaction_id = uuid.uuid4().hex
        self._open[transaction_id] = Transaction(bool(read_only))
        return transaction_id

    def writable(self, transaction_id: str) -> Transaction:
        transaction = self._open.get(transaction_id)
        if transaction is None:
            raise TransactionError(f"transaction {transaction_id!r} is not open (never started, or committed or cancelled)")
        if transaction.read_only:
            raise TransactionError(f"transaction {transaction_id!r} is read-only: a sink cannot write in it")
        return transaction

    def commit(self, transaction_id: str) -> bool:
        transaction = self._take(transaction_id)
        for change in transaction.on_commit:
            change()
        return True

    def cancel(self, transaction_id: str) -> None:
        import boto3

        transaction = self._take(transaction_id)
        s3 = boto3.client("s3")
        by_bucket: dict[str, list[dict]] = {}
        for bucket, key in transaction.written:
            by_bucket.setdefault(bucket, []).append({"Key": key})
        for bucket, objects in by_bucket.items():
            for start in range(0, len(objects), 1000):  # DeleteObjects takes 1 000 keys a call
                s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start : start + 1000], "Quiet": True})

    def _take(self, transaction_id: str) -> Transaction:
        transaction = self._open.pop(transaction_id, None)
        if transaction is None:
            raise TransactionError(f"transaction {transaction_id!r} is not open (never started, or committed or cancelled)")
        return transaction


def object_keys(path: str) -> set[tuple[str, str]]:
    """The (bucket, key) of every object under an s3:// folder, through the S3 API the
    script's own calls use."""
    import boto3

    parts = urlsplit(path)
    prefix = parts.path.lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    s3, found = boto3.client("s3"), set()
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=parts.netloc, Prefix=prefix):
            found.update((parts.netloc, o["Key"]) for o in page.get("Contents", []))
    except s3.exceptions.NoSuchBucket:
        pass
    return found
