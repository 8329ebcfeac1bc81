"""The Python and Node.js versions the README names are the ones the project supports.

"Run it" names the oldest Python that runs linreg (``requires-python`` and ruff's target
say the same); "Test it" names the oldest Python for which every pin in
``constraints.txt`` exists (each pinned package's own ``Requires-Python``, read from the
installed packages, which CI installs from those pins). The README's sentence about npm's
``EBADENGINE`` warning is checked against the lock and the docs build's own code.
"""

from __future__ import annotations

import importlib.metadata
import json
import re

import tomllib
from packaging.specifiers import SpecifierSet

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: The Python releases worth asking about: 3.8.0 .. 3.14.30.
RELEASES = [(minor, patch) for minor in range(8, 15) for patch in range(31)]


def _section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _readme_python(title: str) -> tuple[int, int]:
    """The ``Python 3.N+`` or ``Python 3.N.P+`` a README section names, as (N, P)."""
    found = re.search(r"Python 3\.(\d+)(?:\.(\d+))?\+", _section(title))
    assert found, f"README '{title}' names no 'Python 3.N+'"
    return int(found.group(1)), int(found.group(2) or 0)


def _oldest(spec: str) -> tuple[int, int]:
    """The oldest Python 3 release a ``Requires-Python`` specifier allows, as (N, P)."""
    allowed = [(n, p) for n, p in RELEASES if f"3.{n}.{p}" in SpecifierSet(spec)]
    assert allowed, spec
    return allowed[0]


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def test_run_it_names_the_python_that_requires_python_allows():
    oldest = _oldest(PYPROJECT["project"]["requires-python"])
    assert _readme_python("Run it") == oldest
    assert PYPROJECT["tool"]["ruff"]["target-version"] == f"py3{oldest[0]}"


def test_test_it_names_the_oldest_python_every_pin_exists_for():
    needs = {}
    for name, version in _pins().items():
        meta = importlib.metadata.metadata(name)
        assert meta["Version"] == version, f"{name} {meta['Version']} installed, {version} pinned"
        needs[name] = _oldest(meta.get("Requires-Python") or ">=3")
    oldest = max(needs.values())
    assert _readme_python("Test it") == oldest, {n: v for n, v in needs.items() if v == oldest}
    # The README explains why with the pins that need 3.11: each must be one of them.
    for name in ("numpy", "scipy", "pandas", "ipython"):
        assert needs[name][0] == oldest[0], name
    assert _oldest(PYPROJECT["project"]["requires-python"]) <= oldest


def test_the_test_command_installs_editable():
    command = re.search(r"```sh\n(.*?)\n```", _section("Test it"), re.S)
    assert command is not None
    assert " -e '.[test,docs]'" in command.group(1)  # no stale copy after an edit


def test_the_node_warning_is_only_for_a_tool_the_docs_build_never_runs():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    wanting = {
        path.removeprefix("node_modules/")
        for path, package in lock["packages"].items()
        if "node" in package.get("engines", {})
    }
    assert wanting == {"commander"}  # the README names it
    assert "`commander`" in _section("Test it")
    # commander is KaTeX's command-line tool's; the build requires KaTeX's library only.
    hook = (ROOT / "docs" / "hooks" / "katex_render.cjs").read_text()
    assert re.findall(r"require\(\"([^\"]+)\"\)", hook) == ["katex"]
