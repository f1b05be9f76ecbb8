"""Synthetic E-commerce Dataset CSVs in the exact published format, at any scale.

The output mimics the real file closely enough to exercise a loader: same header and cell
formatting, rows sorted by category with products cycling inside each category, constant `Sales`
per product, `Shipping_Cost` about a tenth of `Profit`, and the quirks a loader must survive:

- multi-item orders: rows sharing (Customer_Id, Order_Date, Time), next to each other or far apart,
  occasionally disagreeing on Order_Priority / Payment_method / Aging;
- customers whose Gender / login type / device differ between their orders;
- a handful of blank numeric cells (about 8 per 51,290 rows), rare fractional Aging (10.5) and rare
  "not_defined" categorical values.

Rows are produced one at a time and written in chunks, so memory stays flat at any size; the same
seed always gives the same bytes. `--style spreadsheet` writes the same data as a spreadsheet
re-save would (M/D/YYYY, no trailing ".0", CRLF, optional BOM).

    python -m loader.synth data/synthetic_1m.csv --rows 1025800 --seed 42
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal, TypeVar, get_args

from loader.vocab import (
    AGING_MAX,
    AGING_MIN,
    CATEGORIES,
    CUSTOMER_ID_MAX,
    CUSTOMER_ID_MIN,
    DEVICES,
    DISCOUNT_TENTHS,
    GENDERS,
    HEADER,
    HOUR_WEIGHTS,
    LOGIN_TYPES,
    MIN_PROFIT_RATIO,
    MONTH_WEIGHTS,
    PAYMENTS,
    PRIORITIES,
    PROFIT_BAND,
    PUBLISHED_ROWS,
    QUANTITIES,
    Product,
)

Style = Literal["published", "spreadsheet"]
STYLES: tuple[str, ...] = get_args(Style)
T = TypeVar("T")

_TABLE_SIZE = 20_000  # lookup-table resolution: 1/20,000 keeps the rarest values (0.05%) present
_CHUNK_ROWS = 8_192  # rows joined per write() call


@dataclass(frozen=True, slots=True)
class Quirks:
    """How often each irregularity of the real file is injected (per row unless noted)."""

    adjacent_item: float = 0.02  # the row is another item of the order on the row just above
    distant_item: float = 0.015  # the row is another item of a recent order further up the file
    item_disagrees: float = 0.1  # per extra item: a different priority, payment or aging
    customer_drift: float = 0.03  # per new order: gender, login type or device differs
    blanks_per_published_file: int = 8  # blank numeric cells per 51,290 rows
    fractional_aging: float = 0.0005  # Aging like 10.5
    tiny_profit: float = 0.1  # on products known for near-zero profits
    recent_orders: int = 4_096  # window the "distant" items are drawn from (bounds memory)


def _lookup_table(weighted: Sequence[tuple[T, float]]) -> list[T]:
    """A list where each value fills a slot share equal to its weight: `table[int(r * len)]`
    samples with one random() call, several times faster than random.choices()."""
    total = sum(weight for _, weight in weighted)
    table: list[T] = []
    for value, weight in weighted:
        table.extend([value] * max(1, round(weight / total * _TABLE_SIZE)))
    return table


class _Formatter:
    """Cell spellings for one style; numbers are carried as integer tenths to avoid float noise."""

    def __init__(self, style: Style) -> None:
        spreadsheet = style == "spreadsheet"
        self.eol = "\r\n" if spreadsheet else "\n"
        day = date(2018, 1, 1)
        self.dates: list[str] = []
        while day.year == 2018:
            self.dates.append(
                f"{day.month}/{day.day}/{day.year}" if spreadsheet else day.isoformat()
            )
            day += timedelta(days=1)
        self._hour = [str(h) if spreadsheet else f"{h:02d}" for h in range(24)]
        self._minsec = [f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)]
        # Tenths 0..2600 cover every Sales/Profit/Shipping/Aging/Quantity/Discount value.
        self.tenths = [
            str(t // 10) if spreadsheet and t % 10 == 0 else f"{t // 10}.{t % 10}"
            for t in range(2_601)
        ]

    def time(self, seconds: int) -> str:
        return f"{self._hour[seconds // 3600]}:{self._minsec[seconds % 3600]}"


def category_sizes(rows: int) -> list[int]:
    """Rows per category, proportional to the real file (largest remainder, so they sum up)."""
    weights = [size for _, size, _ in CATEGORIES]
    total = sum(weights)
    exact = [rows * w / total for w in weights]
    sizes = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - sizes[i], reverse=True)
    for i in by_remainder[: rows - sum(sizes)]:
        sizes[i] += 1
    return sizes


def _day_table() -> list[int]:
    """Day-of-year indices weighted by the month's share of orders."""
    weighted: list[tuple[int, float]] = []
    day, index = date(2018, 1, 1), 0
    while day.year == 2018:
        weighted.append((index, MONTH_WEIGHTS[day.month - 1]))
        day += timedelta(days=1)
        index += 1
    return _lookup_table(weighted)


