"""Persistence: SQLAlchemy 2 async models, the database engine and small repositories."""
