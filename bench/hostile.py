"""A hostile CSV corpus: malformed and awkward files generated from `loader.synth` rows (the same
vocabulary and format as the real file), each with the verdict the loader promises
(docs/loader.md, docs/testing.md).

A corpus is a `baseline` file (the data a database already holds) plus one file per case. In every
case but the file-level ones, row 7 is the hostile row among ordinary synthetic rows:

- refused (exit 1, nothing written): missing / extra columns, non-UTF-8 bytes (a Latin-1 byte, a
  UTF-16 file), a NUL byte, empty file, header only, a 10 MB cell, 2018-02-30, negative or zero
  quantity, discount > 1, money with thousands separators, a blank Customer_Id, a file that stops
  mid-row or inside quotes. Each names its row and column (or the header / the row's shape);
- accepted and normalised: reordered columns, a BOM, CRLF, a spreadsheet re-save, quoted cells with
  commas and quotes, duplicate rows (two items of one order), rows for an existing customer with
  other attributes (newer: they win; older: they do not);
- accepted without changing anything: a row clashing with a stored order item (skipped, counted).

    python -m bench.hostile OUTDIR     # writes baseline.csv and <case>.csv files, lists verdicts
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from loader.synth import Style, iter_lines
from loader.vocab import HEADER

COLUMNS: tuple[str, ...] = tuple(HEADER.split(","))
BASELINE_SEED, CASE_SEED = 7, 8
BASELINE_ROWS, CASE_ROWS = 40, 10
BAD_ROW = 7  # spreadsheet numbering: the header is row 1, so the 6th data row
TEN_MB = 10 * 1024 * 1024

Cells = dict[str, str]
Outcome = Literal["refused", "accepted", "unchanged"]


@dataclass(frozen=True)
class HostileCase:
    name: str
    what: str  # what is hostile about the file, in a few words
    content: bytes
    outcome: Outcome  # refused: exit 1, database untouched; accepted: exit 0; unchanged: exit 0,
    # database untouched
    row: int | None = None  # refused: the row named (None: the file as a whole)
    column: str | None = None  # refused: the column named (None: the row's shape, or the file)
    words: tuple[str, ...] = ()  # refused: the message has every one (lower case), the last in
    # the reason itself
    equivalent: bytes | None = None  # accepted: the same data as a plain published-format file

    @property
    def verdict(self) -> str:
        if self.outcome != "refused":
            return self.outcome
        where = "file" if self.row is None else f"row {self.row}"
        return f"refused: {where}" + (f", column {self.column}" if self.column else "")


def synth_rows(rows: int, seed: int, style: Style = "published") -> list[Cells]:
    """`rows` rows of `loader.synth` (same seed, same rows), as cells by column name."""
    return [dict(zip(COLUMNS, cells, strict=True)) for cells in _synth_lines(rows, seed, style)]


@cache  # the generator sets up tables for 90,000 customers on each call: ~0.1 s
def _synth_lines(rows: int, seed: int, style: Style) -> tuple[tuple[str, ...], ...]:
    lines = iter_lines(rows, seed, style)
    assert next(lines).rstrip("\r\n") == HEADER
    # synthetic cells never hold a comma or a quote
    return tuple(tuple(text.rstrip("\r\n").split(",")) for text in lines)


def render(
    rows: Iterable[Mapping[str, str]],
    columns: Sequence[str] = COLUMNS,
    *,
    eol: str = "\n",
    bom: bool = False,
    quote_all: bool = False,
    header: bool = True,
) -> bytes:
    """CSV bytes (UTF-8) with CSV quoting where a cell needs it (or everywhere)."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, lineterminator=eol, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def baseline_rows() -> list[Cells]:
    return synth_rows(BASELINE_ROWS, BASELINE_SEED)


def baseline() -> bytes:
    """The published-format file a database holds before each case is loaded."""
    return render(baseline_rows())


def _with_bad_row(bad: Mapping[str, str]) -> list[Cells]:
    rows = synth_rows(CASE_ROWS, CASE_SEED)
    rows[BAD_ROW - 2] = {**rows[BAD_ROW - 2], **bad}
    return rows


