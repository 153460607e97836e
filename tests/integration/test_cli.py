"""The `ledger` command line on a real database: import, overview, rebuild, clear failures."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from ledger.adapters.state_codec import pack, unpack
from ledger.cli import main
from ledger.settings import Settings
from tests.conftest import TEST_MASTER_KEY

GOOD = {
    "controller": "12345678",
    "subject": {"id": "E-00001", "name": "Jan Jansen"},
    "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
    "data_categories": ["naam", "bsn", "salaris"],
    "legal_basis": "legal_obligation",
    "legal_provision": "Wet op de loonbelasting 1964, art. 28",
    "purpose": "Loonaangifte oktober 2026",
    "occurred_at": "2026-10-31T12:00:00+01:00",
    "source": {"system": "payroll", "reference": "run-2026-10/E-00001"},
}


def line(number: int, **changes: object) -> str:
    record = json.loads(json.dumps(GOOD))
    record["source"]["reference"] = f"run-2026-10/{number}"
    record["subject"]["id"] = f"E-{number:05d}"
    record.update(changes)
    return json.dumps(record)


@pytest.fixture
def run(settings: Settings):  # type: ignore[no-untyped-def]
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }

    def invoke(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_import_records_every_line_and_overview_shows_them(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "october.jsonl"
    source.write_text("\n".join([line(1), line(2), "", line(3)]) + "\n")

    result = run("import", str(source))
    assert result.exit_code == 0, result.output
    assert "Recorded 3 disclosures." in result.output

    again = run("import", str(source))
    assert "Recorded 0 disclosures, 3 already recorded before." in again.output

    overview = run("overview", "E-00002", "--purpose", "AVG-verzoek 2026-017")
    assert overview.exit_code == 0
    assert "Belastingdienst" in overview.output
    assert "legal obligation" in overview.output.lower()

    as_json = json.loads(
        run("overview", "E-00002", "--purpose", "AVG-verzoek 2026-017", "--json").output
    )
    assert as_json["recipients"][0]["count"] == 1
    assert as_json["disclosures"][0]["source"]["reference"] == "run-2026-10/2"


def test_import_with_bad_lines_records_nothing_and_names_each_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "bad.jsonl"
    source.write_text(
        "\n".join(
            [
                line(1),
                line(2, legal_basis="vibes"),
                "{not json",
                line(4, colour="blue"),
                line(5),
            ]
        )
    )

    result = run("import", str(source))

    assert result.exit_code == 1
    assert f"{source}:2: legal_basis:" in result.output
    assert f"{source}:3: line: is not JSON" in result.output
    assert f"{source}:4: colour: is not a field of a disclosure" in result.output
    assert "3 of 5 lines are bad; nothing was recorded" in result.output
    assert "Traceback" not in result.output
    assert (
        "No disclosures" in run("overview", "E-00001", "--purpose", "AVG-verzoek 2026-017").output
    )


def test_import_partial_records_the_good_lines(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join([line(1), line(2, purpose=""), line(3)]))
    result = run("import", "--partial", str(source))
    assert result.exit_code == 0, result.output
    assert "Recorded 2 disclosures; skipped 1 bad lines." in result.output


def test_import_reads_csv_with_field_paths_as_columns(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "planning.csv"
    source.write_text(
        "controller,subject.id,recipient.category,recipient.name,recipient.id,data_categories,"
        "legal_basis,purpose,occurred_at,source.system,source.reference\n"
        "12345678,E-00007,inlener,Bouwbedrijf De Vries B.V.,87654321,naam;vca,contract,"
        "Planning,2026-10-05T08:00:00+02:00,planning,p-1\n"
        "12345678,E-00007,inlener,Bouwbedrijf De Vries B.V.,87654321,naam;medisch,contract,"
        "Planning,2026-10-06T08:00:00+02:00,planning,p-2\n"
    )
    result = run("import", str(source))
    assert result.exit_code == 1
    assert f"{source}:3: special_category_condition:" in result.output

    source.write_text(source.read_text().replace("naam;medisch", "naam"))
    assert run("import", str(source)).exit_code == 0
    assert (
        "Bouwbedrijf De Vries B.V."
        in run("overview", "E-00007", "--purpose", "AVG-verzoek 2026-017").output
    )


def test_import_refuses_a_source_reused_with_other_content(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = tmp_path / "a.jsonl"
    first.write_text(line(1))
    assert run("import", str(first)).exit_code == 0
    second = tmp_path / "b.jsonl"
    second.write_text("\n".join([line(2), line(1, purpose="Iets anders")]))

    result = run("import", str(second))

    assert result.exit_code == 1
    assert f"{second}:2: source.reference:" in result.output
    assert (
        "No disclosures" in run("overview", "E-00002", "--purpose", "AVG-verzoek 2026-017").output
    )


def events_in(settings: Settings) -> int:
    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(sa.text("SELECT count(*) FROM ledger_events")).scalar_one()
            )
    finally:
        engine.dispose()


def test_a_long_import_with_one_bad_line_near_the_end_records_nothing_and_names_it(  # type: ignore[no-untyped-def]
    run, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "year.jsonl"
    lines = [line(number) for number in range(1, 3_001)]
    lines[2_989] = line(2_990, legal_basis="vibes")
    source.write_text("\n".join(lines) + "\n")

    result = run("import", "--batch-size", "500", str(source))

    assert result.exit_code == 1
    assert f"{source}:2990: legal_basis:" in result.output
    assert "1 of 3000 lines are bad; nothing was recorded" in result.output
    assert events_in(settings) == 0


@pytest.mark.parametrize("batch_size", ["500", "10000"])
def test_an_import_names_the_line_that_repeats_an_earlier_reference_with_other_content(  # type: ignore[no-untyped-def]
    run, settings: Settings, tmp_path: Path, batch_size: str
) -> None:
    source = tmp_path / "year.jsonl"
    lines = [line(number) for number in range(1, 3_001)]
    lines[2_499] = line(10, purpose="Iets anders")  # line 2500 reuses line 10's reference
    source.write_text("\n".join(lines) + "\n")

    result = run("import", "--batch-size", batch_size, str(source))

    assert result.exit_code == 1
    assert f"{source}:2500: source.reference: repeats line 10 with other content" in result.output
    assert "nothing was recorded" in result.output
    assert events_in(settings) == 0


def test_an_import_counts_lines_repeated_with_the_same_content_as_recorded_before(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    source = tmp_path / "twice.jsonl"
    source.write_text("\n".join([line(1), line(2), line(1), line(3)]) + "\n")
    result = run("import", "--batch-size", "2", str(source))
    assert result.exit_code == 0, result.output
    assert "Recorded 3 disclosures, 1 already recorded before." in result.output


def readers_of(path: Path) -> int:
    """How many descriptors of this process have `path` open."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += os.readlink(fd) == str(path)
        except OSError:
            continue
    return count


