from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from inferd.errors import InvalidInputError, ModelNotFoundError, VersionNotFoundError
from inferd.registry import Registry
from tests.registry.artifacts import write_file


@pytest.fixture
def three_versions(registry: Registry, tmp_path: Path) -> Registry:
    for i in range(3):
        registry.register("m", write_file(tmp_path / f"m{i}.bin", bytes([i])), framework="python")
    return registry


def test_an_alias_resolves_to_its_version_and_moves(three_versions: Registry) -> None:
    reg = three_versions
    reg.set_alias("m", "production", 1)
    assert reg.resolve("m@production").version == 1

    move = reg.set_alias("m", "production", 3, by="alice", reason="better AUC")

    assert reg.resolve("m@production").version == 3
    assert (move.from_version, move.to_version, move.by, move.reason) == (1, 3, "alice", "better AUC")
    assert reg.aliases("m") == {"production": 3}


def test_every_move_is_recorded_oldest_first(three_versions: Registry) -> None:
    reg = three_versions
    reg.set_alias("m", "production", 1, by="a", reason="first")
    reg.set_alias("m", "staging", 2)
    reg.set_alias("m", "production", 2, by="b", reason="second")
    reg.delete_alias("m", "staging", by="c", reason="unused")

    history = reg.alias_history("m", "production")
    production = [(h.from_version, h.to_version, h.by, h.reason) for h in history]
    everything = [(h.alias, h.to_version) for h in reg.alias_history("m")]

    assert production == [(None, 1, "a", "first"), (1, 2, "b", "second")]
    assert everything == [("production", 1), ("staging", 2), ("production", 2), ("staging", None)]
    assert reg.aliases("m") == {"production": 2}


def test_moving_an_alias_to_a_missing_version_changes_nothing(three_versions: Registry) -> None:
    reg = three_versions
    reg.set_alias("m", "production", 2)

    with pytest.raises(VersionNotFoundError, match="no version 9"):
        reg.set_alias("m", "production", 9)

    assert reg.aliases("m") == {"production": 2}
    assert len(reg.alias_history("m")) == 1


def test_aliases_of_an_unknown_model_are_not_found(registry: Registry) -> None:
    with pytest.raises(ModelNotFoundError):
        registry.set_alias("ghost", "production", 1)
    with pytest.raises(ModelNotFoundError):
        registry.aliases("ghost")


def test_an_invalid_alias_name_is_refused(three_versions: Registry) -> None:
    with pytest.raises(InvalidInputError, match="alias 'bad alias'"):
        three_versions.set_alias("m", "bad alias", 1)


def test_alias_at_answers_what_served_at_a_past_moment(three_versions: Registry) -> None:
    reg = three_versions
    first = reg.set_alias("m", "production", 1)
    second = reg.set_alias("m", "production", 2)
    deleted = reg.delete_alias("m", "production")

    assert reg.alias_at("m", "production", first.at - timedelta(seconds=1)) is None
    assert reg.alias_at("m", "production", first.at) == 1
    assert reg.alias_at("m", "production", second.at) == 2
    assert reg.alias_at("m", "production", deleted.at - timedelta(microseconds=1)) == 2
    assert reg.alias_at("m", "production", deleted.at) is None
    local_naive = second.at.astimezone().replace(tzinfo=None)
    assert reg.alias_at("m", "production", local_naive) == 2


def test_rollback_walks_back_through_previous_versions(three_versions: Registry) -> None:
    reg = three_versions
    for version in (1, 2, 3):
        reg.set_alias("m", "production", version)

    first = reg.rollback("m", "production", by="oncall", reason="errors up")
    second = reg.rollback("m", "production")

    assert (first.from_version, first.to_version, first.is_rollback) == (3, 2, True)
    assert (first.by, first.reason) == ("oncall", "errors up")
    assert (second.from_version, second.to_version) == (2, 1)
    assert reg.resolve("m@production").version == 1
    with pytest.raises(InvalidInputError, match="no earlier version"):
        reg.rollback("m", "production")
    assert reg.resolve("m@production").version == 1


def test_rollback_after_a_new_move_returns_to_the_version_it_replaced(three_versions: Registry) -> None:
    reg = three_versions
    reg.set_alias("m", "production", 1)
    reg.set_alias("m", "production", 2)
    reg.rollback("m", "production")
    reg.set_alias("m", "production", 3)

    assert reg.rollback("m", "production").to_version == 1


def test_rollback_of_a_missing_alias_is_not_found(three_versions: Registry) -> None:
    with pytest.raises(VersionNotFoundError, match="no alias 'production'"):
        three_versions.rollback("m", "production")


def test_deleting_a_missing_alias_is_not_found_and_records_nothing(three_versions: Registry) -> None:
    with pytest.raises(VersionNotFoundError, match="no alias 'staging'"):
        three_versions.delete_alias("m", "staging")
    assert three_versions.alias_history("m") == []
