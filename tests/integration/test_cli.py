import pytest

from peolc.cli import main
from peolc.core.models import AuditEvent, Organisation, User


def test_createdemo_loads_organisations_and_one_user_per_role(db, settings, capsys):
    settings.DEMO_MODE = True
    assert main(["createdemo"]) == 0
    usernames = set(User.objects.values_list("username", flat=True))
    assert usernames == {
        "demo-gp", "demo-community-nurse", "demo-hospice", "demo-hospital", "demo-urgent-care",
        "demo-coordinator", "demo-analyst", "demo-directory-editor", "demo-admin", "demo-privacy-officer",
    }
    assert User.objects.get(username="demo-gp").organisation.type == "gp_practice"
    assert User.objects.get(username="demo-urgent-care").role == "urgent_care_clinician"
    assert Organisation.objects.filter(type="gp_practice").exists()
    assert main(["createdemo"]) == 0  # safe to re-run
    assert User.objects.count() == 10
    assert "15 unchanged" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="user.load_demo").count() == 2


def test_createdemo_is_refused_outside_demo_mode(db, settings, capsys):
    settings.DEMO_MODE = False
    assert main(["createdemo"]) == 2
    assert "refused" in capsys.readouterr().err
    assert not User.objects.exists()


def test_an_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("command", ["flush", "sqlflush", "migrate", "loaddata"])
def test_destructive_django_commands_are_refused(db, capsys, command):
    from peolc.core.audit import record_event

    record_event(None, "test.event")
    assert main(["manage", command, "--noinput"]) == 2
    assert f"peolc manage {command}: refused:" in capsys.readouterr().err
    assert AuditEvent.objects.count() == 1


def test_other_django_commands_still_pass_through(db, capsys):
    assert main(["manage", "check"]) == 0
    assert "no issues" in capsys.readouterr().out
