"""Build hook: compile linreg's optional C loop (`linreg/line_kernel.c`) into the wheel.

The loop shifts and sums one feature's block in one read (`linreg._kernel`). Where no C
compiler works, or ``LINREG_KERNEL=0`` is set, the wheel is built without it, pure
Python, and linreg runs numpy's calls instead (the same bounds; docs/performance.md's
"no C loop" columns give the time). An editable install builds the library in the
source tree (`linreg/_compiled/`), removing the one an earlier build left there first:
a failed or turned-off editable build leaves no stale library to be loaded.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("linreg") / "line_kernel.c"
#: in a folder that is not a package: a ``.so`` beside the modules would pass for one
LIBRARY = Path("linreg") / "_compiled" / "line_kernel.so"
#: -ffp-contract=off: every product and sum rounded once, as the bounds count them
FLAGS = ["-O2", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math"]


class KernelHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        source, library = Path(self.root) / SOURCE, Path(self.root) / LIBRARY
        if version == "editable":  # the source tree's library is the one loaded
            library.unlink(missing_ok=True)
        if os.environ.get("LINREG_KERNEL") == "0":
            return
        library.parent.mkdir(exist_ok=True)
        compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
        command = [*compiler, *FLAGS, "-o", str(library), str(source), "-lm"]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as error:
            detail = getattr(error, "stderr", "") or error
            self.app.display_warning(f"linreg: C loop not built, numpy's calls instead: {detail}")
            return
        build_data["pure_python"] = False
        # any Python 3 (the library is loaded with ctypes, not imported), this platform
        platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        build_data["tag"] = f"py3-none-{platform}"
        if version != "editable":
            build_data["force_include"][str(library)] = LIBRARY.as_posix()
