"""What only the embedded backend has to keep: its data across restarts and kills, its outbox cursor, its
hold on the data directory, and clear errors when the directory cannot be used."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelyard_server.adapters.embedded.backend import SIGNING_KEY_FILE, open_embedded
from modelyard_server.adapters.embedded.database import (
    DATABASE_FILE,
    Database,
    DatabaseLocked,
    DataDirInUse,
    DataDirUnusable,
)
from modelyard_server.adapters.embedded.dead_letters import SqliteDeadLetters
from modelyard_server.adapters.embedded.schema import SchemaTooNew
from modelyard_server.domain.event_record import EventRecord
from tests.contract.conftest import Clock
from tests.contract.registry_driver import Driver, event_types
from tests.support.mounts import read_only

REPO = Path(__file__).resolve().parents[2]


def test_reopening_keeps_everything(tmp_path: Path) -> None:
    data = tmp_path / "data"
    clock = Clock()
    backend = open_embedded(data, now=clock.now)
    registry = Driver(backend, clock.now)
    registry.create_model("fraud")
    version = registry.ready_version("fraud", semver="1.0.0", tags={"team": "red"})
    registry.move("fraud", "stage", "production", version)
    backend.governance.put_registry_policy({"document": {"n": 1}}, 0, registry.audit())
    backend.notifications.put_config({"routes": []}, 0, registry.audit("notifications.set"))
    backend.parameter_store.set_parameter("/modelyard/notifications/slack", "https://hooks.example/x")
    backend.security.record_refusal(registry.event("fraud"), "outsider", 10, 90)
    key = (data / SIGNING_KEY_FILE).read_bytes()
    version = backend.versions.get_version("fraud", 1)
    backend.close()

    reopened = open_embedded(data, now=clock.now)
    try:
        assert reopened.versions.get_version("fraud", 1) == version
        assert reopened.versions.get_semver_claim("fraud", "1.0.0") == 1
        loaded = reopened.models.load_model("fraud")
        assert loaded is not None
        assert loaded.model.stages["production"].version == 1
        assert reopened.governance.get_registry_policy() == ({"document": {"n": 1}}, 1)
        assert reopened.notifications.get_config() == ({"routes": []}, 1)
        assert reopened.parameters.read_parameter("/modelyard/notifications/slack") == "https://hooks.example/x"
        assert len(reopened.security.list_refusals(10, None).items) == 1
        assert event_types(reopened, "fraud")[-1] == "model.pointer.promote"
        assert (data / SIGNING_KEY_FILE).read_bytes() == key  # URLs signed before a restart stay valid
    finally:
        reopened.close()


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from modelyard_server.adapters.embedded.backend import open_embedded
    from modelyard_server.adapters.embedded.database import utc_now
    from tests.contract.registry_driver import Driver

    backend = open_embedded(Path(sys.argv[1]))
    registry = Driver(backend, utc_now)
    registry.create_model("fraud")
    while True:
        version = registry.ready_version("fraud")
        print(version.version, flush=True)  # acknowledged: committed before this line
    """
)


def test_nothing_acknowledged_is_lost_when_the_process_is_killed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "lambdas")])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data)], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO
    )
    assert child.stdout is not None
    acknowledged = [int(child.stdout.readline()) for _ in range(25)]
    child.send_signal(signal.SIGKILL)
    child.wait()

    backend = open_embedded(data)  # the kernel released the dead server's lock
    try:
        for number in acknowledged:
            stored = backend.versions.get_version("fraud", number)
            assert stored is not None
            assert stored.status == "ready"
        assert event_types(backend, "fraud").count("model.version.ready") >= len(acknowledged)
    finally:
        backend.close()


def test_a_second_server_on_the_same_data_directory_fails_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = open_embedded(data)
    try:
        with pytest.raises(DataDirInUse, match=str(data)):
            open_embedded(data)
        first.versions.get_semver_claim("fraud", "1.0.0")  # the first one still works
    finally:
        first.close()
    open_embedded(data).close()  # released on close


def test_the_data_directory_is_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    open_embedded(data).close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / SIGNING_KEY_FILE).stat().st_mode) == 0o600


def test_a_file_where_the_data_directory_should_be_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("not a directory")
    with pytest.raises(DataDirUnusable, match="not a directory"):
        open_embedded(data)


