"""A small Python client for a running inferd server (REST, standard library only)."""

from inferd.client.client import Client

__all__ = ["Client"]