def _cell(name: str, what: str, column: str, raw: str, *words: str) -> HostileCase:
    content = render(_with_bad_row({column: raw}))
    return HostileCase(name, what, content, "refused", BAD_ROW, column, words)


def _refused_file(name: str, what: str, content: bytes, *words: str) -> HostileCase:
    return HostileCase(name, what, content, "refused", words=words)


def _accepted(name: str, what: str, content: bytes, equivalent: bytes) -> HostileCase:
    return HostileCase(name, what, content, "accepted", equivalent=equivalent)


_FLIP = {"Male": "Female", "Female": "Male", "Web": "Mobile", "Mobile": "Web", "Member": "Guest"}


def _flipped(row: Mapping[str, str]) -> Cells:
    """The row with gender, device and login type all changed."""
    keys = ("Gender", "Device_Type", "Customer_Login_type")
    return {**row, **{k: _FLIP.get(row[k], "Member") for k in keys}}


def _customer_conflicts() -> list[HostileCase]:
    """Rows for customers the baseline holds, with other attributes, newer or older than theirs."""
    latest: dict[str, Cells] = {}
    for row in baseline_rows():  # dates and times in the published spelling sort as text
        known = latest.get(row["Customer_Id"])
        if known is None or (row["Order_Date"], row["Time"]) >= (
            known["Order_Date"],
            known["Time"],
        ):
            latest[row["Customer_Id"]] = row
    newer = min(latest.values(), key=lambda r: (r["Order_Date"], r["Time"]))
    older = max(latest.values(), key=lambda r: (r["Order_Date"], r["Time"]))
    cases = []
    for name, base, when in (
        ("customer_conflict_newer", newer, {"Order_Date": "2018-12-31", "Time": "23:59:59"}),
        ("customer_conflict_older", older, {"Order_Date": "2018-01-01", "Time": "00:00:01"}),
    ):
        rows = _with_bad_row({**_flipped(base), **when})
        what = f"customer {base['Customer_Id']} again, other attributes, {name.rsplit('_')[-1]}"
        cases.append(_accepted(name, what, render(rows), render(rows)))
    return cases


def _stored_item_clash() -> HostileCase:
    """The baseline again, with one single-item order naming another (stored) product: its
    position 1 already holds a different item, so the row is skipped and nothing changes."""
    rows = baseline_rows()
    keys = [(r["Customer_Id"], r["Order_Date"], r["Time"]) for r in rows]
    index = next(i for i, key in enumerate(keys) if keys.count(key) == 1)
    other = next(r for r in rows if r["Product"] != rows[index]["Product"])
    rows[index] = {**rows[index], "Product_Category": other["Product_Category"]}
    rows[index]["Product"] = other["Product"]
    return HostileCase(
        "stored_item_clash",
        f"row {index + 2} clashes with a stored item",
        render(rows),
        "unchanged",
    )


