"""The scale generator's set-based SQL (PostgreSQL): every statement inserts one
kind of row for every copy at once, from ``generate_series`` or the plan table.

Copies of a template get SpiffWorkflow task ids of their own: the ``k``-th task
id of the template becomes ``md5(n || '-' || k)::uuid`` in copy ``n``, in its
workflow state (the template's state cut at its ids once, the pieces
concatenated with the copy's ids) and in its task and history rows alike, so
a copy loads and completes exactly as its template would. The template's
division code (``"430102"``) is replaced by the copy's, in the state, the form
data and the history details. Every copying statement takes the copies ``n``
with ``n % :jobs = :job``, so ``jobs`` connections share the work.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from stdnum.cn import uscc as stdnum_uscc

from bench.scale.template import TEMPLATE_DIVISION, Template

SPREAD = 50_000
"""A template's step gap of one second becomes about 14 hours in its copies."""
YEARS = 3
"""Applications are spread over this many years, the newest a week old."""

DIVISIONS = """
CREATE TABLE bench_divisions (
    province_index int NOT NULL, county_index int NOT NULL, code varchar(6) NOT NULL,
    PRIMARY KEY (province_index, county_index))
"""

ORGANIZATIONS = """
INSERT INTO organizations (name, uscc, org_type, created_at)
SELECT '星光影城' || i || '号有限公司', uscc, 'cinema', now() - interval '4 years'
FROM unnest(CAST(:usccs AS text[])) WITH ORDINALITY AS o(uscc, i)
ORDER BY i
"""


def usccs(codes: list[list[str]], count: int) -> list[str]:
    """``count`` valid unified social credit codes: "91", the county's division code,
    a serial, the check character; organisation ``i`` in province ``i % 31``."""
    found = []
    for i in range(1, count + 1):
        counties = codes[i % len(codes)]
        body = f"91{counties[(i // len(codes)) % len(counties)]}{i:09d}"
        found.append(body + stdnum_uscc.calc_check_digit(body))
    return found


APPLICANTS = """
INSERT INTO users (username, password_hash, display_name, role, scope, organization_id,
                   active, created_at, session_epoch)
SELECT 'bench_org_' || o.id, :hash, '经办人' || o.id, 'applicant', '', o.id, true,
       o.created_at, 0
FROM organizations o WHERE o.id > :first_org - 1
"""

PROVINCIAL_REVIEWERS = """
INSERT INTO users (username, password_hash, display_name, role, scope, active,
                   created_at, session_epoch)
SELECT DISTINCT 'bench_province_' || left(code, 2), :hash, '审核员' || left(code, 2),
       'provincial_reviewer', left(code, 2), true, now() - interval '4 years', 0
FROM bench_divisions WHERE left(code, 2) <> '43'
"""

# One row per application to make: its organisation, division code, kind and age.
PLAN = """
CREATE TABLE bench_plan AS
SELECT n, md5('application-' || n)::uuid AS id, o.id AS organization_id,
       u.id AS applicant_id, r.id AS reviewer_id,
       substr(o.uscc, 3, 6) AS division_code,
       CASE WHEN n <= :open_tasks THEN 'open'
            WHEN (hashtext('kind-' || n) & 1023) < :corrected_per_1024 THEN 'corrected'
            ELSE 'approved' END AS kind,
       now() - interval '7 days' - n * (:seconds / :applications) * interval '1 second'
           AS created_at
FROM generate_series(1, :applications) AS n
JOIN organizations o ON o.id = :first_org + (n % :organisations)
JOIN users u ON u.organization_id = o.id AND u.username = 'bench_org_' || o.id
JOIN users r ON r.role = 'provincial_reviewer' AND r.scope = left(substr(o.uscc, 3, 6), 2)
             AND r.username LIKE 'bench_%'
"""

PLAN_INDEX = "CREATE UNIQUE INDEX ON bench_plan (kind, n)"


