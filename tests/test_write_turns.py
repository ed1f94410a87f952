"""On SQLite, a writer arriving while others commit back to back waits for those ahead of it
only: SQLite's own busy handler, polling, would let it lose race after race."""

import sys
import threading
import uuid

from sqlalchemy import insert

from glueprint.store.db import Database
from glueprint.store.schema import meta


def test_a_write_waits_only_for_the_writers_ahead_of_it(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/turns.db")
    db.migrate()
    commits, stop = [0], threading.Event()

    def hammer():
        while not stop.is_set():
            with db.write() as conn:
                conn.execute(insert(meta).values(key=uuid.uuid4().hex, value="v"))
                commits[0] += 1

    hammers = [threading.Thread(target=hammer) for _ in range(2)]
    for thread in hammers:
        thread.start()
    # Between reading the count and asking for its turn the test runs Python only: with no
    # switch forced meanwhile, no hammer commits in between, however the machine schedules it.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(60)
    try:
        waited = []
        for _ in range(5):
            asked = commits[0]
            with db.write() as conn:
                waited.append(commits[0] - asked)
                conn.execute(insert(meta).values(key=uuid.uuid4().hex, value="v"))
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        for thread in hammers:
            thread.join()
        db.dispose()
    assert max(waited) <= 3, waited  # the two hammers' turns, and one in progress
