"""Build step: a non-editable install ships the top-level prompts/ and knowledge/ inside the
package (coach/_shipped/), where coach.paths finds them when no checkout is around."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("prompts", "knowledge")


class BuildWithData(build_py):
    """build_py, plus copies of the data folders that stay at the top level of the repo."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout
            return
        for name in SHIPPED:
            target = Path(self.build_lib) / "coach" / "_shipped" / name
            shutil.copytree(name, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithData})