def divisions_rows(codes: list[list[str]]) -> list[dict[str, Any]]:
    """Rows of ``bench_divisions``: the county codes of each province, numbered."""
    return [
        {"province_index": p, "county_index": c, "code": code}
        for p, counties in enumerate(codes)
        for c, code in enumerate(counties)
    ]


def _copied(template: Template, text: str, name: str) -> tuple[str, dict[str, str]]:
    """SQL for ``text`` of ``template`` as copy ``p`` has it, with its bind parameters.

    ``text`` is cut at every task id and at the quoted division code once, here;
    the SQL concatenates the pieces with the copy's own ids (``ids``, see
    :data:`IDS`) and division code: one pass per row, no searching.
    """
    pattern = "|".join(map(re.escape, [*template.task_ids, f'"{TEMPLATE_DIVISION}"']))
    parts: list[str] = []
    params: dict[str, str] = {}
    last = 0
    for match in re.finditer(pattern, text):
        params[f"{name}{len(params)}"] = text[last : match.start()]
        parts.append(f"CAST(:{name}{len(params) - 1} AS text)")
        found = match.group(0)
        if found.startswith('"'):
            parts.append("""'"' || p.division_code || '"'""")
        else:
            parts.append(f"ids.a[{template.task_ids.index(found) + 1}]")
        last = match.end()
    params[f"{name}{len(params)}"] = text[last:]
    parts.append(f"CAST(:{name}{len(params) - 1} AS text)")
    return "(" + " || ".join(parts) + ")", params


def _ids(template: Template) -> str:
    """A LATERAL join giving copy ``p`` its task ids, ``ids.a[k + 1]`` for the k-th."""
    return (
        "CROSS JOIN LATERAL (SELECT array_agg(md5(p.n || '-' || k)::uuid::text ORDER BY k) "  # noqa: S608
        f"FROM generate_series(0, {len(template.task_ids) - 1}) AS k) AS ids(a)"
    )


def _division(text: str) -> str:
    return f"""replace({text}, '"{TEMPLATE_DIVISION}"', '"' || p.division_code || '"')"""


def _moment(template: Template, value: datetime | None) -> str:
    """SQL for the copy's moment matching ``value`` of the template (spread, see SPREAD)."""
    if value is None:
        return "NULL"
    start = template.application["created_at"]
    seconds = (value - start).total_seconds() * SPREAD
    return f"(p.created_at + {seconds:.3f} * interval '1 second')"


def applications(template: Template) -> sa.TextClause:
    """Insert the copies of ``template`` (every plan row of its kind)."""
    a = template.application
    result = (
        "jsonb_build_object('cinema_code', left(p.division_code, 2) || lpad(p.n::text, 6, '0'),"
        " 'digital_certificate_number', 'SZZS' || lpad(p.n::text, 10, '0'))"
        if a["result"]
        else "'{}'::jsonb"
    )
    state, params = _copied(template, a["workflow_state"], "state")
    return sa.text(
        f"""
INSERT INTO applications (id, definition_id, process_key, organization_id, created_by_id,
    number, status, data, result, division_code, workflow_state, row_version, created_at,
    updated_at, submitted_at, closed_at)
SELECT p.id, :definition_id, :process_key, p.organization_id, p.applicant_id,
    'YYZC-' || extract(year FROM p.created_at)::int || '-' || lpad(p.n::text, 7, '0'),
    :status, {_division(":data")}::jsonb, {result}, p.division_code,
    {state}, 1, p.created_at,
    {_moment(template, a["updated_at"])}, {_moment(template, a["submitted_at"])},
    {_moment(template, a["closed_at"])}
FROM bench_plan p {_ids(template)} WHERE p.kind = :kind AND p.n % :jobs = :job
"""  # noqa: S608 - the template's own ids and times; its values are bound
    ).bindparams(
        **params,
        definition_id=a["definition_id"],
        process_key=a["process_key"],
        status=str(a["status"]),
        data=_json(a["data"]),
        kind=template.kind,
    )


