"""Refund and backfill through the pages, with the clock moved (000 §二(五)).

Sessions last 8 hours, so each moment signs its users in afresh.
"""

from __future__ import annotations

from flask import Flask

from tests.helpers import Api, backfill_data
from tests.pages.conftest import People
from tests.pages.refunds import (
    api_submitted,
    applicant_task_ids,
    at,
    escalation_ids,
    refund_form,
    row_of,
    tick,
    with_evidence,
)
from tests.pages.support import application_id, post_form, signed_in, task_ids, text


def test_the_refund_form_renders_every_kind_of_input(app: Flask, people: People) -> None:
    cinema = signed_in(app, "cinema")
    edit = cinema.get(cinema.post("/applicant/new/refund_backfill").headers["Location"])
    html = edit.get_data(as_text=True)
    page = text(edit)
    assert "只有以下两种情况需要审批" in page  # the form's static text
    assert 'type="radio" value="refund"' in html and 'value="backfill"' in html
    assert 'name="show_start" type="datetime-local"' in html
    assert 'name="show_end" type="datetime-local"' in html
    assert "按北京时间（UTC+8）填写" in page
    assert 'name="sale_date" type="date"' in html
    assert '<textarea aria-describedby="ticket_numbers-hint"' in html
    assert "每行一个票号" in page
    assert 'name="amount" step="0.01" type="number"' in html
    assert 'name="evidence" type="file"' in html


def test_a_refund_from_application_to_confirmation(
    app: Flask, people: People, cinema_code: str
) -> None:
    with at(2026, 9, 30, 10):
        cinema = signed_in(app, "cinema")
        assert "申请：退票和补登审批" in text(cinema.get("/applicant/"))
        created = cinema.post("/applicant/new/refund_backfill")
        url = f"/applicant/applications/{application_id(created)}"

        saved = post_form(cinema, url + "/edit", refund_form(cinema_code))
        assert saved.status_code == 302
        shown = cinema.get(url + "/edit").get_data(as_text=True)
        assert 'value="2026-09-29T19:00"' in shown
        assert "T0001\nT0002\nT0003</textarea>" in shown
        assert 'value="135.00"' in shown

        no_evidence = post_form(cinema, url + "/edit", refund_form(cinema_code, "submit"))
        assert no_evidence.status_code == 200
        assert "请上传此材料" in text(no_evidence)
        # The values come back in the inputs' own format, ready to submit again.
        assert 'value="2026-09-29T21:30"' in no_evidence.get_data(as_text=True)

        submitted = post_form(
            cinema, url + "/edit", with_evidence(refund_form(cinema_code, "submit"))
        )
        assert submitted.status_code == 302, text(submitted)
        assert submitted.headers["Location"] == url
        progress = text(cinema.get(url))
        assert "已提交" in progress
        assert "湖南省 省级电影主管部门" in progress
        assert "截止 2026年10月10日 24:00" in progress
        assert "剩余 10 天 14 小时" in progress
        assert "2026-09-29 19:00" in progress and "T0001、T0002、T0003" in progress
        assert "停电通知.pdf" in progress
        number = progress.split("受理编号 ")[1].split()[0]
        assert number.startswith("TPBD-2026-")

        inbox = signed_in(app, "hunan").get("/review/")
        assert "截止 2026年10月10日 24:00" in text(inbox)
        assert "deadline-on-time" in row_of(inbox, number)
        assert "deadline-overdue" not in inbox.get_data(as_text=True)
        assert 'id="escalated-title"' not in inbox.get_data(as_text=True)

    with at(2026, 10, 11, 0, 0):
        hunan = signed_in(app, "hunan")
        inbox = hunan.get("/review/")
        assert "deadline-overdue" in row_of(inbox, number)
        assert "已逾期 不到 1 分钟" in text(inbox)
        assert "badge-escalated" not in row_of(inbox, number)

        tick(app)
        inbox = hunan.get("/review/")
        assert "badge-escalated" in row_of(inbox, number)
        assert "督办" in text(inbox)
        assert 'id="escalated-title"' in inbox.get_data(as_text=True)
        (task_id,) = task_ids(inbox)  # its own escalated task links to the task page
        task_page = text(hunan.get(f"/review/tasks/{task_id}"))
        assert "此任务已超过办理时限，已于 2026-10-11 00:00 报送督办。请尽快办理。" in task_page
        assert "截止 2026年10月10日 24:00" in task_page

        national = signed_in(app, "national")
        national_inbox = national.get("/review/")
        assert "逾期督办" in text(national_inbox)
        assert task_ids(national_inbox) == []
        assert escalation_ids(national_inbox) == [task_id]
        assert "湖南省 省级电影主管部门" in text(national_inbox)
        supervision = national.get(f"/review/escalations/{task_id}")
        assert supervision.status_code == 200
        page = text(supervision)
        assert "只读" in page
        assert "长津湖" in page and "停电通知.pdf" in page
        assert "截止 2026年10月10日 24:00" in page
        assert "逾期督办" in page  # also in the history
        assert 'name="decision"' not in supervision.get_data(as_text=True)
        assert national.get(f"/review/tasks/{task_id}").status_code == 404

        approved = hunan.post(f"/review/tasks/{task_id}/complete", data={"decision": "approve"})
        assert approved.status_code == 302
        assert escalation_ids(national.get("/review/")) == []

    with at(2026, 10, 12, 9, 30):
        national = signed_in(app, "national")
        (final_id,) = task_ids(national.get("/review/"))
        decided = national.post(f"/review/tasks/{final_id}/complete", data={"decision": "approve"})
        assert decided.status_code == 302

        cinema = signed_in(app, "cinema")
        progress = cinema.get(url)
        page = text(progress)
        assert "已通过" in page
        assert "待您办理：确认已完成退票或补登" in page
        assert "请在 2026年10月14日 09:30 前完成操作" in page
        assert "剩余 2 天" in page
        assert "window_opened" not in page  # the process's bookkeeping is not a result
        (confirm_id,) = applicant_task_ids(progress)
        assert "前往确认" in page
        dashboard = cinema.get("/applicant/")
        assert "待办" in text(dashboard) and "截止 2026年10月14日 09:30" in text(dashboard)
        assert applicant_task_ids(dashboard) == [confirm_id]

    with at(2026, 10, 13, 20):
        cinema = signed_in(app, "cinema")
        confirm_url = f"/applicant/tasks/{confirm_id}"
        form_page = cinema.get(confirm_url)
        assert form_page.status_code == 200
        assert "审批通过后，电影院须在48小时内" in text(form_page)
        assert "剩余 13 小时 30 分钟" in text(form_page)
        assert 'name="done" required type="checkbox"' in form_page.get_data(as_text=True)

        unticked = cinema.post(confirm_url, data={"note": "已退票"})
        assert unticked.status_code == 200
        assert 'id="done-error"' in unticked.get_data(as_text=True)

        done = cinema.post(confirm_url, data={"done": "y", "note": "已在票务软件中退票3张"})
        assert done.status_code == 302
        assert done.headers["Location"] == url
        final = cinema.get(url)
        assert "已办理完成" in text(final)
        assert "已通过" in text(final)
        assert 'class="steps"' not in final.get_data(as_text=True)
        assert applicant_task_ids(final) == []
        assert "办理完成" in text(final)  # the confirmation in the history


