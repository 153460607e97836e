"""`ledger activities` and the example register on a real database, at the terminal."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.cli import main
from ledger.demo import EXAMPLE_REGISTER
from ledger.settings import Settings
from tests.conftest import TEST_MASTER_KEY

REQUIRED_IN_EXAMPLE = {
    "loonaangifte": "belastingdienst",
    "pensioenaangifte": "pensioenfonds",
    "ziekmelding_uwv": "uwv",
    "verzuimbegeleiding_arbodienst": "arbodienst",
    "urenverantwoording_inlener": "inlener",
    "vog_controle": "inlener",
    "loonbeslag": "deurwaarder",
}


def runner(settings: Settings) -> tuple[dict[str, str], CliRunner]:
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }
    return env, CliRunner(env=env)


def run_with(settings: Settings, *args: str) -> Result:
    return runner(settings)[1].invoke(main, list(args), catch_exceptions=False)


def opened(settings: Settings) -> Ledger:
    return build_ledger(Settings.from_env(runner(settings)[0]))


def test_the_example_register_imports_once_and_a_second_import_records_nothing(
    settings: Settings,
) -> None:
    first = run_with(settings, "activities", "import", str(EXAMPLE_REGISTER))
    assert first.exit_code == 0, first.output
    assert "defined   loonaangifte v1" in first.output
    again = run_with(settings, "activities", "import", str(EXAMPLE_REGISTER))
    assert again.exit_code == 0, again.output
    assert "0 defined, 0 revised" in again.output

    ledger = opened(settings)
    try:
        current = {version.code: version for version in ledger.register.list()}
        assert all(version.version == 1 for version in current.values())
        for code, recipient in REQUIRED_IN_EXAMPLE.items():
            assert recipient in current[code].recipient_categories
        assert current["verzuimbegeleiding_arbodienst"].special_category_condition
        assert "vog" in current["vog_controle"].data_categories
        assert current["vog_controle"].legal_provision
        assert {version.retention for version in current.values()} <= {
            "fiscal",
            "wage_tax_declaration_and_id",
            "camera",
            "default",
        }
        assert ledger.integrity.verify().ok
    finally:
        ledger.close()
    assert "EXAMPLE" in EXAMPLE_REGISTER.read_text(encoding="utf-8").splitlines()[1]


def test_a_changed_activity_needs_a_reason_and_then_gets_a_new_version(
    settings: Settings, tmp_path: Path
) -> None:
    assert run_with(settings, "activities", "import", str(EXAMPLE_REGISTER)).exit_code == 0
    changed = tmp_path / "register.toml"
    changed.write_text(
        EXAMPLE_REGISTER.read_text(encoding="utf-8").replace(
            'retention = "camera"', 'retention = "default"'
        ),
        encoding="utf-8",
    )

    refused = run_with(settings, "activities", "import", str(changed))
    assert refused.exit_code == 1
    assert "nothing was recorded" in refused.output
    assert "activities.17.reason: is required: 'camerabeelden_politie' changed (retention)" in (
        refused.output
    )

    done = run_with(settings, "activities", "import", str(changed), "--reason", "new policy")
    assert done.exit_code == 0, done.output
    assert "revised   camerabeelden_politie v2 (retention): new policy" in done.output
    assert "0 defined, 1 revised, 17 unchanged" in done.output

    shown = run_with(settings, "activities", "show", "camerabeelden_politie")
    assert shown.exit_code == 0, shown.output
    assert "urn:disclosure-ledger:register:camerabeelden_politie/v2" in shown.output
    assert "changed: retention" in shown.output
    assert "retention: camera\n" in shown.output
    assert "-> default" in shown.output
    listed = run_with(settings, "activities", "list")
    assert "camerabeelden_politie" in listed.output
    assert "v2" in listed.output


def test_one_bad_activity_records_nothing_and_every_error_is_named(
    settings: Settings, tmp_path: Path
) -> None:
    text = EXAMPLE_REGISTER.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace('controllers = ["90000002"]', 'controllers = ["9000002"]').replace(
            'purpose.en = "We enrol you', 'purpose.xx-yy = "We enrol you'
        ),
        encoding="utf-8",
    )

    result = run_with(settings, "activities", "import", str(bad))

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "activities.10.controllers.0: must be a KvK number" in result.output
    assert "activities.9.purpose.en: is required" in result.output
    assert "activities.9.purpose.xx-yy" in result.output
    empty = run_with(settings, "activities", "list")
    assert "The register is empty" in empty.output


def test_a_file_that_is_no_register_is_refused_with_a_message(
    settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[[activity]\ncode = 1", encoding="utf-8")
    not_utf8 = tmp_path / "latin1.toml"
    not_utf8.write_bytes(b"code = '\xe9'")
    other = tmp_path / "other.toml"
    other.write_text("[activities]\ncode = 'x'\n", encoding="utf-8")

    for path, message in (
        (broken, "is not valid TOML"),
        (not_utf8, "cannot be read as UTF-8"),
        (other, "activities: is not part of a register file"),
    ):
        result = run_with(settings, "activities", "import", str(path))
        assert result.exit_code == 1, result.output
        assert message in result.output
    unknown = run_with(settings, "activities", "show", "nope")
    assert unknown.exit_code == 1
    assert "no activity 'nope'" in unknown.output


def test_the_demo_imports_the_example_register(settings: Settings) -> None:
    result = run_with(settings, "demo", "--count", "2")
    assert result.exit_code == 0, result.output
    assert "Example register" in result.output
    ledger = opened(settings)
    try:
        assert len(ledger.register.list()) >= 7
    finally:
        ledger.close()
