"""Conversation flows. They see only `bot.context.Context`: no messenger SDK here."""
