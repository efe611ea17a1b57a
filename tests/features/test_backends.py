"""Choosing a store by URL."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from inferd.errors import InvalidInputError, MissingExtraError
from inferd.features import open_feature_store


def test_an_unknown_scheme_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(
        InvalidInputError, match=r"'mongodb://x' is not supported; use sqlite:///path, redis://"
    ):
        open_feature_store("mongodb://x")


def test_sqlite_urls_follow_sqlalchemys_convention(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite:///relative/features.db", f"sqlite:///{tmp_path}/absolute/features.db"):
        store = open_feature_store(url)
        store.put("e", np.array([1]), {"f": np.array([1.0])}, np.array([1.0]))
        store.close()
    assert (tmp_path / "relative" / "features.db").is_file()
    assert (tmp_path / "absolute" / "features.db").is_file()


def test_opening_a_store_connects_to_nothing(tmp_path: Path) -> None:
    open_feature_store(f"sqlite:///{tmp_path}/lazy.db").close()
    open_feature_store("redis://127.0.0.1:1/0").close()
    assert not (tmp_path / "lazy.db").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(importlib.util.find_spec("feast") is not None, reason="feast is installed here")
def test_feast_without_the_extra_names_the_extra_to_install(tmp_path: Path) -> None:
    store = open_feature_store(f"feast://{tmp_path}?view=stats")
    with pytest.raises(MissingExtraError, match=r'pip install "inferd\[feast\]"'):
        store.get("customer_id", np.array([1]), ["f"])
