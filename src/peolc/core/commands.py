"""`peolc` subcommands for the web application. Django is set up only when one of them runs."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys


def setup_django() -> None:
    """Configure Django from the environment (see ``peolc.config.settings``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peolc.config.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        raise SystemExit(f"peolc: {error}") from None


# Django commands `peolc manage` will not run, and why: each would empty or rewrite the database behind the actions
# and the audit log.
REFUSED_MANAGEMENT_COMMANDS = {
    "flush": "it deletes every row, the audit log included",
    "sqlflush": "it prints SQL that deletes every row, the audit log included",
    "migrate": "migrating backwards drops tables, the audit log included; use `peolc migrate`",
    "loaddata": "it writes rows behind the actions and outside the audit log's hash chain",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the web application's subcommands."""
    manage = subparsers.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=run_manage)

    audit = subparsers.add_parser("audit", help="check the audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    verify = audit_commands.add_parser(
        "verify", help="check the audit log's hash chain: exits non-zero naming the first altered or removed event")
    verify.set_defaults(handler=run_audit_verify)

    database = subparsers.add_parser("db", help="database administration")
    database_commands = database.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    grant = database_commands.add_parser(
        "grant-runtime-role",
        help="PostgreSQL: create or update the least-privilege role the application runs as (see docs/audit.md)")
    grant.add_argument("--role", required=True, help="the runtime role's name, e.g. peolc_app")
    grant.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    grant.set_defaults(handler=run_grant_runtime_role)

    migrate = subparsers.add_parser("migrate", help="create or update the web database's tables")
    migrate.set_defaults(handler=run_migrate)

    createdemo = subparsers.add_parser(
        "createdemo",
        help="create one demo user per role (demo mode only), with a small set of demo organisations if there are none",
    )
    createdemo.set_defaults(handler=run_createdemo)

    serve = subparsers.add_parser("serve", help="serve the web application with gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=3)
    serve.set_defaults(handler=run_serve)

    provider = subparsers.add_parser(
        "oidc-demo-provider",
        help="run a local OpenID Connect provider with CIS2-style demo staff (demo mode only; for `make demo`)",
    )
    provider.add_argument("--port", type=int, default=9400)
    provider.set_defaults(handler=run_oidc_demo_provider)


def run_manage(args: argparse.Namespace) -> int:
    command = args.arguments[0] if args.arguments else ""
    if command in REFUSED_MANAGEMENT_COMMANDS:
        print(f"peolc manage {command}: refused: {REFUSED_MANAGEMENT_COMMANDS[command]}.", file=sys.stderr)
        return 2
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["peolc manage", *args.arguments])
    return 0


def run_audit_verify(args: argparse.Namespace) -> int:
    """Walk the audit log's hash chain; 0 if it is whole, 1 naming the first break."""
    setup_django()
    from peolc.core.audit import verify_chain

    report = verify_chain()
    if not report.ok:
        print(f"peolc audit verify: FAILED after checking {report.events:,} event(s): {report.problem}.",
              file=sys.stderr)
        return 1
    print(f"Audit log OK: {report.events:,} event(s) chained; head hash {report.head_hash}.")
    return 0


def run_grant_runtime_role(args: argparse.Namespace) -> int:
    setup_django()
    from django.db import connection, transaction

    from peolc.core.runtime_role import RuntimeRoleRefused, grant_runtime_role

    try:
        with transaction.atomic():
            statements = grant_runtime_role(connection, args.role, execute=not args.sql)
    except RuntimeRoleRefused as error:
        print(f"peolc db grant-runtime-role: refused: {error}", file=sys.stderr)
        return 2
    if args.sql:
        print(";\n".join(statements) + ";")
    else:
        print(f"Runtime role {args.role}: SELECT and INSERT only on the audit log, reads and writes on the other "
              "tables. Re-run after every `peolc migrate`.")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=1)
    return 0


def run_createdemo(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from peolc.core.actions.organisations import load_organisations
    from peolc.core.demo import DEMO_ORGANISATIONS, create_demo_users
    from peolc.core.models import Organisation

    if not settings.DEMO_MODE:
        print("peolc createdemo: refused: demo users exist only in demo mode (set DEBUG=1).", file=sys.stderr)
        return 2
    # Organisations loaded from an ICS's data (`peolc load`) take precedence over the built-in demo set.
    if not Organisation.objects.exists() or Organisation.objects.filter(code=DEMO_ORGANISATIONS[0]["code"]).exists():
        try:
            organisations = load_organisations(DEMO_ORGANISATIONS, system_actor="createdemo")
        except ValidationError as error:
            print(f"peolc createdemo: {'; '.join(error.messages)}", file=sys.stderr)
            return 1
        print(f"Organisations: {organisations['created']} created, {organisations['updated']} updated, "
              f"{organisations['unchanged']} unchanged.")
    users = create_demo_users()
    print(f"Demo users: {users['created']} created, {users['updated']} refreshed.")
    return 0


def demo_logins_text() -> str:
    """The block of text that tells a newcomer how to sign in to the demo."""
    from peolc.core.auth import DEMO_PASSWORD
    from peolc.core.demo import demo_usernames

    lines = ["Demo logins (password for all: " + DEMO_PASSWORD + "):"]
    lines += [f"  {name}" for name in demo_usernames()]
    return "\n".join(lines)


def run_serve(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)
    print(f"\npeolc is running at http://{args.host}:{args.port}/  (Ctrl+C to stop)")
    if settings.DEMO_MODE:
        print(demo_logins_text())
    sys.stdout.flush()
    # Replace this process so signals (Ctrl+C, SIGTERM) reach gunicorn directly.
    os.execv(sys.executable, [  # noqa: S606 - a fixed argument list, no shell
        sys.executable, "-m", "gunicorn", "peolc.config.wsgi:application",
        "--bind", f"{args.host}:{args.port}", "--workers", str(args.workers),
        "--log-level", "warning", "--graceful-timeout", "5",
    ])
    return 0  # not reached


def run_oidc_demo_provider(args: argparse.Namespace) -> int:
    """Serve oidc-provider-mock on 127.0.0.1 with the demo's CIS2-style staff until stopped."""
    setup_django()
    from django.conf import settings

    if not settings.DEMO_MODE:
        print("The demo identity provider runs only in demo mode (DEBUG=1).", file=sys.stderr)
        return 2
    try:
        import oidc_provider_mock
        import werkzeug.serving
    except ImportError:
        print("Install oidc-provider-mock first: pip install -c requirements/constraints.txt -e '.[demo]'",
              file=sys.stderr)
        return 2
    from peolc.core.demo import demo_cis2_identities

    identities = demo_cis2_identities()
    users = [oidc_provider_mock.User(sub=sub, claims=claims) for sub, claims in identities]
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on loopback, for the demo only
    server = werkzeug.serving.make_server("127.0.0.1", args.port, oidc_provider_mock.app(user_claims=users),
                                          threaded=True)
    print(f"Demo NHS Care Identity (CIS2-style) provider at http://127.0.0.1:{args.port}/ with "
          + ", ".join(sub for sub, _ in identities))
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0
