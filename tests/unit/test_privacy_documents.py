"""A person's copy and the audit log as files: readable, complete, and safe to open."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl

from bot.i18n import Translator
from documents import mydata
from documents.audit import AuditRow, action_label, audit_xlsx
from storage.erasure import _replace

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


AT = "2026-11-01T10:00:00+00:00"


def _data() -> dict:
    answers = {"birth_year": 2008, "who": "student", "contact": "p@example.com"}
    return {
        "person": {"id": 7, "full_name": "Пётр Сидоров", "locale": "ru", "created_at": AT},
        "accounts": [
            {"platform": "vk", "external_id": "5001", "chat_id": "5001", "created_at": AT,
             "last_seen_at": None}
        ],
        "participations": [
            {"organization": "Школа № 1", "role": "mentee", "status": "active", "created_at": AT,
             "admitted_at": None, "capacity": None}
        ],
        "consents": [
            {"kind": "personal_data", "text_version": "2026-11-v1", "given": True,
             "created_at": AT, "withdrawn_at": None, "for": None, "by_representative": False}
        ],
        "responses": [
            {"id": 1, "questionnaire": "mentee_request", "version": 1, "locale": "ru",
             "status": "submitted", "note": None, "context": {"reply": "Да, готов"},
             "answers": answers, "created_at": AT, "submitted_at": None, "decided_at": None}
        ],
        "pairs": [], "meetings": [], "plan_items": [], "preferences": [], "children": [],
        "audit": [
            {"at": "2026-11-02T09:00:00+00:00", "action": "pair.approved", "details": {},
             "organization": "Школа № 1", "by_you": False}
        ],
    }  # fmt: skip


def test_the_copy_puts_each_answer_beside_its_question() -> None:
    t = Translator("ru")
    files = {name: data for name, _mime, data in mydata.files(t, _data(), NOW, MOSCOW)}
    text = files["mydata_2026-11-24.txt"].decode()
    assert "В каком году вы родились? — 2008" in text
    assert "Как с вами связаться, кроме этого чата? — p@example.com" in text
    assert "Ваш ответ куратору: Да, готов" in text
    assert "Пара утверждена (куратор или система)" in text
    assert "01.11.2026 13:00" in text  # Moscow time, not UTC
    copy = json.loads(files["mydata_2026-11-24.json"])
    assert copy["person"]["full_name"] == "Пётр Сидоров"
    readable = {a["id"]: a["answer"] for a in copy["responses"][0]["answers_readable"]}
    assert readable["birth_year"] == "2008" and readable["who"] != "student"  # the label


def test_the_audit_log_keeps_typed_text_from_becoming_formulas() -> None:
    t = Translator("ru")
    rows = [AuditRow(NOW, '=HYPERLINK("x")', "forbidden", {"target": "=1+1"})]
    sheet = openpyxl.load_workbook(io.BytesIO(audit_xlsx(rows, t, "Школа", MOSCOW))).active
    values = [c for row in sheet.iter_rows(min_row=3) for c in row]
    assert [c.data_type for c in values[2:]] == ["s", "s", "s"]
    assert values[1].value == "24.11.2026 16:00:00"
    assert action_label(t, "forbidden") == "Отказано: нет прав"
    assert action_label(t, "something.new") == "something.new"


def test_a_name_is_removed_from_nested_values_only_where_it_occurs() -> None:
    value = {"text": "Встреча с Пётр Сидоров", "list": ["Пётр Сидоров", 3], "other": "Пётр"}
    assert _replace(value, ["Пётр Сидоров"]) == {
        "text": "Встреча с —",
        "list": ["—", 3],
        "other": "Пётр",
    }
