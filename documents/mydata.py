"""A person's copy of their data: JSON (complete, for machines and other services) and a
plain text that reads on a phone, with every answer next to its question."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import forms
from bot.i18n import Translator
from documents.audit import action_label
from domain.questionnaire import QType, Question

JSON_MIME, TEXT_MIME = "application/json", "text/plain"
Record = dict[str, Any]


def answer_text(t: Translator, question: Question, value: Any) -> str:
    """The answer as the person chose or typed it, in full."""
    if question.type in (QType.SINGLE, QType.MULTI):
        chosen = value if isinstance(value, list) else [value]
        labels = {o.id: o.label for o in question.options}
        return ", ".join(labels.get(str(v), str(v)) for v in chosen)
    if question.type is QType.YESNO:
        return t("form.yes") if value else t("form.no")
    if question.type is QType.SCALE:
        return t("form.scale_value", value=value, max=question.bounds()[1])
    return str(value)


def readable_answers(t: Translator, response: Record) -> list[Record]:
    """[{question, answer}] in the order of the questionnaire the answers were given to."""
    form = forms.version(response["questionnaire"], response["locale"], response["version"])
    answers: dict[str, Any] = response.get("answers") or {}
    rows = [
        {"id": q.id, "question": q.text, "answer": answer_text(t, q, answers[q.id])}
        for q in form.questions
        if q.id in answers
    ]
    known = {q.id for q in form.questions}
    rows += [
        {"id": k, "question": k, "answer": str(v)} for k, v in answers.items() if k not in known
    ]
    return rows


def export_json(t: Translator, data: Record, made_at: datetime) -> bytes:
    responses = []
    for response in data["responses"]:
        form = forms.version(response["questionnaire"], response["locale"], response["version"])
        responses.append(
            {**response, "title": form.title, "answers_readable": readable_answers(t, response)}
        )
    document = {"exported_at": made_at.isoformat(), **data, "responses": responses}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


class _Text:
    """Builds the readable copy: headed sections, one line an item."""

    def __init__(self, t: Translator, tz: ZoneInfo) -> None:
        self.t, self.tz, self.lines = t, tz, []

    def when(self, value: str | None) -> str:
        if not value:
            return "—"
        if "T" not in value:  # a date
            year, month, day = value.split("-")
            return f"{day}.{month}.{year}"
        return datetime.fromisoformat(value).astimezone(self.tz).strftime("%d.%m.%Y %H:%M")

    def section(self, key: str, items: list[str]) -> None:
        self.lines += ["", f"== {self.t(f'privacy.export.{key}')} =="]
        self.lines += items or [self.t("privacy.export.none")]


def export_text(t: Translator, data: Record, made_at: datetime, tz: ZoneInfo) -> bytes:
    out = _Text(t, tz)
    p = data["person"]
    out.lines += [
        t("privacy.export.title"),
        t("privacy.export.made", at=out.when(made_at.isoformat()), tz=str(tz)),
    ]
    out.section(
        "person",
        [
            t("privacy.export.name", name=p["full_name"] or "—"),
            t("privacy.export.language", lang=p["locale"]),
            t("privacy.export.since", at=out.when(p["created_at"])),
        ],
    )
    out.section(
        "accounts",
        [
            t(
                "privacy.export.account",
                platform=t(f"privacy.platform.{a['platform']}"),
                id=a["external_id"],
                at=out.when(a["created_at"]),
                seen=out.when(a["last_seen_at"]),
            )
            for a in data["accounts"]
        ],
    )
    out.section(
        "participations",
        [
            t(
                "privacy.export.role",
                role=t(f"roles.name.{r['role']}"),
                org=r["organization"],
                at=out.when(r["created_at"]),
            )
            for r in data["participations"]
        ],
    )
    out.section("consents", [_consent(out, c) for c in data["consents"]])
    items: list[str] = []
    for response in data["responses"]:
        form = forms.version(response["questionnaire"], response["locale"], response["version"])
        items.append(
            t(
                "privacy.export.response",
                title=form.title,
                status=t(f"status.{response['status']}"),
                at=out.when(response["submitted_at"] or response["created_at"]),
            )
        )
        items += [
            f"  {n}. {row['question']} — {row['answer']}"
            for n, row in enumerate(readable_answers(t, response), start=1)
        ]
        if response.get("note"):
            items.append("  " + t("privacy.export.note", text=response["note"]))
        if (response.get("context") or {}).get("reply"):
            items.append("  " + t("privacy.export.reply", text=response["context"]["reply"]))
    out.section("responses", items)
    out.section("pairs", [_pair(out, pair) for pair in data["pairs"]])
    out.section(
        "meetings",
        [
            t(
                "privacy.export.meeting",
                pair=m["pair_id"],
                at=out.when(m["at"]),
                status=m["status"],
                topic=m["topic"] or "—",
                notes=m["notes"] or "—",
            )
            for m in data["meetings"]
        ],
    )
    out.section(
        "plan",
        [
            t(
                "privacy.export.plan_item",
                pair=i["pair_id"],
                text=i["text"],
                due=out.when(i["due_on"]),
                done=out.when(i["done_at"]),
            )
            for i in data["plan_items"]
        ],
    )
    out.section(
        "preferences",
        [
            t("privacy.export.preference", name=c["chosen"], org=c["organization"])
            for c in data["preferences"]
        ],
    )
    if data["children"]:
        out.section("children", [f"• {c['full_name']}" for c in data["children"]])
    out.section(
        "audit",
        [
            t(
                "privacy.export.audit_line",
                at=out.when(a["at"]),
                action=action_label(t, a["action"]),
                who=t("privacy.export.by_you") if a["by_you"] else t("privacy.export.by_other"),
            )
            for a in data["audit"]
        ],
    )
    return ("\n".join(out.lines) + "\n").encode("utf-8")


def _consent(out: _Text, c: Record) -> str:
    t = out.t
    line = t(
        "privacy.export.consent",
        kind=t(f"privacy.consent_kind.{c['kind']}"),
        version=c["text_version"],
        given=t("privacy.export.given") if c["given"] else t("privacy.export.refused"),
        at=out.when(c["created_at"]),
    )
    if c["withdrawn_at"]:
        line += " " + t("privacy.export.withdrawn", at=out.when(c["withdrawn_at"]))
    if c["for"]:
        line += " " + t("privacy.export.for_child", name=c["for"])
    elif c["by_representative"]:
        line += " " + t("privacy.export.by_representative")
    return line


def _pair(out: _Text, pair: Record) -> str:
    t = out.t
    return t(
        "privacy.export.pair",
        kind=t(f"pairs.kind.{pair['kind']}"),
        id=pair["id"],
        org=pair["organization"],
        role=t(f"roles.name.{pair['role']}"),
        mentor=pair["mentor"],
        mentees=", ".join(pair["mentees"]) or "—",
        status=t(f"pairs.status.{pair['status']}"),
        start=out.when(pair["starts_on"]),
        end=out.when(pair["finished_on"] or pair["ends_on"]),
    )


def files(
    t: Translator, data: Record, made_at: datetime, tz: ZoneInfo
) -> list[tuple[str, str, bytes]]:
    """(filename, mime, bytes): the JSON and the readable text."""
    stamp = made_at.astimezone(tz).strftime("%Y-%m-%d")
    return [
        (f"mydata_{stamp}.json", JSON_MIME, export_json(t, data, made_at)),
        (f"mydata_{stamp}.txt", TEXT_MIME, export_text(t, data, made_at, tz)),
    ]
