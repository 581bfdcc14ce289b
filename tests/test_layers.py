"""The import contracts of .importlinter keep the layers: run on a copy of the
package, they pass as the code stands and fail once a module imports a layer
above its own, or a sibling, also from inside a function."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """The Python modules of ketaclinic, with the contracts, in a directory of
    their own."""
    where = tmp_path_factory.mktemp("layers")
    shutil.copytree(
        ROOT / "src" / "ketaclinic",
        where / "src" / "ketaclinic",
        ignore=shutil.ignore_patterns(
            "templates", "static", "locale", "__pycache__", "*.pyc"
        ),
    )
    shutil.copy(ROOT / ".importlinter", where / ".importlinter")
    return where


def lint_imports(where: Path, contract: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--contract", contract],
        cwd=where,
        env={"PYTHONPATH": str(where / "src"), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def with_module(where: Path, path: str, source: str):
    """Write `source` as the module at `path` (under src/ketaclinic) for the
    length of a with block."""

    class Written:
        def __enter__(self) -> Path:
            self.file = where / "src" / "ketaclinic" / path
            self.file.write_text(source)
            return self.file

        def __exit__(self, *exc: object) -> None:
            self.file.unlink()

    return Written()


def test_the_code_keeps_the_layers(package_copy):
    result = lint_imports(package_copy, "layers")
    assert result.returncode == 0, result.stdout
    assert "Apps import only the layers below them KEPT" in result.stdout


@pytest.mark.parametrize(
    ("path", "source", "named"),
    [
        # A platform app importing a clinic app.
        (
            "clinics/upward.py",
            "from ketaclinic.scheduling.models import Appointment\n",
            "ketaclinic.clinics.upward -> ketaclinic.scheduling.models",
        ),
        # The chart importing intake, from inside a function: a lazy import
        # is an import all the same.
        (
            "patients/upward.py",
            "def consents(patient):\n"
            "    from ketaclinic.intake.services import chart_consents\n\n"
            "    return chart_consents(patient)\n",
            "ketaclinic.patients.upward -> ketaclinic.intake.services",
        ),
        # The clinical rules importing the platform.
        (
            "clinical/upward.py",
            "import ketaclinic.audit.services\n",
            "ketaclinic.clinical.upward -> ketaclinic.audit.services",
        ),
    ],
)
def test_an_import_of_a_higher_layer_breaks_the_contract(
    package_copy, path, source, named
):
    with with_module(package_copy, path, source):
        result = lint_imports(package_copy, "layers")
    assert result.returncode == 1, result.stdout
    assert "Apps import only the layers below them BROKEN" in result.stdout
    assert named in result.stdout


def test_siblings_importing_each_other_break_their_contract(package_copy):
    source = "from ketaclinic.scheduling import queries\n"
    with with_module(package_copy, "intake/sideways.py", source):
        result = lint_imports(package_copy, "clinic-work-siblings")
    assert result.returncode == 1, result.stdout
    assert "ketaclinic.intake.sideways -> ketaclinic.scheduling.queries" in (
        result.stdout
    )


def test_a_new_app_must_be_given_a_layer(package_copy):
    new_app = package_copy / "src" / "ketaclinic" / "placeless"
    new_app.mkdir()
    (new_app / "__init__.py").write_text("")
    try:
        result = lint_imports(package_copy, "layers")
    finally:
        shutil.rmtree(new_app)
    assert result.returncode != 0
    assert "placeless" in result.stdout + result.stderr
