"""The command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import Role, User
from portal.accounts.services import AccountService
from portal.applications.models import Application, ApplicationStatus
from portal.core.extensions import db
from portal.demo import DEMO_PASSWORD, ENTERPRISES, STAFF
from portal.processes.software_filing.models import SoftwareFiling
from tests.helpers import PASSWORD, Factory


def users(app: Flask) -> dict[str, User]:
    with app.app_context():
        return {u.username: u for u in db.session.scalars(sa.select(User))}


def test_seed_demo_creates_every_role_and_sample_applications_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    created = users(app)
    assert {s.username for s in STAFF} | {e.username for e in ENTERPRISES} <= set(created)
    assert {u.role for u in created.values()} == set(Role)
    with app.app_context():
        statuses = sorted(
            db.session.execute(sa.select(Application.process_key, Application.status)).all()
        )
        AccountService(db.session).authenticate("hunan", DEMO_PASSWORD)
        filed = db.session.scalars(sa.select(SoftwareFiling.product_name)).all()
    assert statuses == [
        ("cinema_registration", ApplicationStatus.APPROVED),
        ("cinema_registration", ApplicationStatus.DRAFT),
        ("cinema_registration", ApplicationStatus.SUBMITTED),
        ("refund_backfill", ApplicationStatus.SUBMITTED),
        ("software_filing", ApplicationStatus.APPROVED),
        ("software_filing", ApplicationStatus.APPROVED),
        ("software_filing", ApplicationStatus.SUBMITTED),
    ]
    assert sorted(filed) == ["云票影院票务管理系统", "快票网络售票平台"]
    # The data-only packages are published as an administrator would.
    assert "process pilot_admission version 1 published" in first.output

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert len(users(app)) == len(created)
    assert "pilot_admission" not in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 7


def test_seed_demo_is_refused_in_production(app: Flask) -> None:
    app.config["PORTAL_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "not in production" in result.output
    assert users(app) == {}


def test_create_user_takes_the_password_from_the_environment(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(
        args=["create-user", "hunan2", "--role", "provincial_reviewer", "--scope", "430000"]
    )
    assert result.exit_code == 0, result.output
    user = users(app)["hunan2"]
    assert (user.role, user.scope) == (Role.PROVINCIAL_REVIEWER, "43")
    with app.app_context():
        AccountService(db.session).authenticate("hunan2", PASSWORD)


def test_create_user_prompts_when_no_password_is_given(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PORTAL_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(
        args=["create-user", "nat", "--role", "national_reviewer"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert users(app)["nat"].scope == ""


def test_create_user_for_an_organisation(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_PASSWORD", PASSWORD)
    owner = factory.applicant()
    with app.app_context():
        uscc = db.session.get(User, owner.id).organization.uscc  # type: ignore[union-attr]
    result = app.test_cli_runner().invoke(
        args=["create-user", "clerk", "--role", "applicant", "--org-uscc", uscc.lower()]
    )
    assert result.exit_code == 0, result.output
    assert users(app)["clerk"].organization_id == owner.organization_id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-user", "x1", "--role", "provincial_reviewer", "--scope", "999999"], "scope"),
        (["create-user", "x2", "--role", "provincial_reviewer"], "scope"),
        (["create-user", "x3", "--role", "county_reviewer", "--scope", "43"], "scope"),
        (["create-user", "x4", "--role", "applicant"], "organisation"),
        (
            ["create-user", "x5", "--role", "applicant", "--org-uscc", "91430102MA4L00005U"],
            "no organisation",
        ),
        (["create-user", "a", "--role", "national_reviewer"], "3-64"),
        (["create-user", "x6", "--role", "mayor"], "Invalid value"),
    ],
)
def test_create_user_refuses_bad_input(
    app: Flask, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("PORTAL_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert users(app) == {}


def test_create_user_refuses_a_weak_password(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_PASSWORD", "password")
    result = app.test_cli_runner().invoke(args=["create-user", "weak", "--role", "admin"])
    assert result.exit_code != 0
    assert "Password" in result.output
    assert users(app) == {}


def test_db_check_reports_agreement(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output


def test_tick_with_nothing_due_says_so(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 timer(s) fired"


def test_processes_publish_publishes_a_package_folder_once(app: Flask, tmp_path: Path) -> None:
    package = Path(__file__).resolve().parent.parent / "processes" / "pilot_admission"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["processes", "publish", str(package)])
    assert first.exit_code == 0, first.output
    assert "Published pilot_admission version 1." in first.output
    again = runner.invoke(args=["processes", "publish", str(package)])
    assert again.exit_code == 0, again.output
    assert "Unchanged: pilot_admission version 1" in again.output
    listed = runner.invoke(args=["processes", "list"])
    assert "pilot_admission\tversion 1" in listed.output


def test_processes_publish_lists_every_problem(app: Flask, tmp_path: Path) -> None:
    package = tmp_path / "broken"
    package.mkdir()
    (package / "process.bpmn").write_text("<not-bpmn/>", encoding="utf-8")
    (package / "manifest.json").write_text('{"key": "Broken"}', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["processes", "publish", str(package)])
    assert result.exit_code != 0
    assert "the package is invalid" in result.output
    assert "manifest key" in result.output
    assert "manifest name" in result.output
