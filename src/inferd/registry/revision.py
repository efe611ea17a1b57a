"""The schema revision this code expects (kept apart from the tables so reading it imports nothing)."""

HEAD_REVISION = "0001"
