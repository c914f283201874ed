"""Look for strings anywhere in a SQLite database: every column of every table, JSON read
back to text (it is stored with non-ASCII escaped), files (XLSX, DOCX: zipped XML)
opened. Used to prove that withdrawn personal data are gone."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from typing import Any


def _texts(value: Any) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, bytes):
        if value[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(value)) as archive:
                for name in archive.namelist():
                    yield archive.read(name).decode("utf-8", "replace")
        yield value.decode("utf-8", "replace")
        return
    text = str(value)
    yield text
    if text[:1] in '[{"':
        try:
            decoded = json.loads(text)
        except ValueError:
            return
        yield json.dumps(decoded, ensure_ascii=False)


def find(path: str, needles: list[str], words: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    """Where any needle occurs (as a substring) or any word (as a whole token):
    "table.column#rowid: needle"."""
    patterns = [re.compile(rf"(?<![\d\w]){re.escape(w)}(?![\d\w])") for w in words]
    found = []
    with sqlite3.connect(path, timeout=10) as connection:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [r[1] for r in connection.execute(f'PRAGMA table_info("{table}")')]
            for row in connection.execute(f'SELECT rowid, * FROM "{table}"'):
                for column, value in zip(columns, row[1:], strict=True):
                    for text in _texts(value):
                        hits = [n for n in needles if n in text]
                        hits += [w for w, p in zip(words, patterns, strict=True) if p.search(text)]
                        found += [f"{table}.{column}#{row[0]}: {h}" for h in hits]
    return sorted(set(found))
