import pytest
from django.db import DatabaseError, connection, transaction

from peolc.core.audit import record_event
from peolc.core.models import AuditEvent, AuditLogIsAppendOnly


@pytest.fixture
def event(admin_user):
    return record_event(admin_user, "test.event", object_type="thing", object_id=42, details={"a": 1})


def test_an_event_copies_who_what_and_where(event, admin_user):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_username == "admin"
    assert stored.actor_id == admin_user.pk
    assert stored.actor_organisation == "QXX"
    assert stored.actor_role == "system_administrator"
    assert (stored.action, stored.object_type, stored.object_id) == ("test.event", "thing", "42")
    assert stored.occurred_at is not None


def test_system_events_name_the_command(db):
    stored = record_event(None, "data.load", system_actor="peolc load")
    assert stored.actor_username == "peolc load"
    assert stored.actor_id is None


def test_events_survive_the_deletion_of_their_actor(event, admin_user):
    admin_user.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_username == "admin"


def test_the_orm_refuses_to_change_or_delete_events(event):
    event.reason = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates_behind_the_orms_back(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = 'tampered' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_the_database_refuses_deletes_behind_the_orms_back(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditchainhead")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_postgresql_refuses_to_truncate_the_audit_log(event):
    for table in ("core_auditevent", "core_auditchainhead"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.filter(pk=event.pk).exists()
