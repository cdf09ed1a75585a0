"""The pilot admission package as administrators change it: a new version with a step
removed, and packages broken in each way publication refuses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from portal.accounts.models import OrgType
from tests.processes.cast import Zhengzhou
from tests.processes.packages import (
    chain,
    copy_package,
    problem_texts,
    publish,
    replace_once,
)
from tests.processes.pilot import (
    KEY,
    WITHOUT_DISTRICT,
    create,
    decide,
    listed,
    roles,
    startable,
    submit,
    submitted,
    upload_licence,
)

# Versions -------------------------------------------------------------------------------


@pytest.mark.usefixtures("published")
def test_a_new_version_applies_to_new_applications_running_ones_keep_theirs(
    zhengzhou: Zhengzhou, tmp_path: Path
) -> None:
    running = submitted(zhengzhou.enterprise(), "bookstore")
    drafter = zhengzhou.enterprise()
    draft = create(drafter, "venue")
    assert roles(running) == ["district_reviewer"]

    v2 = copy_package(KEY, tmp_path / "v2", bpmn=WITHOUT_DISTRICT)
    response = publish(zhengzhou.admin, v2)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"key": KEY, "version": 2}
    definitions = zhengzhou.admin.get("/api/v1/process-definitions").get_json()["items"]
    (entry,) = [e for e in definitions if e["key"] == KEY]
    assert [v["version"] for v in entry["versions"]] == [1, 2]
    newcomer = zhengzhou.enterprise(OrgType.CINEMA)
    assert startable(newcomer)[KEY]["version"] == 2

    newer = submitted(newcomer, "cinema")
    assert newer["version"] == 2
    assert roles(newer) == ["city_reviewer"]
    assert decide(zhengzhou.city, newer["id"], "approve")["status"] == "approved"

    # Started on version 1: the district recommends first, then the city decides.
    upload_licence(drafter, draft["id"])
    draft_submitted = submit(drafter, draft["id"]).get_json()
    for application in (running, draft_submitted):
        assert application["version"] == 1
        assert roles(application) == ["district_reviewer"]
        recommended = decide(zhengzhou.district("410102"), application["id"], "approve")
        assert roles(recommended) == ["city_reviewer"]
        assert decide(zhengzhou.city, application["id"], "approve")["status"] == "approved"
    assert len(listed(zhengzhou.public)) == 3


# Refusals at publication ----------------------------------------------------------------

BROKEN: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    # name: (the change, the element it concerns, a word its problem names)
    "unknown building block": (
        replace_once(
            'id="notify" resultVariable="admitted_notified"',
            'id="send_fax" resultVariable="admitted_notified"',
        ),
        "notify_admitted",
        "send_fax",
    ),
    "parameter the block does not take": (
        replace_once(
            '<spiffworkflow:parameter id="subject" type="str" value="name"/>',
            '<spiffworkflow:parameter id="subject" type="str" value="name"/>'
            '<spiffworkflow:parameter id="colour" type="str" value="&quot;red&quot;"/>',
        ),
        "issue_letter",
        "colour",
    ),
    "undeclared certificate type": (
        replace_once('value="&quot;pilot_letter&quot;"', 'value="&quot;gold_medal&quot;"'),
        "issue_letter",
        "gold_medal",
    ),
    "open()": (
        replace_once('district_review["decision"] == "reject"', 'open("x")'),
        "district_rejected",
        "open",
    ),
    "getattr()": (
        replace_once('value="certificate_number"', 'value="getattr(a, &quot;b&quot;)"'),
        "list_enterprise",
        "getattr",
    ),
    "str.format()": (
        replace_once(
            'value="&quot;zhengzhou-2016&quot;"',
            'value="&quot;{}&quot;.format(1)"',
        ),
        "take_place",
        "format",
    ),
    "huge string": (
        replace_once('city_review["decision"] == "reject"', '"a" * 100000000'),
        "city_rejected",
        "sandbox",
    ),
}


def refused_problems(zhengzhou: Zhengzhou, folder: Path) -> list[str]:
    """Publish ``folder``, expect 422, check nothing was published; the problems listed."""
    response = publish(zhengzhou.admin, folder)
    assert response.status_code == 422, response.get_json()
    listing = zhengzhou.admin.get("/api/v1/process-definitions").get_json()["items"]
    assert KEY not in {e["key"] for e in listing}
    assert KEY not in startable(zhengzhou.enterprise())
    return problem_texts(response.get_json())


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_package_is_refused_with_its_problem(
    name: str, zhengzhou: Zhengzhou, tmp_path: Path
) -> None:
    change, element, word = BROKEN[name]
    texts = refused_problems(zhengzhou, copy_package(KEY, tmp_path / "broken", bpmn=change))
    assert len(texts) == 1, texts
    assert element in texts[0], texts
    assert word in texts[0], texts


def test_every_problem_of_a_package_is_listed_at_once(zhengzhou: Zhengzhou, tmp_path: Path) -> None:
    broken = chain(*(change for change, _, _ in BROKEN.values()))
    texts = refused_problems(zhengzhou, copy_package(KEY, tmp_path / "broken", bpmn=broken))
    for name, (_, element, word) in BROKEN.items():
        assert any(element in t and word in t for t in texts), (name, texts)
    assert len(texts) == len(BROKEN), texts
