"""Data-only process packages (``processes/<key>/``) as an administrator handles them:
copy a folder, change its files, publish it through the API."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lxml import etree
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.helpers import Api

PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def publish(admin: Api, folder: Path) -> TestResponse:
    """``POST /api/v1/process-definitions`` with the folder's BPMN, forms and manifest."""
    files: MultiDict[str, Any] = MultiDict(
        [("bpmn", (io.BytesIO((folder / "process.bpmn").read_bytes()), "process.bpmn"))]
    )
    for path in sorted((folder / "forms").glob("*.json")):
        files.add("forms", (io.BytesIO(path.read_bytes()), path.name))
    manifest = folder / "manifest.json"
    if manifest.exists():
        files.add("manifest", (io.BytesIO(manifest.read_bytes()), "manifest.json"))
    return admin.client.post(
        "/api/v1/process-definitions",
        data=files,
        headers={"Authorization": f"Bearer {admin.token}"},
        content_type="multipart/form-data",
    )


def copy_package(
    key: str,
    target: Path,
    *,
    bpmn: Callable[[bytes], bytes] | None = None,
    manifest: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """A copy of ``processes/<key>/`` at ``target``, its BPMN passed through ``bpmn``
    and its manifest changed in place by ``manifest``."""
    shutil.copytree(PROCESSES_DIR / key, target)
    if bpmn is not None:
        path = target / "process.bpmn"
        changed = bpmn(path.read_bytes())
        assert changed != path.read_bytes(), "the BPMN change matched nothing"
        path.write_bytes(changed)
    if manifest is not None:
        path = target / "manifest.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest(data)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


def replace_once(old: str, new: str) -> Callable[[bytes], bytes]:
    """A BPMN change replacing the single occurrence of ``old``."""

    def change(bpmn: bytes) -> bytes:
        assert bpmn.count(old.encode()) == 1, f"{old!r} is not in the BPMN exactly once"
        return bpmn.replace(old.encode(), new.encode())

    return change


def chain(*changes: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    def change(bpmn: bytes) -> bytes:
        for each in changes:
            bpmn = each(bpmn)
        return bpmn

    return change


def remove_elements(removed: Iterable[str], rewire: dict[str, str]) -> Callable[[bytes], bytes]:
    """A BPMN change that deletes the elements ``removed`` (by id) with every reference
    to them (incoming/outgoing, lane membership, diagram shapes and edges) and points
    the sequence flows of ``rewire`` (flow id → new target id) elsewhere."""
    gone = frozenset(removed)

    def change(bpmn: bytes) -> bytes:
        root = etree.fromstring(bpmn)
        for element in list(root.iter()):
            parent = element.getparent()
            if parent is None or not isinstance(element.tag, str):
                continue
            name = etree.QName(element).localname
            references = name in ("incoming", "outgoing", "flowNodeRef")
            if (
                element.get("id") in gone
                or element.get("bpmnElement") in gone
                or (references and (element.text or "").strip() in gone)
            ):
                parent.remove(element)
        for flow_id, target in rewire.items():
            (flow,) = root.iterfind(f".//{{{BPMN_NS}}}sequenceFlow[@id='{flow_id}']")
            old_target = flow.get("targetRef")
            flow.set("targetRef", target)
            for node in root.iterfind(f".//{{{BPMN_NS}}}*[@id='{old_target}']"):
                for incoming in node.iterfind(f"{{{BPMN_NS}}}incoming"):
                    if incoming.text == flow_id:
                        node.remove(incoming)
            (node,) = root.iterfind(f".//{{{BPMN_NS}}}*[@id='{target}']")
            incoming = etree.Element(f"{{{BPMN_NS}}}incoming")
            incoming.text = flow_id
            outgoing = node.find(f"{{{BPMN_NS}}}outgoing")
            if outgoing is not None:
                outgoing.addprevious(incoming)
            else:
                node.append(incoming)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    return change


def problem_texts(body: dict[str, Any]) -> list[str]:
    """Every problem a 422 body lists: its ``errors`` (field → messages), or else its
    ``problems`` (``{"message", "element_id", "line"}``)."""
    texts = [str(m) for messages in body.get("errors", {}).values() for m in messages]
    if texts:
        return texts
    return [
        f"{p['message']} (element {p['element_id']})" if p.get("element_id") else p["message"]
        for p in body.get("problems", [])
    ]