def tasks(template: Template, escalated_from: int) -> list[sa.TextClause]:
    """Insert the task rows of the copies of ``template``, one statement per template row.

    Open rows of copies numbered ``escalated_from`` or more are overdue and escalated.
    """
    statements = []
    for row in template.tasks:
        applicant = row["organization_id"] is not None
        index = template.task_index(row["id"])
        by = "p.applicant_id" if applicant else "p.reviewer_id"
        overdue = f"p.n >= {escalated_from}" if str(row["state"]) == "open" else "false"
        statements.append(
            sa.text(
                f"""
INSERT INTO tasks (id, application_id, spec_id, name, form_key, role, scope, organization_id,
    state, assignee_id, created_at, claimed_at, due_at, due_provisional, escalated_at,
    completed_at, completed_by_id)
SELECT md5(p.n || '-' || {index})::uuid, p.id, :spec_id, :name, :form_key, :role,
    {"''" if applicant else f"left(p.division_code, {len(row['scope'])})"},
    {"p.organization_id" if applicant else "NULL"}, :state,
    {by if row["assignee_id"] else "NULL"}, {_moment(template, row["created_at"])},
    {_moment(template, row["claimed_at"])},
    CASE WHEN {overdue} THEN p.created_at + interval '3 days' END, false,
    CASE WHEN {overdue} THEN p.created_at + interval '4 days' END,
    {_moment(template, row["completed_at"])}, {by if row["completed_by_id"] else "NULL"}
FROM bench_plan p WHERE p.kind = :kind AND p.n % :jobs = :job
"""  # noqa: S608 - the template's own ids and times; its values are bound
            ).bindparams(
                spec_id=row["spec_id"],
                name=row["name"],
                form_key=row["form_key"],
                role=str(row["role"]),
                state=str(row["state"]),
                kind=template.kind,
            )
        )
    return statements


def events(template: Template, applicant_id: int) -> sa.TextClause:
    """Insert the history rows of the copies of ``template`` (one statement, its events
    as a VALUES list joined with the plan)."""
    values = []
    params: dict[str, Any] = {"kind": template.kind}
    for j, event in enumerate(template.events):  # values bound, ids and times written
        index = template.task_index(event["task_id"])
        params |= {
            f"action{j}": event["action"],
            f"task_name{j}": event["task_name"],
            f"decision{j}": event["decision"],
            f"comment{j}": event["comment"],
            f"details{j}": _json(event["details"]),
        }
        values.append(
            f"({j}, {_moment(template, event['at'])}, "
            f"{'true' if event['actor_id'] == applicant_id else 'false'}, "
            f"{'NULL' if index is None else index}::int, CAST(:action{j} AS text), "
            f"CAST(:task_name{j} AS text), CAST(:decision{j} AS text), "
            f"CAST(:comment{j} AS text), {_division(f'CAST(:details{j} AS text)')})"
        )
    return sa.text(
        f"""
INSERT INTO audit_events (at, actor_id, actor_name, action, application_id, task_id, task_name,
    decision, comment, details, ip)
SELECT e.at, CASE WHEN e.by_applicant THEN p.applicant_id ELSE p.reviewer_id END,
    CASE WHEN e.by_applicant THEN '经办人' ELSE '审核员' END, e.action, p.id,
    CASE WHEN e.task_index IS NOT NULL THEN md5(p.n || '-' || e.task_index)::uuid END,
    e.task_name, e.decision, e.comment, e.details::jsonb, '127.0.0.1'
FROM bench_plan p CROSS JOIN LATERAL (VALUES {", ".join(values)})
    AS e(j, at, by_applicant, task_index, action, task_name, decision, comment, details)
WHERE p.kind = :kind AND p.n % :jobs = :job
ORDER BY p.n, e.j
"""  # noqa: S608 - the template's own ids and times; its values are bound
    ).bindparams(**params)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
