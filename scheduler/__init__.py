"""Periodic ticks that derive what is due from the database (see scheduler/tick.py)."""