def corpus() -> dict[str, HostileCase]:
    """Every case, by name. The same bytes on every call."""
    rows = synth_rows(CASE_ROWS, CASE_SEED)
    plain = render(rows)
    shuffled = list(COLUMNS)
    random.Random(CASE_SEED).shuffle(shuffled)
    truncated = plain[: plain.rindex(b"\n", 0, len(plain) - 1) + 1]  # up to the last row
    last_row = CASE_ROWS + 1
    duplicated = [*rows[: BAD_ROW - 2], rows[BAD_ROW - 3], *rows[BAD_ROW - 2 : -1]]
    quoted = [dict(r) for r in rows]
    quoted[BAD_ROW - 2]["Product"] = 'Car Speakers, 6.5" pair'
    quoted[BAD_ROW - 1]["Product_Category"] = "Auto, Moto & Accessories"
    non_utf8 = render(_with_bad_row({"Product": "Caf@ Mugs"})).replace(b"@", b"\xe9")  # Latin-1
    cases = [
        _refused_file(
            "missing_column",
            "no Sales column",
            render(rows, [c for c in COLUMNS if c != "Sales"]),
            "missing",
            "sales",
        ),
        _refused_file(
            "extra_column",
            "an unknown Coupon column",
            render([{**r, "Coupon": "X"} for r in rows], [*COLUMNS, "Coupon"]),
            "coupon",
        ),
        _accepted("reordered_columns", "columns shuffled", render(rows, shuffled), plain),
        _accepted("bom", "a UTF-8 byte order mark", render(rows, bom=True), plain),
        _accepted("crlf", "CRLF line endings", render(rows, eol="\r\n"), plain),
        _accepted(
            "spreadsheet_resave",
            "M/D/YYYY, 8:38:49, 140, CRLF and a BOM",
            render(synth_rows(CASE_ROWS, CASE_SEED, "spreadsheet"), eol="\r\n", bom=True),
            plain,
        ),
        _accepted(
            "quoted_commas",
            "every cell quoted; commas and quotes inside cells",
            render(quoted, quote_all=True),
            render(quoted),
        ),
        HostileCase(
            "non_utf8_bytes",
            "a Latin-1 byte in a cell",
            non_utf8,
            "refused",
            BAD_ROW,
            "Product",
            ("utf-8",),
        ),
        _refused_file(
            "utf16_file", "a spreadsheet's UTF-16 export", plain.decode().encode("utf-16"), "utf-8"
        ),
        _cell("nul_byte", "a NUL byte in a cell", "Gender", "Fe\x00male", "nul"),
        _refused_file("empty_file", "zero bytes", b"", "empty"),
        _refused_file("header_only", "a header and no rows", render([]), "no data"),
        _cell("field_10_mb", "a 10 MB cell", "Product", "x" * TEN_MB, "characters"),
        _cell("date_feb_30", "2018-02-30", "Order_Date", "2018-02-30", "2018-02-30", "date"),
        _cell("date_spreadsheet_feb_30", "2/30/2018", "Order_Date", "2/30/2018", "date"),
        _cell("quantity_negative", "Quantity -1", "Quantity", "-1", "greater than 0"),
        _cell("quantity_zero", "Quantity 0", "Quantity", "0", "greater than 0"),
        _cell("discount_above_1", "Discount 1.5", "Discount", "1.5", "between 0 and 1"),
        _cell("money_thousands", "Sales 1,234.00", "Sales", "1,234.00", "thousands"),
        _cell("customer_id_blank", "no Customer_Id", "Customer_Id", "", "required"),
        _accepted(
            "duplicate_rows",
            f"row {BAD_ROW} repeats row {BAD_ROW - 1}",
            render(duplicated),
            render(duplicated),
        ),
        *_customer_conflicts(),
        _stored_item_clash(),
        HostileCase(
            "stops_mid_row",
            "the last row cut after 40 bytes",
            truncated + plain[len(truncated) :][:40],
            "refused",
            last_row,
            None,
            ("fields", "truncated"),
        ),
        HostileCase(
            "stops_inside_quotes",
            "the last row cut inside a quoted cell",
            truncated + b'2018-12-30,10:00:00,1.0,10001,Male,Web,Member,"Fashion',
            "refused",
            last_row,
            None,
            ("fields", "truncated"),
        ),
    ]
    return {case.name: case for case in cases}


def write_corpus(directory: Path) -> list[Path]:
    """baseline.csv and one <case>.csv per case in `directory` (created)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "baseline.csv"]
    written[0].write_bytes(baseline())
    for case in corpus().values():
        path = directory / f"{case.name}.csv"
        path.write_bytes(case.content)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hostile", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("out", type=Path, help="directory to write the files to")
    args = parser.parse_args(argv)
    write_corpus(args.out)
    print(f"{args.out / 'baseline.csv'}: load this first")
    for case in corpus().values():
        print(f"{args.out / (case.name + '.csv')}: {case.what} -> {case.verdict}")


if __name__ == "__main__":
    main()
