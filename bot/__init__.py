"""Mentoring program chat bot: configuration, neutral types, engine and start-up."""