def iter_lines(
    rows: int, seed: int = 42, style: Style = "published", quirks: Quirks | None = None
) -> Iterator[str]:
    """Yield the header and `rows` data lines, each with its line ending."""
    q = quirks or Quirks()
    fmt = _Formatter(style)
    rng = random.Random(seed)
    rand = rng.random
    yield HEADER + fmt.eol

    days = _day_table()
    hours = _lookup_table([(h, float(w)) for h, w in enumerate(HOUR_WEIGHTS)])
    priorities, payments = _lookup_table(PRIORITIES), _lookup_table(PAYMENTS)
    quantities, discounts = _lookup_table(QUANTITIES), _lookup_table(DISCOUNT_TENTHS)
    genders, devices, logins = (
        _lookup_table(GENDERS),
        _lookup_table(DEVICES),
        _lookup_table(LOGIN_TYPES),
    )
    # Each customer id has a usual gender/device/login: ~90k entries, fixed memory at any scale.
    n_ids = CUSTOMER_ID_MAX - CUSTOMER_ID_MIN + 1

    def pick(table: Sequence[T]) -> T:
        return table[int(rand() * len(table))]

    usual = [(pick(genders), pick(devices), pick(logins)) for _ in range(n_ids)]

    def aging() -> str:
        tenths = (AGING_MIN + int(rand() * (AGING_MAX - AGING_MIN + 1))) * 10
        if rand() < q.fractional_aging:
            tenths += 5
        return fmt.tenths[tenths]

    # An order header: the cells every item of the order repeats.
    # (date, time, aging, customer id, gender, device, login, priority, payment)
    def new_order() -> tuple[str, ...]:
        index = int(rand() * n_ids)
        gender, device, login = usual[index]
        if rand() < q.customer_drift:
            which = int(rand() * 3)
            if which == 0:
                gender = "Female" if gender == "Male" else "Male"
            elif which == 1:
                device = "Mobile" if device == "Web" else "Web"
            else:
                login = "Guest" if login == "Member" else "Member"
        seconds = pick(hours) * 3600 + int(rand() * 3600)
        return (
            fmt.dates[pick(days)],
            fmt.time(seconds),
            aging(),
            str(CUSTOMER_ID_MIN + index),
            gender,
            device,
            login,
            pick(priorities),
            pick(payments),
        )

    def other(draw: Callable[[], str], current: str) -> str:
        # Every column drawn here has at least two values, so this ends quickly.
        while (value := draw()) == current:
            pass
        return value

    def disagree(order: tuple[str, ...]) -> tuple[str, ...]:
        """The same order with one order-level cell that contradicts the other items."""
        cells = list(order)
        which = int(rand() * 3)
        if which == 0:
            cells[7] = other(lambda: pick(priorities), order[7])
        elif which == 1:
            cells[8] = other(lambda: pick(payments), order[8])
        else:
            cells[2] = other(aging, order[2])
        return tuple(cells)

    def profit_raw(product: Product, quantity: int) -> float:
        """Unrounded profit; Profit and Shipping_Cost are both rounded from it, as in the real
        file, where x.5 profits give shipping rounded either way."""
        if product.profit_hi is None:
            if product.tiny_profits and rand() < q.tiny_profit:
                return product.sales * (0.01 + 0.03 * rand())
            k = quantity if rand() < 0.6 else 1 + int(rand() * 5)
            return product.sales / k
        # Low-margin products bottom out just above zero (no losses in the real file).
        return product.sales * max(MIN_PROFIT_RATIO, product.profit_hi - PROFIT_BAND * rand())

    # Blank cells at jittered, roughly even spacing: guaranteed present in any file of a few
    # thousand rows, unlike independent coin flips at p = 8 / 51,290.
    blank_gap = max(1, PUBLISHED_ROWS // max(1, q.blanks_per_published_file))
    next_blank = int(rand() * blank_gap)
    blank_columns = ("aging", "quantity", "discount", "shipping")

    recent: list[tuple[str, ...]] = []
    recent_next = 0
    previous: tuple[str, ...] | None = None
    tenths = fmt.tenths
    eol = fmt.eol
    row = 0
    for (category, _, products), size in zip(CATEGORIES, category_sizes(rows), strict=True):
        n_products = len(products)
        for i in range(size):
            r = rand()
            if previous is not None and r < q.adjacent_item:
                order = previous
                if rand() < q.item_disagrees:
                    order = disagree(order)
            elif recent and r < q.adjacent_item + q.distant_item:
                order = recent[int(rand() * len(recent))]
                if rand() < q.item_disagrees:
                    order = disagree(order)
                previous = order
            else:
                order = previous = new_order()
                if len(recent) < q.recent_orders:
                    recent.append(order)
                else:
                    recent[recent_next] = order
                    recent_next = (recent_next + 1) % q.recent_orders

            product = products[i % n_products]
            quantity = pick(quantities)
            raw = profit_raw(product, quantity)
            age = order[2]
            qty = tenths[quantity * 10]
            disc = tenths[pick(discounts)]
            ship = tenths[int(raw + 0.5)]  # a tenth of profit, in tenths
            if row == next_blank:
                column = blank_columns[int(rand() * len(blank_columns))]
                if column == "aging":
                    age = ""
                elif column == "quantity":
                    qty = ""
                elif column == "discount":
                    disc = ""
                else:
                    ship = ""
                next_blank += 1 + int(rand() * 2 * blank_gap)
            row += 1
            yield (
                f"{order[0]},{order[1]},{age},{order[3]},{order[4]},{order[5]},{order[6]},"
                f"{category},{product.name},{tenths[product.sales * 10]},{qty},{disc},"
                f"{tenths[int(raw * 10 + 0.5)]},{ship},{order[7]},{order[8]}{eol}"
            )


def generate(
    path: Path | str,
    rows: int,
    *,
    seed: int = 42,
    style: Style = "published",
    bom: bool = False,
    quirks: Quirks | None = None,
) -> Path:
    """Write a synthetic CSV of `rows` data rows to `path` (parents created) and return the path."""
    if rows < 0:
        raise ValueError("rows must be >= 0")
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, not {style!r}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # newline="" writes the line endings exactly as generated (LF or CRLF) on every platform.
    with out.open("w", encoding="utf-8", newline="") as f:
        if bom:
            f.write("\ufeff")
        chunk: list[str] = []
        for line in iter_lines(rows, seed, style, quirks):
            chunk.append(line)
            if len(chunk) >= _CHUNK_ROWS:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m loader.synth", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("out", type=Path, help="CSV file to write")
    parser.add_argument("--rows", type=int, default=PUBLISHED_ROWS, help="data rows (51,290)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--style", choices=STYLES, default="published")
    parser.add_argument("--bom", action="store_true", help="start with a UTF-8 byte order mark")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out = generate(args.out, args.rows, seed=args.seed, style=args.style, bom=args.bom)
    elapsed = time.perf_counter() - started
    size_mb = out.stat().st_size / 1e6
    print(f"wrote {args.rows:,} rows ({size_mb:.1f} MB) to {out} in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