def test_a_read_only_data_directory_is_a_clear_error_and_stays_intact(tmp_path: Path) -> None:
    data = tmp_path / "data"
    clock = Clock()
    backend = open_embedded(data, now=clock.now)
    Driver(backend, clock.now).create_model("fraud")
    backend.close()
    # a mount, not chmod: root ignores permission bits, not a read-only mount
    with read_only(data), pytest.raises(DataDirUnusable, match="read-only"):
        open_embedded(data)
    reopened = open_embedded(data)
    try:
        assert reopened.models.get_model("fraud") is not None
    finally:
        reopened.close()


def test_a_database_locked_by_another_process_is_a_clear_error_and_stays_intact(tmp_path: Path) -> None:
    data = tmp_path / "data"
    clock = Clock()
    backend = open_embedded(data, now=clock.now)
    Driver(backend, clock.now).create_model("fraud")
    backend.close()
    intruder = sqlite3.connect(data / DATABASE_FILE, isolation_level=None)
    intruder.execute("BEGIN IMMEDIATE")  # a backup tool, a sqlite3 shell holding the write lock
    try:
        with pytest.raises(DatabaseLocked, match="locked by another process"):
            Database(data, busy_timeout_ms=100)
    finally:
        intruder.execute("ROLLBACK")
        intruder.close()
    reopened = open_embedded(data)
    try:
        assert reopened.models.get_model("fraud") is not None
    finally:
        reopened.close()


def test_a_database_from_a_newer_modelyard_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    open_embedded(data).close()
    raw = sqlite3.connect(data / DATABASE_FILE)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(SchemaTooNew, match="upgrade modelyard"):
        open_embedded(data)
    with pytest.raises(SchemaTooNew):  # not DataDirInUse: the refused open released the directory
        open_embedded(data)


def test_the_outbox_publishes_every_event_in_order_at_least_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    clock = Clock()
    backend = open_embedded(data, now=clock.now)
    registry = Driver(backend, clock.now)
    registry.create_model("fraud")
    registry.ready_version("fraud")
    backend.security.record_refusal(registry.event("fraud", "registry.write.refused"), "outsider", 10, 90)
    published: list[EventRecord] = []
    attempts: list[str] = []

    def flaky(event: EventRecord) -> None:
        attempts.append(event.type)
        if len(attempts) == 2:
            raise ConnectionError("the bus is down")
        published.append(event)

    with pytest.raises(ConnectionError):
        backend.outbox.deliver_pending(flaky)
    assert [e.type for e in published] == ["model.created"]
    backend.close()

    backend = open_embedded(data, now=clock.now)  # the cursor is in the database
    try:
        assert backend.outbox.pending() == 2
        assert backend.outbox.deliver_pending(flaky, limit=1) == 1
        assert backend.outbox.deliver_pending(flaky) == 1
        assert backend.outbox.deliver_pending(flaky) == 0
        assert [e.type for e in published] == ["model.created", "model.version.registered", "model.version.ready"]
        assert attempts.count("model.version.registered") == 2  # retried after its failure, never skipped
        registry = Driver(backend, clock.now)
        registry.register("fraud")
        assert backend.outbox.deliver_pending(published.append) == 1
        assert published[-1].type == "model.version.registered"
    finally:
        backend.close()


def test_parameters_are_set_read_and_deleted(tmp_path: Path) -> None:
    backend = open_embedded(tmp_path / "data")
    try:
        assert backend.parameters.read_parameter("/x") is None
        backend.parameter_store.set_parameter("/x", "one")
        backend.parameter_store.set_parameter("/x", "two")
        assert backend.parameters.read_parameter("/x") == "two"
        backend.parameter_store.delete_parameter("/x")
        assert backend.parameters.read_parameter("/x") is None
    finally:
        backend.close()


@dataclass
class ClockedDeadLetters:
    db: Database
    letters: SqliteDeadLetters
    now: list[float]  # the queue's clock, epoch seconds: tests move it


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[ClockedDeadLetters]:
    db = Database(tmp_path / "data")
    now = [1000.0]
    try:
        yield ClockedDeadLetters(db, SqliteDeadLetters(db, visibility_timeout=30, clock=lambda: now[0]), now)
    finally:
        db.close()


