"""Pages of orders with the edges a caller asks for: the orders' totals, their items, or both.

What GraphQL's `orders` and `Customer.orders` fields need, composed from the order services: a
page of orders (or one page per customer, in one windowed query) and then, per edge, one
statement for every order on the page(s). The GraphQL layer only batches these calls into
DataLoaders and maps the results to its types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.services import orders
from app.services.pagination import Page, PageRequest


@dataclass(frozen=True, slots=True)
class OrderEdges:
    """Which of an order's edges to load together with the orders: its totals, its items."""

    totals: bool = False
    items: bool = False


@dataclass(frozen=True, slots=True)
class LoadedOrder:
    """An order row with the edges loaded with it (None: not asked for, not loaded)."""

    row: orders.OrderRow
    totals: orders.OrderTotals | None = None
    items: list[orders.OrderItemRow] | None = None


def load_order_edges(
    session: Session, rows: Sequence[orders.OrderRow], edges: OrderEdges
) -> list[LoadedOrder]:
    """`rows` with their totals and items as `edges` asks: one statement per edge for them all,
    except that totals come from the items when both are asked for (all of each order's items
    are loaded then, so the SQL sums would add up the same rows)."""
    ids = [row.id for row in rows]
    items = orders.order_items_by_order_ids(session, ids) if edges.items else {}
    if edges.totals and edges.items:
        totals = {order_id: orders.totals_of_items(lines) for order_id, lines in items.items()}
    elif edges.totals:
        totals = orders.order_totals_by_order_ids(session, ids)
    else:
        totals = {}
    return [LoadedOrder(row, totals.get(row.id), items.get(row.id)) for row in rows]


def order_page_with_edges(
    session: Session,
    filters: orders.OrderFilters,
    page: PageRequest,
    sort: orders.OrderSort,
    edges: OrderEdges,
    *,
    with_total: bool = True,
) -> Page[LoadedOrder]:
    """One page of the order listing (`orders.list_order_rows`) with the edges asked for."""
    result = orders.list_order_rows(session, filters, page, sort, with_total=with_total)
    loaded = load_order_edges(session, result.items, edges)
    return Page(loaded, result.total, result.limit, result.offset)


def orders_of_customers(
    session: Session,
    customer_pks: list[int],
    filters: orders.OrderFilters,
    page: PageRequest,
    sort: orders.OrderSort,
    edges: OrderEdges,
) -> dict[int, Page[LoadedOrder]]:
    """Internal customer id → one page of its orders (one windowed query for them all), each
    with the edges `edges` asks for (one statement per edge for every order of every page)."""
    pages = orders.orders_by_customer_pks(session, customer_pks, filters, page, sort)
    rows = [row for customer_page in pages.values() for row in customer_page.items]
    loaded = iter(load_order_edges(session, rows, edges))
    return {
        key: Page([next(loaded) for _ in p.items], p.total, p.limit, p.offset)
        for key, p in pages.items()
    }
