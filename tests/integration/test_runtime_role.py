"""The least-privilege PostgreSQL role the application runs as: the audit log is SELECT and INSERT only."""

import contextlib

import pytest
from django.db import DatabaseError, connection, transaction

from peolc.cli import main
from peolc.core.audit import record_event, verify_chain
from peolc.core.models import AuditEvent, Organisation

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are a PostgreSQL control")


@pytest.fixture
def runtime_role(db):
    """A role name unique to this test database (roles are cluster-wide); the test's transaction creates it."""
    return f"{connection.settings_dict['NAME']}_app"[:63]


@contextlib.contextmanager
def acting_as(role):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
        try:
            yield cursor
        finally:
            cursor.execute("RESET ROLE")


def refused(cursor, sql):
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        cursor.execute(sql)
    return str(error.value)


def test_the_runtime_role_may_append_and_read_the_audit_log_but_never_rewrite_it(runtime_role, admin_user, capsys):
    record_event(admin_user, "test.before")
    assert main(["db", "grant-runtime-role", "--role", runtime_role]) == 0
    assert "Re-run after every `peolc migrate`" in capsys.readouterr().out
    with acting_as(runtime_role) as cursor:
        record_event(admin_user, "test.as_runtime_role")
        assert AuditEvent.objects.filter(action="test.as_runtime_role").exists()
        Organisation.objects.filter(code="QXX").update(name="Renamed ICB")
        assert "permission denied" in refused(cursor, "DELETE FROM core_auditevent")
        assert "permission denied" in refused(cursor, "UPDATE core_auditevent SET reason = 'x'")
        assert "permission denied" in refused(cursor, "TRUNCATE core_auditevent")
        assert "permission denied" in refused(cursor, "TRUNCATE core_auditchainhead")
        assert "permission denied" in refused(cursor, "DELETE FROM core_auditchainhead")
        assert "must be owner" in refused(cursor, "ALTER TABLE core_auditevent DISABLE TRIGGER ALL")
        assert "must be owner" in refused(cursor, "DROP TABLE core_auditevent")
        assert "permission denied" in refused(cursor, "SET session_replication_role = replica")
        assert "permission denied" in refused(cursor, "DELETE FROM django_migrations")
    assert verify_chain().ok


def test_the_grant_is_safe_to_re_run_and_can_be_printed_instead(runtime_role, capsys):
    assert main(["db", "grant-runtime-role", "--role", runtime_role]) == 0
    assert main(["db", "grant-runtime-role", "--role", runtime_role]) == 0
    capsys.readouterr()
    assert main(["db", "grant-runtime-role", "--role", "peolc_printed_only", "--sql"]) == 0
    printed = capsys.readouterr().out
    assert 'REVOKE UPDATE, DELETE ON "public".core_auditevent FROM "peolc_printed_only";' in printed
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = 'peolc_printed_only'")
        assert cursor.fetchone() is None


def test_the_owner_or_a_superuser_is_refused_as_runtime_role(db, capsys):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    assert main(["db", "grant-runtime-role", "--role", owner]) == 2
    assert "refused" in capsys.readouterr().err
    assert main(["db", "grant-runtime-role", "--role", 'x"; DROP TABLE core_auditevent; --']) == 2
    assert "not a plain role" in capsys.readouterr().err
