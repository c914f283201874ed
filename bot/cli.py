"""Command line: run (default), migrate, create-org, curator-code, backup."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sqlite3
import sys
from pathlib import Path

from bot.clock import SystemClock
from bot.config import Settings, SettingsError, load_settings
from storage import db, people
from storage.models import Organization


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Mentoring program bot")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run every configured transport (the default)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    create = commands.add_parser("create-org", help="create an organization, print its codes")
    create.add_argument("name")
    create.add_argument("--timezone", help="IANA name, e.g. Asia/Vladivostok")
    more = commands.add_parser(
        "curator-code", help="a new one-time curator code for an organization (by its id)"
    )
    more.add_argument("organization_id", type=int)
    backup = commands.add_parser("backup", help="consistent copy of the SQLite database")
    backup.add_argument("path")
    return parser


async def _migrate(settings: Settings) -> None:
    engine = db.create_engine(settings.database_url)
    await db.migrate(engine)
    await engine.dispose()


async def _create_org(settings: Settings, name: str, timezone: str | None) -> tuple[str, str]:
    engine = db.create_engine(settings.database_url)
    await db.migrate(engine)
    async with db.session_factory(engine).begin() as session:
        _, curator, join = await people.create_organization(
            session, name.strip(), timezone or settings.default_timezone, SystemClock().now()
        )
    await engine.dispose()
    return curator, join


async def _curator_code(settings: Settings, org_id: int) -> str | None:
    engine = db.create_engine(settings.database_url)
    await db.migrate(engine)
    async with db.session_factory(engine).begin() as session:
        if await session.get(Organization, org_id) is None:
            code = None
        else:
            now = SystemClock().now()
            code = (await people.create_invite(session, org_id, "curator", now, uses=1)).code
    await engine.dispose()
    return code


def _backup(settings: Settings, target: str) -> None:
    """SQLite's online backup API: a consistent snapshot while the bot keeps writing."""
    if not settings.database_url.startswith("sqlite"):
        raise SystemExit("backup: for PostgreSQL use pg_dump")
    source_path = settings.database_url.split(":///", 1)[1]
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)
    copy.close()
    source.close()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("aiogram").setLevel(
        max(logging.WARNING, logging.getLevelName(settings.log_level))
    )
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("database is up to date")
    elif args.command == "create-org":
        if args.timezone:
            try:
                settings = load_settings(default_timezone=args.timezone)
            except SettingsError as exc:
                print(exc, file=sys.stderr)
                return 2
        curator, join = asyncio.run(_create_org(settings, args.name, args.timezone))
        print(f"curator: {curator}")
        print(f"join: {join}")
    elif args.command == "curator-code":
        code = asyncio.run(_curator_code(settings, args.organization_id))
        if code is None:
            print(f"no organization with id {args.organization_id}", file=sys.stderr)
            return 2
        print(f"curator: {code}")
    elif args.command == "backup":
        _backup(settings, args.path)
        print(f"backup written to {args.path}")
    else:
        from bot.app import run

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    return 0
