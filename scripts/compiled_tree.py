"""A copy of ``src/`` whose request path is compiled by mypyc; prints the folder to put on PYTHONPATH.

Run: .venv/bin/python scripts/compiled_tree.py [--root build/compiled] [--opt-level 3]

It copies ``src/inferd``, ``setup.py`` and ``pyproject.toml`` to a folder named after a hash
of what goes in (every source file, the module list, mypy's version) and runs the compiled
build there (``INFERD_MYPYC=1 setup.py build_ext --inplace``: the same as a compiled wheel's).
A folder already built for the same sources is used again; others under the root are removed.
Then ``PYTHONPATH=<printed folder> inferd serve ...`` serves with the compiled modules
(Python imports an extension module before a source file of the same name).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mypy.version

REPO = Path(__file__).resolve().parent.parent
BUILD_INPUTS = ("setup.py", "pyproject.toml")
DONE = "built"  # written last: a folder without it was interrupted and is built again


def source_key(opt_level: str) -> str:
    digest = hashlib.sha256(f"{mypy.version.__version__} -O{opt_level}".encode())
    for name in BUILD_INPUTS:
        digest.update((REPO / name).read_bytes())
    for path in sorted((REPO / "src" / "inferd").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def compiled_tree(root: Path, opt_level: str = "3") -> Path:
    """The ``src`` folder of a compiled copy of the sources, built now unless one exists already.

    ``opt_level`` is the C compiler's -O: 3 for speed (what a wheel gets), 0 to build fast.
    """
    folder = root / source_key(opt_level)
    if (folder / DONE).exists():
        return folder / "src"
    if root.exists():
        shutil.rmtree(root)
    folder.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.pyc")
    shutil.copytree(REPO / "src" / "inferd", folder / "src" / "inferd", ignore=ignore)
    for name in BUILD_INPUTS:
        shutil.copy2(REPO / name, folder / name)
    done = subprocess.run(
        [sys.executable, "setup.py", "--quiet", "build_ext", "--inplace"],
        cwd=folder,
        env={**os.environ, "INFERD_MYPYC": "1", "MYPYC_OPT_LEVEL": opt_level},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the compiled build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    (folder / DONE).write_text("")
    return folder / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO / "build" / "compiled")
    parser.add_argument("--opt-level", choices=("0", "1", "2", "3"), default="3")
    args = parser.parse_args()
    print(compiled_tree(args.root, args.opt_level))


if __name__ == "__main__":
    main()
