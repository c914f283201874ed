"""Texts from `locales/<lang>/*.yaml` (`messages.yaml` plus one file per area, e.g.
`pairs.yaml`, so areas of the product keep their texts apart); a key missing in one language
falls back to Russian, the product's first language, and a key missing everywhere is a loud
error. Two files defining the same key is an error too."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT, SUPPORTED_LOCALES

LOCALES_DIR = PROJECT_ROOT / "locales"
FALLBACK = "ru"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value).rstrip("\n")
    return flat


@cache
def catalog(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / locale).glob("*.yaml")):
        with Path(path).open(encoding="utf-8") as handle:
            texts = _flatten(yaml.safe_load(handle) or {})
        clash = merged.keys() & texts.keys()
        if clash:
            raise ValueError(f"{path}: keys defined twice: {sorted(clash)[:5]}")
        merged.update(texts)
    return merged


def text(locale: str, key: str, **values: Any) -> str:
    lang = locale if locale in SUPPORTED_LOCALES else FALLBACK
    template = catalog(lang).get(key)
    if template is None:
        template = catalog(FALLBACK)[key]
    return template.format(**values) if values else template


class Translator:
    """Bound to one person's language, so handlers write `t("menu.title")`."""

    __slots__ = ("locale",)

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __call__(self, key: str, **values: Any) -> str:
        return text(self.locale, key, **values)