def test_an_unconfirmed_backfill_lapses(
    app: Flask, api: Api, people: People, cinema_code: str
) -> None:
    with at(2026, 10, 12, 9):
        application = api_submitted(api.as_user(people.cinema), backfill_data(cinema_code))
        hunan = signed_in(app, "hunan")
        (task_id,) = task_ids(hunan.get("/review/"))
        hunan.post(f"/review/tasks/{task_id}/complete", data={"decision": "approve"})
        url = f"/applicant/applications/{application['id']}"
        (confirm_id,) = applicant_task_ids(signed_in(app, "cinema").get(url))

    with at(2026, 10, 14, 10):  # 49 hours later, never confirmed
        tick(app)
        cinema = signed_in(app, "cinema")
        progress = cinema.get(url)
        page = text(progress)
        assert "已失效" in page
        assert "审批已失效" in page and "须重新申请" in page
        assert 'action="/applicant/new/refund_backfill"' in progress.get_data(as_text=True)
        assert applicant_task_ids(progress) == []

        messages = text(cinema.get("/applicant/notifications"))
        number = application["number"]
        assert f"申请 {number} 已审批通过" in messages
        assert f"申请 {number}：48小时的确认期限即将届满" in messages
        assert f"申请 {number}：48小时内未确认操作，本次审批已失效" in messages

        refused = cinema.get(f"/applicant/tasks/{confirm_id}")
        assert refused.status_code == 302
        assert refused.headers["Location"] == url
        assert "办理期限已过，本次审批已失效" in text(cinema.get(url))
        late = cinema.post(f"/applicant/tasks/{confirm_id}", data={"done": "y"})
        assert late.status_code == 302
        assert "办理期限已过，本次审批已失效" in text(cinema.get(url))

        again = cinema.post("/applicant/new/refund_backfill")
        assert again.status_code == 302 and again.headers["Location"].endswith("/edit")
