"""Questionnaire files: `locales/<lang>/questionnaires/<id>.yaml` is the current version;
an older version kept as `<id>.v<N>.yaml` keeps answers given to it readable."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.i18n import FALLBACK, LOCALES_DIR
from domain.questionnaire import Questionnaire, from_data


def _path(locale: str, form_id: str, version: int | None) -> Path:
    name = f"{form_id}.yaml" if version is None else f"{form_id}.v{version}.yaml"
    return LOCALES_DIR / locale / "questionnaires" / name


@cache
def _load(path: Path) -> Questionnaire:
    with path.open(encoding="utf-8") as handle:
        return from_data(yaml.safe_load(handle))


@cache  # files are read once (as `_load` does); this also spares a stat() per update
def current(form_id: str, locale: str) -> Questionnaire:
    path = _path(locale, form_id, None)
    if not path.exists():
        path = _path(FALLBACK, form_id, None)
    return _load(path)


@cache
def version(form_id: str, locale: str, number: int) -> Questionnaire:
    """The questionnaire as it was at `number`; the current one if that is it or is lost."""
    latest = current(form_id, locale)
    if latest.version == number:
        return latest
    for lang in (locale, FALLBACK):
        path = _path(lang, form_id, number)
        if path.exists():
            return _load(path)
    return latest
