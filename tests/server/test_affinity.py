"""``--cpu-affinity``: how a worker picks its CPU."""

from __future__ import annotations

import os
from pathlib import Path

from inferd.server.affinity import claim_cpu


def test_workers_claim_a_cpu_each_then_wrap_around(tmp_path: Path) -> None:
    allowed = {2, 5, 7}
    claimed = [claim_cpu(tmp_path, allowed) for _ in range(3)]
    assert claimed == [2, 5, 7]  # in order, none twice
    assert claim_cpu(tmp_path, allowed) in allowed  # a fourth worker shares one


def test_with_one_cpu_allowed_there_is_nothing_to_pin(tmp_path: Path) -> None:
    assert claim_cpu(tmp_path, {3}) is None
    assert not list(tmp_path.iterdir())


def test_without_a_shared_folder_the_choice_is_still_an_allowed_cpu() -> None:
    assert claim_cpu(None, {4, 6}) == (4, 6)[os.getpid() % 2]
