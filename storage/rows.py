"""ORM objects from rows read with Core, for the hot path.

Loading through the ORM (its query, identity map, loader, the constructor's attribute
events) costs ~0.1 ms an object; a cached Core statement and `adopt` cost about a third.
The object is persistent in the session exactly as if the ORM had loaded it: changes to
it are flushed as usual, and the session's own object wins if it already holds one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class

T = TypeVar("T")


class Adopter(Generic[T]):
    """Builds objects of one mapped class from rows of its table's columns, in order."""

    def __init__(self, cls: type[T]) -> None:
        mapper = inspect(cls)
        self.cls = cls
        self.table: Table = mapper.local_table  # type: ignore[assignment]
        self._manager = manager_of_class(cls)
        self._attributes = tuple(
            mapper.get_property_by_column(column).key for column in self.table.c
        )
        primary_key = mapper.get_property_by_column(mapper.primary_key[0]).key
        self._key = self._attributes.index(primary_key)

    def adopt(self, session: AsyncSession, values: Sequence[Any]) -> T:
        """The object for `values` (the table's columns in order), attached to `session`;
        the session's own object for that primary key if it holds one."""
        key = session.sync_session.identity_key(self.cls, values[self._key])
        held = session.identity_map.get(key)
        if held is not None:
            expired = inspect(held).expired_attributes
            for name, value in zip(self._attributes, values, strict=True):
                if name in expired:  # unloaded: a lazy load would fail under asyncio
                    set_committed_value(held, name, value)
            return held  # type: ignore[no-any-return]
        # Filled the way the ORM's loader does (straight into __dict__): the constructor's
        # instrumented attribute events cost as much as the query.
        obj = self._manager.new_instance()
        obj.__dict__.update(zip(self._attributes, values, strict=True))
        make_transient_to_detached(obj)  # persistent on add, with no pending changes
        session.add(obj)
        return obj  # type: ignore[no-any-return]
