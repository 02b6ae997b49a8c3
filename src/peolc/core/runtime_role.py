"""The least-privilege PostgreSQL role the web application runs as.

Triggers make the audit log append-only, but a table's owner (or a superuser) can disable them or drop the table.
So migrations run as the owner, and the application runs as a role that owns nothing: normal reads and writes on the
other tables, and on the audit log only SELECT and INSERT. See docs/audit.md.
"""

from __future__ import annotations

import re

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RuntimeRoleRefused(Exception):
    """The role cannot be made a least-privilege runtime role (it is a superuser, or owns the tables)."""


def _quoted(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise RuntimeRoleRefused(f"{name!r} is not a plain role or schema name (lower-case letters, digits, _).")
    return f'"{name}"'


def runtime_role_statements(role: str, schema: str) -> list[str]:
    """The SQL that creates ``role`` if missing and grants it exactly the runtime privileges on ``schema``'s tables.

    Safe to re-run, and to be re-run after every migration (new tables get their grants then).
    """
    r, s = _quoted(role), _quoted(schema)
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
        f"THEN CREATE ROLE {r} NOLOGIN; END IF; END $$",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE CREATE ON SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        # Migrations are the owner's job; the audit log and its chain head are never rewritten or emptied.
        f"REVOKE INSERT, UPDATE, DELETE ON {s}.django_migrations FROM {r}",
        f"REVOKE UPDATE, DELETE ON {s}.core_auditevent FROM {r}",
        f"REVOKE DELETE ON {s}.core_auditchainhead FROM {r}",
    ]


def grant_runtime_role(connection, role: str, *, execute: bool = True) -> list[str]:
    """Check that ``role`` may serve as the runtime role, then (if ``execute``) apply the grants; return the SQL.

    Refuses a role that is a superuser, may bypass row security, or is (a member of) the audit table's owner: such
    a role could disable the audit triggers however it is granted.
    """
    if connection.vendor != "postgresql":
        raise RuntimeRoleRefused("a runtime role is a PostgreSQL control; this database is " + connection.vendor)
    _quoted(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute("SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = 'core_auditevent'",
                       [schema])
        found = cursor.fetchone()
        if found is None:
            raise RuntimeRoleRefused("the audit table does not exist yet: run `peolc migrate` first.")
        owner = found[0]
        cursor.execute("SELECT rolsuper OR rolbypassrls, pg_has_role(oid, %s, 'MEMBER') FROM pg_roles "
                       "WHERE rolname = %s", [owner, role])
        existing = cursor.fetchone()
        if existing and existing[0]:
            raise RuntimeRoleRefused(f"{role} is a superuser or bypasses row security; choose another role.")
        if existing and existing[1]:
            raise RuntimeRoleRefused(f"{role} owns the tables (or is a member of their owner, {owner}); the runtime "
                                     "role must be a different role.")
        statements = runtime_role_statements(role, schema)
        if execute:
            for statement in statements:
                cursor.execute(statement)
    return statements
