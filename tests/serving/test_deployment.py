"""A deployment file's mistakes are refused when it is read, each naming what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inferd.errors import InvalidInputError
from inferd.serving.deployment import CacheConfig, Deployment, FeatureLookup


def test_no_deployment_is_the_plain_contract_to_model_path() -> None:
    assert Deployment.from_dict(None).is_plain
    assert Deployment.from_dict({}).is_plain


def test_the_parts_are_read_with_their_defaults() -> None:
    deployment = Deployment.from_dict(
        {"features": {"entity": "user_id", "fields": ["age", "visits"]}, "cache": True}
    )
    assert deployment.features == FeatureLookup("user_id", ("age", "visits"), keep_entity=False)
    assert deployment.cache == CacheConfig()
    assert Deployment.from_dict({"cache": False}).cache is None
    redis = Deployment.from_dict(
        {"cache": {"backend": "redis", "ttl_s": 30, "url": "redis://127.0.0.1:6379/0"}}
    )
    assert redis.cache == CacheConfig("redis", CacheConfig.max_bytes, 30.0, "redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["features"], "must be a mapping"),
        ({"feature": {}}, r"unknown keys \['feature'\]; known: \['cache', 'features'"),
        ({"features": {"fields": ["age"]}}, "'features' needs 'entity'"),
        ({"features": {"entity": "id", "fields": []}}, "non-empty list of field names"),
        ({"features": {"entity": "id", "fields": ["age", 3]}}, "non-empty list of field names"),
        ({"preprocess": {"op": "log"}}, "'preprocess' must be a list of mappings"),
        ({"postprocess": ["round"]}, "'postprocess' must be a list of mappings"),
        ({"cache": "yes"}, "'cache' must be a mapping"),
        ({"cache": {"backend": "memcached"}}, "cache backend 'memcached' must be one of memory, redis"),
        ({"cache": {"max_bytes": "lots"}}, "bad cache setting"),
        ({"cache": {"max_bytes": 0}}, "cache max_bytes must be positive, got 0"),
        ({"cache": {"ttl_s": -1}}, r"cache ttl_s must be at least 0.001 s, got -1.0"),
        ({"cache": {"backend": "redis", "ttl_s": 0.0005}}, r"cache ttl_s must be at least 0.001 s"),
        ({"cache": {"backend": "redis", "ttl_s": "nan"}}, r"cache ttl_s must be at least 0.001 s, got nan"),
    ],
)
def test_a_mistake_is_refused_naming_it(data: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Deployment.from_dict(data)


def test_a_file_that_is_not_yaml_or_holds_a_mistake_is_refused_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("features: [unclosed\n")
    with pytest.raises(InvalidInputError, match=f"{broken}: cannot read the deployment"):
        Deployment.load(broken)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("cache:\n  backend: memcached\n")
    with pytest.raises(InvalidInputError, match=f"{wrong}: deployment: cache backend 'memcached'"):
        Deployment.load(wrong)
    with pytest.raises(InvalidInputError, match="cannot read the deployment"):
        Deployment.load(tmp_path / "missing.yaml")
