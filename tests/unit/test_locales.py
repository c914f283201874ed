"""Every text exists in both languages, and YAML did not turn a key into a boolean."""

from __future__ import annotations

import re
import string

from bot.i18n import catalog


def test_russian_and_english_have_the_same_keys() -> None:
    ru, en = catalog("ru"), catalog("en")
    assert sorted(ru.keys() - en.keys()) == []
    assert sorted(en.keys() - ru.keys()) == []


def test_no_key_was_read_as_a_boolean() -> None:
    # PyYAML reads an unquoted `yes:`/`no:` as True/False: the key must be quoted.
    bad = [k for k in catalog("ru") if re.search(r"(^|\.)(True|False)(\.|$)", k)]
    assert bad == []


def test_both_languages_use_the_same_placeholders() -> None:
    ru, en = catalog("ru"), catalog("en")

    def names(template: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f}

    differ = [k for k in ru if k in en and names(ru[k]) != names(en[k])]
    assert differ == []