def serve_twice(pipe: Path, first: str, second: str) -> None:
    """Write `first` to the pipe's first reader and `second` to the next one, as a file that
    is rewritten between two reads would read."""
    deadline = time.monotonic() + 20

    def wait(until: Callable[[], bool]) -> None:
        while not until():
            if time.monotonic() > deadline:
                raise TimeoutError("the import did not read the pipe")
            time.sleep(0.005)

    try:
        with pipe.open("w") as writer:
            wait(lambda: readers_of(pipe) > 0)
            writer.write(first)
        wait(lambda: readers_of(pipe) == 0)  # the first pass reached the end and closed it
        with pipe.open("w") as writer:
            writer.write(second)
    except TimeoutError:
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # let a waiting reader go on


def test_an_import_of_a_file_that_changes_between_its_passes_records_nothing(  # type: ignore[no-untyped-def]
    run, settings: Settings, tmp_path: Path
) -> None:
    pipe = tmp_path / "changing.jsonl"
    os.mkfifo(pipe)
    first = line(1) + "\n" + line(2) + "\n"
    writer = threading.Thread(target=serve_twice, args=(pipe, first, first + line(3) + "\n"))
    writer.start()
    result = run("import", "--partial", str(pipe))
    writer.join(timeout=30)

    assert result.exit_code == 1
    assert "changed while it was being imported; nothing was recorded" in result.output
    assert events_in(settings) == 0


