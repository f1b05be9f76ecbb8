"""The hostile corpus of `bench.hostile` through `python -m loader`, into a database that already
holds data: every refused file exits 1, names its row and column (or what is wrong with the
file) and leaves every table exactly as it was (row counts and an md5 of every row); every accepted
file exits 0 and leaves the tables the README's rules give, computed independently with pandas.

Most cases run the CLI in-process (typer's CliRunner: the same entry point, exit code and output,
without a second interpreter's start-up); a few also run as a real `python -m loader` process.
(tests/loader/test_malformed.py covers the finer cell rules on hand-written rows.)
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

import loader.__main__ as loader_cli
from app.config import get_settings
from bench.hostile import BAD_ROW, HostileCase, baseline, corpus
from loader.load import load_csv
from tests.loader.helpers import (
    TABLES,
    assert_same_rows,
    checksums,
    customers,
    expected_tables,
    natural_content,
    read_expected_rows,
    run_cli,
    write,
)

CASES = corpus()
ISSUE_LIST = {  # issue 7's list, each item -> the cases that cover it
    "missing columns": "missing_column",
    "extra columns": "extra_column",
    "reordered columns": "reordered_columns",
    "BOM": "bom",
    "CRLF": "crlf",
    "quoted commas": "quoted_commas",
    "non-UTF-8 bytes": "non_utf8_bytes",
    "empty file": "empty_file",
    "header only": "header_only",
    "10 MB single field": "field_10_mb",
    "bad dates": "date_feb_30",
    "negative quantity": "quantity_negative",
    "zero quantity": "quantity_zero",
    "discount > 1": "discount_above_1",
    "thousands separators": "money_thousands",
    "blank Customer_Id": "customer_id_blank",
    "duplicate rows": "duplicate_rows",
    "conflicting customer": "customer_conflict_newer",
    "stops mid-row": "stops_mid_row",
}


def by_outcome(outcome: str) -> list[HostileCase]:
    return [case for case in CASES.values() if case.outcome == outcome]


def params(cases: list[HostileCase]) -> list[object]:
    return [pytest.param(case, id=case.name) for case in cases]


@pytest.fixture(scope="module")
def baseline_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("hostile"), baseline(), "baseline.csv")


@pytest.fixture(scope="module")
def shared(new_database: Callable[[], Engine], baseline_csv: Path) -> Engine:
    """One database for the cases that must change nothing; each compares its own checksums."""
    engine = new_database()
    assert load_csv(baseline_csv, engine).committed
    return engine


@pytest.fixture(scope="module")
def scratch(new_database: Callable[[], Engine]) -> Engine:
    return new_database()


@pytest.fixture
def holding_data(scratch: Engine, baseline_csv: Path) -> Engine:
    """A database holding just the corpus's baseline: emptied and loaded again for each test (a
    new database per test would cost more, mostly in dropping it at the end)."""
    with scratch.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    assert load_csv(baseline_csv, scratch).committed
    return scratch


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """`cli(engine, *args)`: `python -m loader ARGS` in-process against `engine`'s database."""
    engines: list[Engine] = []
    real = loader_cli.make_engine

    def make_engine(url: str) -> Engine:
        engines.append(real(url))
        return engines[-1]

    monkeypatch.setattr(loader_cli, "make_engine", make_engine)

    def invoke(engine: Engine, *args: str | Path) -> Result:
        env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False), "COLUMNS": "300"}
        get_settings.cache_clear()  # the CLI reads DATABASE_URL through the cached settings
        try:
            return CliRunner().invoke(loader_cli.cli, [str(a) for a in args], env=env)
        finally:
            get_settings.cache_clear()

    yield invoke
    for engine in engines:
        engine.dispose()


def test_the_corpus_covers_the_issue_list() -> None:
    assert set(ISSUE_LIST.values()) <= set(CASES)
    assert CASES["field_10_mb"].content.count(b"x") >= 10_000_000
    assert corpus() == CASES, "the same bytes on every call"
    assert len(by_outcome("refused")) >= 14 and len(by_outcome("accepted")) >= 8


def shown(case: HostileCase) -> str:
    """How an error names the case's row and column on screen (lower case), as a regex."""
    where = rf"row {case.row}( \(line \d+\))?"
    return where + (rf", column {case.column.lower()} = " if case.column else ": ")


def reported(report: Path) -> list[dict[str, str]]:
    csv.field_size_limit(2**31 - 1)  # the report repeats the 10 MB cell
    with report.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("case", params(by_outcome("refused")))