def test_a_received_dead_letter_is_hidden_until_deleted_or_its_visibility_lapses(queue: ClockedDeadLetters) -> None:
    letters, now = queue.letters, queue.now
    letters.send({"event": "e-1"})
    letters.send({"event": "e-2"})
    first = list(letters.receive(1))
    assert [letter.body for letter in first] == [{"event": "e-1"}]
    assert [letter.body for letter in letters.receive(10)] == [{"event": "e-2"}]
    assert list(letters.receive(10)) == []
    now[0] += 31
    again = list(letters.receive(10))
    assert [letter.body for letter in again] == [{"event": "e-1"}, {"event": "e-2"}]
    letters.delete(first[0])  # a stale receipt: the letter was received again since
    now[0] += 31
    assert len(list(letters.receive(10))) == 2
    for letter in again:
        letters.delete(letter)
    now[0] += 31
    assert [letter.body for letter in letters.receive(10)] == [{"event": "e-1"}, {"event": "e-2"}]


def test_a_clock_set_back_hides_a_received_dead_letter_no_longer_than_its_visibility(queue: ClockedDeadLetters) -> None:
    """The machine's clock corrected an hour back: a letter received just before is back 30 s later, not an hour."""
    letters, now = queue.letters, queue.now
    letters.send({"event": "e-1"})
    assert [letter.body for letter in letters.receive(10)] == [{"event": "e-1"}]
    now[0] -= 3600
    assert list(letters.receive(10)) == []  # still hidden: it was received a moment ago
    now[0] += 31
    assert [letter.body for letter in letters.receive(10)] == [{"event": "e-1"}]


def test_dead_letters_expire_after_the_retention_sqs_gives_them(queue: ClockedDeadLetters) -> None:
    """The template's dead-letter queues keep a letter 14 days; the embedded queue must not grow forever."""
    letters, now = queue.letters, queue.now
    letters.send({"event": "old"})
    now[0] += 14 * 86400 - 1
    letters.send({"event": "recent"})
    assert [letter.body for letter in letters.receive(10)] == [{"event": "old"}, {"event": "recent"}]
    now[0] += 2  # the first letter is now older than 14 days
    letters.send({"event": "new"})
    with queue.db.read() as connection:
        stored = [json.loads(body) for (body,) in connection.execute("SELECT body FROM dead_letters ORDER BY id")]
    assert stored == [{"event": "recent"}, {"event": "new"}]
    assert [letter.body for letter in letters.receive(10)] == [{"event": "new"}]  # "recent" is still hidden


def test_dead_letters_kept_before_they_could_expire_are_kept_for_the_retention_from_the_upgrade(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path / "data")
    SqliteDeadLetters(db).send({"event": "kept"})
    db.close()
    raw = sqlite3.connect(db.path)
    raw.execute("DROP TABLE revoked_sessions")  # the database as schema 6 left it
    raw.execute("DROP INDEX dead_letters_by_age")
    raw.execute("ALTER TABLE dead_letters DROP COLUMN sent_at")
    raw.execute("PRAGMA user_version = 6")
    raw.commit()
    raw.close()

    db = Database(tmp_path / "data")
    try:
        letters = SqliteDeadLetters(db)
        assert [letter.body for letter in letters.receive(10)] == [{"event": "kept"}]
        with db.read() as connection:
            (sent_at,) = connection.execute("SELECT sent_at FROM dead_letters").fetchone()
        assert abs(sent_at - time.time()) < 60
    finally:
        db.close()


def test_governance_changes_never_enter_the_outbox(tmp_path: Path) -> None:
    """Only the models' events are published: a route of every event (`*`) gets no policy documents."""
    clock = Clock()
    backend = open_embedded(tmp_path / "data", now=clock.now)
    try:
        registry = Driver(backend, clock.now)
        registry.create_model("fraud")
        backend.governance.put_registry_policy({"document": {}}, 0, registry.audit())
        backend.notifications.put_config({"routes": []}, 0, registry.audit("notifications.set"))
        model_event = registry.event("fraud", "model.policy.set")
        backend.governance.put_model_policy(
            "fraud", {"document": {}}, 0, model_event, registry.audit("policy.model.set")
        )
        published: list[EventRecord] = []
        backend.outbox.deliver_pending(published.append)
        assert [event.type for event in published] == ["model.created", "model.policy.set"]
    finally:
        backend.close()
