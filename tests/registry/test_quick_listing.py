"""The embedded registry's quick listing (no SQLAlchemy) answers exactly as the Registry does."""

from __future__ import annotations

from pathlib import Path

from inferd.config import RegistrySettings
from inferd.registry import Registry
from inferd.registry.quick_listing import list_models_quickly
from tests.loaded_modules import loaded_by


def test_the_quick_listing_equals_the_registrys(tmp_path: Path) -> None:
    settings = RegistrySettings(home=tmp_path / "home")
    artifact = tmp_path / "m.onnx"
    artifact.write_bytes(b"model bytes")
    with Registry.open(settings) as registry:
        for name in ("zeta", "alpha", "mid"):
            for _ in range(3 if name != "mid" else 1):
                registry.register(name, artifact, framework="onnx")
        registry.set_alias("alpha", "production", 2)
        registry.set_alias("alpha", "staging", 3)
        registry.set_alias("zeta", "production", 1)
        expected = registry.list_models()
    assert list_models_quickly(settings) == expected
    assert [s.name for s in expected] == ["alpha", "mid", "zeta"]


def test_it_defers_to_the_registry_when_unsure(tmp_path: Path) -> None:
    assert list_models_quickly(RegistrySettings(home=tmp_path / "never-created")) is None
    assert list_models_quickly(RegistrySettings(registry_url="postgresql://x@127.0.0.1:1/db")) is None
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "registry.db").write_bytes(b"not a database")
    assert list_models_quickly(RegistrySettings(home=broken)) is None


def test_listing_models_does_not_import_sqlalchemy(tmp_path: Path) -> None:
    settings = RegistrySettings(home=tmp_path / "home")
    with Registry.open(settings):
        pass
    code = (
        "from pathlib import Path; from inferd.config import RegistrySettings; "
        "from inferd.registry.quick_listing import list_models_quickly; "
        f"assert list_models_quickly(RegistrySettings(home=Path({str(settings.home)!r}))) == []"
    )
    assert loaded_by(code, ("sqlalchemy", "numpy")) == []
