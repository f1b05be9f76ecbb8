"""Loading the same data again changes nothing (row counts and an md5 of every table's full
contents, ids included), and the CLI: exit codes, summary on stdout, reasons on stderr."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from loader.load import LoadSummary, load_csv
from loader.synth import generate
from tests.loader.helpers import (
    HEADER,
    TABLES,
    checksums,
    fetch,
    line,
    natural_content,
    run_cli,
    scalar,
    write,
)


def assert_nothing_written(summary: LoadSummary) -> None:
    assert summary.committed
    changes = {t: (c.inserted, c.updated) for t, c in summary.tables.items()}
    assert changes == dict.fromkeys(TABLES, (0, 0))


@pytest.fixture(scope="module")
def synthetic_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """5,000 rows (multi-item orders, changing customers, blanks) in both spellings."""
    directory = tmp_path_factory.mktemp("pair")
    published = generate(directory / "published.csv", 5_000, seed=11)
    spreadsheet = generate(
        directory / "spreadsheet.csv", 5_000, seed=11, style="spreadsheet", bom=True
    )
    return published, spreadsheet


def test_loading_the_real_sample_twice_changes_nothing(
    empty_engine: Engine, sample_csv: Path
) -> None:
    first = load_csv(sample_csv, empty_engine)
    after_first = checksums(empty_engine)
    assert after_first["order_items"][0] == first.rows_loaded == 700
    second = load_csv(sample_csv, empty_engine)
    assert checksums(empty_engine) == after_first
    assert_nothing_written(second)
    assert second.rows_read == second.rows_loaded == 700
    assert {t: c.total_after for t, c in second.tables.items()} == {
        t: n for t, (n, _) in after_first.items()
    }


def test_loading_synthetic_data_twice_changes_nothing(
    empty_engine: Engine, synthetic_pair: tuple[Path, Path]
) -> None:
    published, _ = synthetic_pair
    first = load_csv(published, empty_engine)
    assert first.tables["order_items"].inserted == 5_000
    assert first.tables["orders"].inserted < 5_000  # there are multi-item orders
    after_first = checksums(empty_engine)
    assert_nothing_written(load_csv(published, empty_engine))
    assert checksums(empty_engine) == after_first
    assert_nothing_written(load_csv(published, empty_engine))  # and a third time
    assert checksums(empty_engine) == after_first


def test_the_same_data_in_the_other_spelling_changes_nothing(
    empty_engine: Engine, synthetic_pair: tuple[Path, Path]
) -> None:
    published, spreadsheet = synthetic_pair
    load_csv(published, empty_engine)
    after_first = checksums(empty_engine)
    assert_nothing_written(load_csv(spreadsheet, empty_engine))
    assert checksums(empty_engine) == after_first


def test_spreadsheet_first_then_published_gives_the_same_tables(
    new_database: Callable[[], Engine], synthetic_pair: tuple[Path, Path]
) -> None:
    published, spreadsheet = synthetic_pair
    engine = new_database()
    load_csv(spreadsheet, engine)
    content = natural_content(engine)
    assert_nothing_written(load_csv(published, engine))
    assert natural_content(engine) == content


def test_skip_invalid_reload_changes_nothing(tmp_path: Path, empty_engine: Engine) -> None:
    source = write(
        tmp_path,
        "\n".join(
            [
                HEADER,
                line(Customer_Id="1"),
                line(Customer_Id="2", Quantity="0"),
                line(Customer_Id="1", Product="Tyre"),
                line(Customer_Id="3", Order_Date="2018-06-07"),
            ]
        )
        + "\n",
    )
    first = load_csv(source, empty_engine, skip_invalid=True)
    assert (first.rows_loaded, first.rows_rejected) == (3, 1)
    after_first = checksums(empty_engine)
    second = load_csv(source, empty_engine, skip_invalid=True)
    assert_nothing_written(second)
    assert checksums(empty_engine) == after_first


def test_a_grown_file_adds_only_the_new_rows(tmp_path: Path, empty_engine: Engine) -> None:
    old_rows = [line(Customer_Id=str(100 + i), Time=f"10:00:{i:02d}") for i in range(20)]
    new_rows = [line(Customer_Id=str(200 + i), Time=f"11:00:{i:02d}") for i in range(5)]
    old = write(tmp_path, "\n".join([HEADER, *old_rows]) + "\n", "old.csv")
    grown = write(tmp_path, "\n".join([HEADER, *old_rows, *new_rows]) + "\n", "grown.csv")
    load_csv(old, empty_engine)
    added = load_csv(grown, empty_engine)
    assert {t: c.inserted for t, c in added.tables.items()} == {
        "customers": 5,
        "products": 0,
        "orders": 5,
        "order_items": 5,
    }
    after = checksums(empty_engine)
    assert_nothing_written(load_csv(grown, empty_engine))
    assert checksums(empty_engine) == after
    assert scalar(empty_engine, "SELECT count(*) FROM order_items") == 25


def test_a_row_clashing_with_a_stored_item_is_counted_and_skipped(
    tmp_path: Path, empty_engine: Engine
) -> None:
    first = write(tmp_path, "\n".join([HEADER, line(Customer_Id="10001")]) + "\n", "a.csv")
    clash = line(Customer_Id="10001", Product="Tyre", Sales="250.0")  # same order, position 1
    extra = line(Customer_Id="10001", Product="Tyre", Sales="250.0", Quantity="3.0")
    second = write(tmp_path, "\n".join([HEADER, clash, extra]) + "\n", "b.csv")
    load_csv(first, empty_engine)
    stored = fetch(empty_engine, "SELECT position, sales FROM order_items ORDER BY position")
    summary = load_csv(second, empty_engine)
    assert summary.facts["rows_clashing_with_stored_items"] == 1
    assert summary.tables["order_items"].inserted == 1  # position 2 is new: it is added
    after = fetch(empty_engine, "SELECT position, sales FROM order_items ORDER BY position")
    assert after[0] == stored[0]  # the stored item at position 1 is kept
    assert [position for position, _ in after] == [1, 2]


# --- the CLI ---


def test_cli_loads_and_prints_a_summary(
    tmp_path: Path, empty_engine: Engine, sample_csv: Path
) -> None:
    done = run_cli(empty_engine, sample_csv, "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout.lower()
    assert "loaded" in out and "700" in out, done.stdout
    assert all(table in out for table in TABLES), done.stdout
    assert scalar(empty_engine, "SELECT count(*) FROM order_items") == 700
    after_first = checksums(empty_engine)

    again = run_cli(empty_engine, sample_csv, "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert checksums(empty_engine) == after_first


def test_cli_refuses_invalid_rows_with_exit_code_1(tmp_path: Path, empty_engine: Engine) -> None:
    load_csv(write(tmp_path, f"{HEADER}\n{line()}\n", "good.csv"), empty_engine)
    before = checksums(empty_engine)
    bad = write(
        tmp_path,
        f"{HEADER}\n{line(Customer_Id='7')}\n{line(Discount='1.5')}\n{line(Time='25:00:00')}\n",
    )
    done = run_cli(empty_engine, bad, "-q", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    err = done.stderr.lower()
    assert "refused" in err or "invalid" in err, done.stderr
    everything = (done.stdout + done.stderr).lower()
    assert "row 3" in everything and "discount" in everything, everything
    assert "row 4" in everything and "time" in everything, everything
    assert checksums(empty_engine) == before


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_cli_reports_a_missing_file(kind: str, tmp_path: Path, empty_engine: Engine) -> None:
    source = tmp_path / "nowhere" / "ecommerce.csv"
    if kind == "directory":
        source = tmp_path / "a_directory.csv"
        source.mkdir()
    done = run_cli(empty_engine, source, "-q", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    err = " ".join(done.stderr.split())  # undo any line wrapping
    assert source.name in err, err
    assert any(k in err.lower() for k in ("does not exist", "not found", "no such", "not a file"))
    assert scalar(empty_engine, "SELECT count(*) FROM customers") == 0
