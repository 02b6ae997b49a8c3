"""The audit log's hash chain and `peolc audit verify`: removals and alterations behind the database's back."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, connections, transaction

from peolc.cli import main
from peolc.core.audit import record_event, verify_chain
from peolc.core.models import AuditChainHead, AuditEvent, AuditLogIsAppendOnly


@pytest.fixture
def events(admin_user):
    return [record_event(admin_user, "test.event", object_type="thing", object_id=n, details={"n": n, "x": 1.5})
            for n in range(1, 6)]


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_event_is_chained_to_the_one_before(events):
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.position for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].previous_hash == "0" * 64
    assert all(later.previous_hash == earlier.hash for earlier, later in zip(stored, stored[1:], strict=False))
    head = AuditChainHead.objects.get()
    assert (head.position, head.hash) == (5, stored[-1].hash)


def test_verify_passes_on_an_untouched_log(events, capsys):
    assert main(["audit", "verify"]) == 0
    assert "Audit log OK: 5 event(s) chained" in capsys.readouterr().out


def test_verify_passes_on_an_empty_log(db, capsys):
    assert main(["audit", "verify"]) == 0
    assert "0 event(s)" in capsys.readouterr().out


def test_verify_names_a_removed_event(events, capsys, suspend_audit_protection):
    with suspend_audit_protection(connection):
        raw("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    assert main(["audit", "verify"]) == 1
    error = capsys.readouterr().err
    assert f"event {events[3].pk} is at chain position 4 but follows event {events[1].pk}" in error
    assert "1 event(s) removed before it" in error


def test_verify_names_an_altered_event(events, capsys, suspend_audit_protection):
    with suspend_audit_protection(connection):
        raw("UPDATE core_auditevent SET details = %s WHERE id = %s", ['{"n": 99, "x": 1.5}', events[1].pk])
    assert main(["audit", "verify"]) == 1
    assert f"event {events[1].pk} does not match its hash: the event was altered" in capsys.readouterr().err


def test_verify_detects_an_event_rewritten_with_a_fresh_hash(events, suspend_audit_protection):
    from peolc.core.audit_chain import event_hash

    forged = AuditEvent.objects.filter(pk=events[1].pk).values().get()
    forged["reason"] = "nothing to see"
    with suspend_audit_protection(connection):
        raw("UPDATE core_auditevent SET reason = %s, hash = %s WHERE id = %s",
            [forged["reason"], event_hash(forged), events[1].pk])
    report = verify_chain()
    assert not report.ok
    assert report.event_id == events[2].pk
    assert "does not link to" in report.problem


def test_verify_detects_events_removed_from_the_end(events, capsys, suspend_audit_protection):
    with suspend_audit_protection(connection):
        raw("DELETE FROM core_auditevent WHERE id >= %s", [events[3].pk])
    assert main(["audit", "verify"]) == 1
    error = capsys.readouterr().err
    assert "the chain head records 5 event(s)" in error
    assert f"ends at event {events[2].pk} (position 3): events removed from the end" in error


def test_verify_detects_an_event_inserted_outside_the_chain(events, suspend_audit_protection):
    latest = AuditEvent.objects.filter(pk=events[-1].pk).values().get()
    raw("INSERT INTO core_auditevent (event_id, occurred_at, actor_username, actor_organisation, actor_role, action, "
        "object_type, object_id, reason, request_id, details, position, previous_hash, hash) "
        "VALUES (%s, %s, 'x', '', '', 'forged', '', '', '', '', '{}', 6, %s, %s)",
        ["0d3c5f0e-0000-4000-8000-000000000000", latest["occurred_at"], latest["hash"], "f" * 64])
    report = verify_chain()
    assert not report.ok and "does not match its hash" in report.problem


def test_bulk_create_chains_the_events_in_order(events):
    AuditEvent.objects.bulk_create([AuditEvent(action="test.bulk", object_id=str(n)) for n in range(3)])
    assert list(AuditEvent.objects.filter(action="test.bulk").order_by("id").values_list("position", flat=True)) \
        == [6, 7, 8]
    assert verify_chain().ok


def test_bulk_create_refuses_to_merge_into_existing_events(events):
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.bulk_create([AuditEvent(action="test.bulk")], ignore_conflicts=True)


def test_odd_details_hash_the_same_after_the_database_round_trip(db):
    record_event(None, "test.odd", details={"big": 1e20, "whole": 2.0, "tuple": (1, "a"), 3: "int key",
                                            "text": "naïve — ✓", "nested": {"b": [None, True, 0.1]}})
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_queue_rather_than_fork_the_chain():
    """While one transaction holds the chain head, another's append waits, then chains to the first's event."""
    errors = []

    def append_from_another_connection():
        try:
            record_event(None, "test.second", system_actor="second")
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        record_event(None, "test.first", system_actor="first")
        other = threading.Thread(target=append_from_another_connection)
        other.start()
        time.sleep(0.3)  # let the other append reach the lock; the outcome does not depend on it
    other.join()
    assert errors == []
    assert list(AuditEvent.objects.order_by("position").values_list("action", "position")) == [
        ("test.first", 1), ("test.second", 2)]
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_existing_events_are_chained_in_id_order_by_the_migration():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before, after = [("core", "0003_organisation_registered_population")], [("core", "0004_audit_hash_chain")]
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before[0]).apps.get_model("core", "AuditEvent")
    for n in range(3):
        old.objects.create(action=f"old.{n}", details={"n": n})
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    try:
        executor.migrate(after)
        assert list(AuditEvent.objects.order_by("id").values_list("action", "position")) == [
            ("old.0", 1), ("old.1", 2), ("old.2", 3)]
        assert verify_chain().ok
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("DELETE FROM core_auditevent")
    finally:
        # Going back to 0003 also unapplied every later migration of every app: bring the database back up to date
        # for the tests that follow.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
