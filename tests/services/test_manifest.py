"""Checking a process package's manifest: every problem at once, each located."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from portal.applications.manifest import ManifestInvalid, parse_manifest

GOOD: dict[str, Any] = {
    "key": "pilot",
    "name": {"zh": "试点", "en": "Pilot"},
    "results": {"certificate_number": {"zh": "确认函", "en": "Letter"}},
    "messages": {"approved": {"zh": "申请 %(number)s 已通过。", "en": "%(number)s approved."}},
    "certificates": {
        "pilot_letter": {
            "title": {"zh": "确认函", "en": "Letter"},
            "prefix": "SDQY",
            "valid_years": 1,
            "revoked_by": "city",
            "subject": "name",
            "fields": [{"key": "category", "label": {"zh": "类别", "en": "Category"}}],
        }
    },
    "quotas": {"places": {"label": {"zh": "名额", "en": "Places"}, "limits": {"a": 2}}},
    "public_lists": {"pilots": {"title": {"zh": "名单", "en": "List"}}},
}


def changed(change: Any) -> dict[str, Any]:
    manifest = copy.deepcopy(GOOD)
    change(manifest)
    return manifest


def problems_of(manifest: Any) -> list[str]:
    with pytest.raises(ManifestInvalid) as caught:
        parse_manifest(manifest)
    return caught.value.problems


def test_a_good_manifest_declares_its_names() -> None:
    manifest = parse_manifest(GOOD)
    assert manifest.name.get("en") == "Pilot"
    assert manifest.name.get("zh_Hans_CN") == "试点"
    assert manifest.declared()["certificates"] == {"pilot_letter"}
    assert manifest.certificates["pilot_letter"].fields[0].label.zh == "类别"
    assert manifest.quotas["places"].limits == {"a": 2}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda m: m.update(key="Not A Key"), "manifest key"),
        (lambda m: m.update(name={"zh": "只有中文"}), "manifest name"),
        (lambda m: m.update(colour="red"), "manifest colour"),
        (lambda m: m["messages"].update(bad={"zh": "%(x)d", "en": "x"}), "messages.bad"),
        (lambda m: m["certificates"]["pilot_letter"].update(prefix="sdq"), ".prefix"),
        (lambda m: m["certificates"]["pilot_letter"].update(valid_years=0), ".valid_years"),
        (lambda m: m["certificates"]["pilot_letter"].update(revoked_by="mayor"), ".revoked_by"),
        (lambda m: m["quotas"]["places"].update(limits={"a": -1}), "quotas.places.limits"),
        (lambda m: m["public_lists"].update(Bad={"title": {"zh": "x", "en": "x"}}), "Bad"),
    ],
)
def test_each_problem_is_located(change: Any, where: str) -> None:
    problems = problems_of(changed(change))
    assert len(problems) == 1, problems
    assert where in problems[0]


def test_every_problem_at_once() -> None:
    def break_all(m: dict[str, Any]) -> None:
        m["key"] = ""
        m["certificates"]["pilot_letter"]["prefix"] = "x"
        m["quotas"]["places"]["limits"] = "many"

    assert len(problems_of(changed(break_all))) == 3


@pytest.mark.parametrize("raw", [None, [], "manifest", 3])
def test_not_an_object(raw: Any) -> None:
    assert problems_of(raw)