def test_an_import_reads_a_csv_cell_that_spans_lines_and_numbers_lines_by_the_file(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    source = tmp_path / "planning.csv"
    source.write_text(
        "controller,subject.id,recipient.category,recipient.name,data_categories,"
        "legal_basis,purpose,occurred_at,source.system,source.reference\n"
        '12345678,E-00007,inlener,"Bouwbedrijf\nDe Vries",naam,contract,'
        "Planning,2026-10-05T08:00:00+02:00,planning,p-1\n"
        "12345678,E-00007,inlener,Bouwbedrijf,naam,contract,"
        "Planning,2026-10-06T08:00:00+02:00,planning,\n"
    )
    result = run("import", str(source))
    assert result.exit_code == 1
    assert f"{source}:4: source.reference:" in result.output


def test_projections_rebuild_reports_the_events_replayed(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "one.jsonl"
    source.write_text(line(1))
    run("import", str(source))
    result = run("projections", "rebuild")
    assert result.exit_code == 0
    assert "Rebuilt the projections from 1 events." in result.output


def test_a_bad_configuration_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = {"LEDGER_DATABASE_URL": "mysql://nope", "LEDGER_VAR_DIR": str(tmp_path)}
    result = CliRunner(env=env).invoke(main, ["overview", "E-1", "--purpose", "test"])
    assert result.exit_code != 0
    assert "LEDGER_DATABASE_URL must start with" in result.output
    assert "Traceback" not in result.output


def test_verify_passes_and_then_names_the_first_tampered_position(  # type: ignore[no-untyped-def]
    run, settings: Settings, tmp_path: Path
) -> None:
    import sqlalchemy as sa

    source = tmp_path / "three.jsonl"
    source.write_text("\n".join([line(1), line(2), line(3)]))
    run("import", str(source))
    ok = run("verify")
    assert ok.exit_code == 0, ok.output
    assert "OK: 3 events" in ok.output
    public = run("keys", "integrity-public").output.strip()
    assert public.startswith("disclosure-ledger.local/log+")

    engine = sa.create_engine(settings.database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(sa.text("DROP TRIGGER ledger_events_no_update"))
        else:
            connection.execute(sa.text("ALTER TABLE ledger_events DISABLE TRIGGER USER"))
        stored = connection.execute(sa.text("SELECT state FROM ledger_events WHERE id = 2"))
        state = unpack(bytes(stored.scalar_one()))
        assert b"Loonaangifte" in state
        connection.execute(
            sa.text("UPDATE ledger_events SET state = :state WHERE id = 2"),
            {"state": pack(state.replace(b"Loonaangifte", b"Loonaangifta"))},
        )
    engine.dispose()
    failed = run("verify")
    assert failed.exit_code == 1
    assert "first bad position is 2" in failed.output
    assert "Traceback" not in failed.output


def test_verify_bundle_checks_a_bundle_offline(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bundle = tmp_path / "bundle.json"
    bundle.write_text('{"format": "something else"}')
    result = run("verify-bundle", str(bundle), "--public-key", "x+00000000+AAAA")
    assert result.exit_code == 1
    assert "does not verify" in result.output


def test_the_overview_command_needs_a_reason_and_logs_it(
    run, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "one.jsonl"
    source.write_text(line(1) + "\n", encoding="utf-8")
    assert run("import", str(source)).exit_code == 0

    missing = run("overview", "E-00001")
    blank = run("overview", "E-00001", "--purpose", "   ")

    assert missing.exit_code != 0
    assert "--purpose" in missing.output
    assert blank.exit_code != 0
    assert "say why you look" in blank.output
    assert "Traceback" not in blank.output
    assert run("overview", "E-00001", "--purpose", "AVG-verzoek 2026-017").exit_code == 0
    from ledger.bootstrap import build_ledger
    from tests.builders import accesses_of

    ledger = build_ledger(settings)
    try:
        logged = accesses_of(ledger, "E-00001")
    finally:
        ledger.close()
    assert [(entry.endpoint, entry.purpose) for entry in logged] == [
        ("cli overview --format text", "AVG-verzoek 2026-017")
    ]


def test_the_help_speaks_to_the_user_not_to_flask(run) -> None:  # type: ignore[no-untyped-def]
    text = run("--help").output
    for word in ("import", "overview", "verify", "keys", "serve", "demo"):
        assert word in text
    for flask_word in ("--app", "--env-file", "routes", "shell", " run "):
        assert flask_word not in text
    for command in ("import", "overview", "keys", "projections", "verify", "demo", "serve"):
        assert "SPEC" not in run(command, "--help").output


def test_import_names_a_line_nested_too_deep_or_not_text_and_folds_the_subject_id(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "hostile.jsonl"
    source.write_text(
        "\n".join(
            [
                line(1),
                line(2).replace('"Loonaangifte oktober 2026"', "[" * 50_000 + "]" * 50_000),
                line(3).replace('"Loonaangifte oktober 2026"', "7" * 5_000),
                line(4, purpose="Loon\ud800"),
                line(5, subject={"id": " \uff25-00005\u3000", "name": "Jan"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    result = run("import", str(source))

    assert result.exit_code == 1
    assert f"{source}:2: line: purpose: nests deeper than 32 levels" in result.output
    assert f"{source}:3: purpose: must be a string" in result.output
    assert f"{source}:4: purpose: contains an unpaired surrogate (U+D800)" in result.output
    assert "3 of 5 lines are bad" in result.output
    assert "Traceback" not in result.output
    assert run("import", "--partial", str(source)).exit_code == 0
    found = run("overview", "E-00005", "--purpose", "AVG-verzoek 2026-017", "--json")
    assert json.loads(found.output)["disclosures"][0]["subject"]["id"] == "E-00005"


def test_the_overview_command_finds_a_person_by_any_spelling_of_their_id(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "one.jsonl"
    source.write_text(line(1) + "\n", encoding="utf-8")
    assert run("import", str(source)).exit_code == 0

    for spelling in ("E-00001", " E-00001 ", "\uff25-\uff10\uff10\uff10\uff10\uff11"):
        found = run("overview", spelling, "--purpose", "AVG-verzoek 2026-017", "--json")
        assert found.exit_code == 0, found.output
        assert len(json.loads(found.output)["disclosures"]) == 1
    refused = run("overview", "E-1/2", "--purpose", "AVG-verzoek 2026-017")
    assert refused.exit_code == 1
    assert "subject_id: must not contain '/'" in refused.output
    assert "Traceback" not in refused.output


def test_arguments_with_bytes_that_are_not_utf8_are_refused_not_stored(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A terminal in another encoding: Python hands such bytes over as lone surrogates.
    source = tmp_path / "one.jsonl"
    source.write_text(line(1) + "\n", encoding="utf-8")

    actor = run("import", str(source), "--actor", "Jos\udce9")
    purpose = run("overview", "E-00001", "--purpose", "AVG-verzoek \udce9")
    subject = run("overview", "E-0000\udce9", "--purpose", "AVG-verzoek 2026-017")

    assert actor.exit_code == 2
    assert "--actor" in actor.output
    assert "not UTF-8" in actor.output
    assert purpose.exit_code == 2
    assert "--purpose" in purpose.output
    assert subject.exit_code == 1
    assert "subject_id: contains an unpaired surrogate (U+DCE9)" in subject.output
    assert run("import", str(source)).exit_code == 0