def test_refused_files_exit_1_name_the_problem_and_change_nothing(
    case: HostileCase, tmp_path: Path, shared: Engine, cli: Callable[..., Result]
) -> None:
    before = checksums(shared)
    source, report = write(tmp_path, case.content, f"{case.name}.csv"), tmp_path / "rejected.csv"
    result = cli(shared, source, "--rejected-report", report, "-q")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert result.stderr.strip(), "the reason must be on stderr"
    output = result.output.lower()
    assert all(word in output for word in case.words), output[-2000:]
    if case.row is not None:  # a row error: on screen and in the report, with row and column
        assert re.search(shown(case), output), output[-2000:]
        [problem] = reported(report)
        assert (int(problem["row"]), problem["column"] or None) == (case.row, case.column)
        assert all(word in problem["reason"].lower() for word in case.words[-1:]), problem
    assert checksums(shared) == before


def expected_after(baseline_csv: Path, case: HostileCase, directory: Path) -> Path:
    """The baseline and the case's data as one published-format file: what the tables must hold
    (the rules across loads are those of one file holding both, in load order)."""
    assert case.equivalent is not None
    _, data = case.equivalent.split(b"\n", 1)
    return write(directory, baseline_csv.read_bytes() + data, "expected.csv")


@pytest.mark.parametrize("case", params(by_outcome("accepted")))
def test_accepted_files_are_normalised_by_the_readme_rules(
    case: HostileCase,
    tmp_path: Path,
    baseline_csv: Path,
    holding_data: Engine,
    cli: Callable[..., Result],
) -> None:
    engine = holding_data
    before = checksums(engine)
    source = write(tmp_path, case.content, f"{case.name}.csv")
    result = cli(engine, source, "-q")
    assert result.exit_code == 0, result.output
    after = checksums(engine)
    assert after["order_items"][0] == before["order_items"][0] + 10, "ten rows, ten items"
    expected = expected_tables(read_expected_rows(expected_after(baseline_csv, case, tmp_path)))
    assert_same_rows(natural_content(engine), expected)
    again = load_csv(source, engine)  # and loading it again changes nothing
    assert again.committed and checksums(engine) == after


def test_customer_conflicts_follow_the_latest_order(
    tmp_path: Path, holding_data: Engine, cli: Callable[..., Result]
) -> None:
    """Spelled out for the two conflict cases: newer attributes win, older ones do not."""
    engine = holding_data
    stored = customers(engine)
    for name, wins in (("customer_conflict_newer", True), ("customer_conflict_older", False)):
        case = CASES[name]
        row = list(csv.DictReader(case.content.decode().splitlines()))[BAD_ROW - 2]
        customer_id = row["Customer_Id"]
        incoming = (row["Gender"], row["Device_Type"], row["Customer_Login_type"])
        assert incoming != stored[customer_id]
        result = cli(engine, write(tmp_path, case.content, f"{name}.csv"), "-q")
        assert result.exit_code == 0, result.output
        assert customers(engine)[customer_id] == (incoming if wins else stored[customer_id])


@pytest.mark.parametrize("case", params(by_outcome("unchanged")))
def test_a_row_clashing_with_a_stored_item_is_skipped(
    case: HostileCase, tmp_path: Path, shared: Engine, cli: Callable[..., Result]
) -> None:
    before = checksums(shared)
    result = cli(shared, write(tmp_path, case.content, f"{case.name}.csv"), "-q")
    assert result.exit_code == 0, result.output
    clashing = re.search(r"rows clashing with stored items\D*(\d+)", result.output)
    assert clashing and clashing.group(1) == "1", result.output  # counted in the summary
    assert checksums(shared) == before


REAL_PROCESS = ("date_feb_30", "header_only", "bom")  # a row, the file, accepted: ~1.3 s each


@pytest.mark.parametrize("name", REAL_PROCESS)
def test_through_a_real_process(name: str, tmp_path: Path, holding_data: Engine) -> None:
    case = CASES[name]
    engine = holding_data
    before = checksums(engine)
    done = run_cli(engine, write(tmp_path, case.content, f"{name}.csv"), "-q", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    if case.outcome == "refused":
        assert done.returncode == 1, (done.stdout, done.stderr)
        output = (done.stdout + done.stderr).lower()
        assert all(word in output for word in case.words), output
        if case.row is not None:
            assert re.search(shown(case), output), output
        assert checksums(engine) == before
    else:
        assert done.returncode == 0, done.stderr
        assert checksums(engine)["order_items"][0] == before["order_items"][0] + 10
