"""Make the audit log tamper-evident: a hash chain over its events, and append-only on both databases.

Replaces migration 0002's triggers. PostgreSQL refuses UPDATE, DELETE and TRUNCATE of audit events, and DELETE and
TRUNCATE of the chain head; triggers do not stop the table's owner or a superuser, so the application runs as a
least-privilege role (`peolc db grant-runtime-role`, docs/audit.md). SQLite refuses UPDATE and DELETE of audit events
and DELETE of the chain head. Existing events are chained in id order.
"""

import django.utils.timezone
from django.db import migrations, models

from peolc.core.audit_chain import GENESIS_HASH, event_hash

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION peolc_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$;
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION peolc_audit_append_only();
CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION peolc_audit_append_only();
CREATE TRIGGER core_auditchainhead_no_delete BEFORE DELETE ON core_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION peolc_audit_append_only();
CREATE TRIGGER core_auditchainhead_no_truncate BEFORE TRUNCATE ON core_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION peolc_audit_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
DROP TRIGGER IF EXISTS core_auditchainhead_no_delete ON core_auditchainhead;
DROP TRIGGER IF EXISTS core_auditchainhead_no_truncate ON core_auditchainhead;
DROP FUNCTION IF EXISTS peolc_audit_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE on core_auditevent refused'); END;""",
    """CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE on core_auditevent refused'); END;""",
    """CREATE TRIGGER core_auditchainhead_no_delete BEFORE DELETE ON core_auditchainhead
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE on core_auditchainhead refused'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_no_delete;",
]
# Migration 0002's triggers, dropped before the backfill (its UPDATEs) and restored if this migration is reversed.
POSTGRES_0002 = """
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION peolc_audit_append_only();
"""
SQLITE_0002 = """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"""


def drop_old_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update;")


def restore_old_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
        schema_editor.execute("""CREATE OR REPLACE FUNCTION peolc_audit_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;""")
        schema_editor.execute(POSTGRES_0002)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)
        schema_editor.execute(SQLITE_0002)


def drop_old_triggers_and_new(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


def chain_existing_events(apps, schema_editor):
    """Chain the events already in the log, in id order, and point the head at the last."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    database = schema_editor.connection.alias
    position, previous = 0, GENESIS_HASH
    batch = []
    for event in AuditEvent.objects.using(database).order_by("id").iterator(chunk_size=2000):
        position += 1
        event.position, event.previous_hash = position, previous
        event.hash = previous = event_hash(event.__dict__)
        batch.append(event)
        if len(batch) == 2000:
            AuditEvent.objects.using(database).bulk_update(batch, ["position", "previous_hash", "hash"])
            batch = []
    AuditEvent.objects.using(database).bulk_update(batch, ["position", "previous_hash", "hash"])
    AuditChainHead.objects.using(database).update_or_create(pk=1, defaults={"position": position, "hash": previous})


def protect(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_organisation_registered_population")]
    operations = [
        migrations.RunPython(drop_old_triggers, restore_old_triggers),
        migrations.AlterField(
            model_name="auditevent", name="occurred_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(model_name="auditevent", name="position",
                            field=models.BigIntegerField(editable=False, null=True)),
        migrations.AddField(model_name="auditevent", name="previous_hash",
                            field=models.CharField(default="", editable=False, max_length=64), preserve_default=False),
        migrations.AddField(model_name="auditevent", name="hash",
                            field=models.CharField(default="", editable=False, max_length=64), preserve_default=False),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("position", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
            options={"constraints": [models.CheckConstraint(condition=models.Q(id=1),
                                                            name="core_auditchainhead_one_row")]},
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AlterField(model_name="auditevent", name="position",
                              field=models.BigIntegerField(editable=False, unique=True)),
        migrations.RunPython(protect, drop_old_triggers_and_new),
    ]
