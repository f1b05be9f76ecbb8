"""The service layer on its own (GraphQL will call it directly), on a small hand-built database:
edge cases the sample cannot show — no orders, no items, unsold products, NULL measures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db.models import Customer, Order, OrderItem, Product
from app.services import analytics, customers, orders, products
from app.services.errors import InvalidParameterError, NotFoundError
from app.services.pagination import PageRequest
from app.services.validation import DateRange
from queries import available_queries, load_query

D = Decimal


@pytest.fixture(scope="module")
def seeded_engine(new_database: Callable[[], Engine]) -> Engine:
    """One small database for the whole module (tests only read it)."""
    engine: Engine = new_database()
    with Session(engine) as session:
        loner = Customer(customer_id="1", gender="Male", profile_as_of=dt.datetime(2018, 1, 1))
        buyer = Customer(customer_id="2", gender="Female", profile_as_of=dt.datetime(2018, 2, 1))
        car = Product(product_category="Auto", product_name="Car_Wax 100%")
        mat = Product(product_category="Auto", product_name="Car Mat")
        unsold = Product(product_category="Home", product_name="Lamp")
        empty_order = Order(
            customer=loner,
            order_date=dt.date(2018, 1, 1),
            order_time=dt.time(9),
            order_priority="Low",
        )
        order = Order(
            customer=buyer,
            order_date=dt.date(2018, 2, 1),
            order_time=dt.time(10),
            order_priority="High",
            items=[
                OrderItem(
                    position=1,
                    product=car,
                    quantity=2,
                    discount=D("0.1"),
                    sales=D("10.50"),
                    profit=D("-1.25"),
                    shipping_cost=D("1.00"),
                ),
                OrderItem(
                    position=2,
                    product=mat,
                    quantity=None,
                    discount=None,
                    sales=None,
                    profit=D("2.00"),
                    shipping_cost=None,
                ),
            ],
        )
        session.add_all([loner, buyer, car, mat, unsold, empty_order, order])
        session.commit()
    return engine


@pytest.fixture
def session(seeded_engine: Engine) -> Iterator[Session]:
    with Session(seeded_engine) as session:
        yield session


def test_customer_without_items_has_zero_sums(session: Session) -> None:
    detail = customers.get_customer(session, "1")
    assert detail.stats.order_count == 1 and detail.stats.item_count == 0
    assert detail.stats.total_sales == D("0") and detail.stats.total_profit == D("0")
    assert detail.stats.first_order_date == dt.date(2018, 1, 1)


def test_null_measures_are_ignored(session: Session) -> None:
    stats = customers.get_customer(session, "2").stats
    assert (stats.item_count, stats.total_sales, stats.total_profit) == (2, D("10.50"), D("0.75"))


def test_unknown_customer_raises_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError):
        customers.get_customer(session, "3")


def test_customer_stats_batch_fills_customers_without_orders(session: Session) -> None:
    ids = list(customers.customers_by_pks(session, [1, 2, 99]))
    assert sorted(ids) == [1, 2]
    stats = customers.customer_stats_by_pks(session, [*ids, 99])
    assert stats[99] == customers.NO_ORDERS


def test_order_without_items_has_zero_totals(session: Session) -> None:
    [empty, full] = orders.list_orders(session, orders.OrderFilters(), PageRequest(10)).items
    assert empty.totals == orders.NO_ITEMS
    assert full.totals.total_sales == D("10.50") and full.totals.total_quantity == 2
    assert orders.get_order(session, empty.order.id).items == []


def test_order_ids_beyond_int4_are_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError):
        orders.get_order(session, 2**31)
    assert orders.orders_by_ids(session, [-(2**40), 2**40]) == {}


def test_unsold_product_is_listed_with_zeros(session: Session) -> None:
    page = products.list_products(session, products.ProductFilters(category="Home"), PageRequest(5))
    [lamp] = page.items
    assert (lamp.units_sold, lamp.total_sales, lamp.item_count) == (0, D("0"), 0)


def test_like_wildcards_in_q_are_literal(session: Session) -> None:
    def names(q: str) -> list[str]:
        page = products.list_products(session, products.ProductFilters(q=q), PageRequest(10))
        return [p.name for p in page.items]

    assert names("_wax 100%") == ["Car_Wax 100%"]
    assert names("r_m") == []  # as a wildcard "_" would match "r M" in "Car Mat"
    assert names("r_w") == ["Car_Wax 100%"]
    assert names("%") == ["Car_Wax 100%"]


def test_top_products_skip_unsold_and_rank_by_metric(session: Session) -> None:
    by_profit = analytics.top_products(session, by="profit", limit=10).items
    assert [p.product_name for p in by_profit] == ["Car Mat", "Car_Wax 100%"]
    assert [p.rank for p in by_profit] == [1, 2]
    by_sales = analytics.top_products(session, by=analytics.TopProductMetric.SALES, limit=1).items
    assert by_sales[0].total_sales == D("10.50")


def test_top_products_date_range(session: Session) -> None:
    assert analytics.top_products(session, dates=DateRange(dt.date(2019, 1, 1))).items == []


def test_revenue_on_empty_range_and_orders_without_items(session: Session) -> None:
    everything = analytics.revenue_summary(session)
    assert (everything.order_count, everything.item_count) == (2, 2)
    assert everything.total_revenue == D("10.50") and everything.total_shipping_cost == D("1.00")
    january = analytics.revenue_summary(
        session, DateRange(dt.date(2018, 1, 1), dt.date(2018, 1, 31))
    )
    assert (january.order_count, january.item_count, january.total_revenue) == (1, 0, D("0"))


@pytest.mark.parametrize(
    ("make", "parameter"),
    [
        (lambda: PageRequest(0), "limit"),
        (lambda: PageRequest(501), "limit"),
        (lambda: PageRequest(10, -1), "offset"),
        (lambda: DateRange(dt.date(2018, 2, 1), dt.date(2018, 1, 1)), "date_from"),
        (lambda: orders.OrderFilters(priority="urgent"), "priority"),
        (lambda: products.ProductFilters(q="\x00"), "q"),
    ],
)
def test_invalid_arguments_name_the_parameter(make: object, parameter: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        make()  # type: ignore[operator]
    assert raised.value.parameter == parameter


def test_top_products_validates_metric_and_limit(session: Session) -> None:
    with pytest.raises(InvalidParameterError, match="by"):
        analytics.top_products(session, by="revenue")
    with pytest.raises(InvalidParameterError, match="limit"):
        analytics.top_products(session, limit=101)


def test_load_query_reads_packaged_sql_once() -> None:
    assert {"top_products", "revenue"} <= set(available_queries())
    assert load_query("revenue") is load_query("revenue")
    assert "FROM rollup_daily_orders" in load_query("revenue").text
    with pytest.raises(ValueError):
        load_query("../app/main")
    with pytest.raises(LookupError):
        load_query("no_such_query")


def _totals_both_ways(session: Session) -> tuple[dict[int, Any], dict[int, Any]]:
    ids = list(session.scalars(select(Order.id)))
    items = orders.order_items_by_order_ids(session, ids)
    from_items = {order_id: orders.totals_of_items(lines) for order_id, lines in items.items()}
    return from_items, orders.order_totals_by_order_ids(session, ids)


def test_totals_from_loaded_items_equal_the_sql_totals(session: Session) -> None:
    """GraphQL derives an order's totals from its items when it loads both (no extra query):
    the same numbers as SQL, NULLs and item-less orders included."""
    from_items, from_sql = _totals_both_ways(session)
    assert from_items == from_sql
    assert orders.NO_ITEMS in from_sql.values()  # the empty order
    assert any(t.total_sales == D("10.50") and t.total_quantity == 2 for t in from_sql.values())


def test_totals_from_items_equal_the_sql_totals_on_the_sample(loaded_engine: Engine) -> None:
    with Session(loaded_engine) as session:
        from_items, from_sql = _totals_both_ways(session)
    assert len(from_sql) > 100 and from_items == from_sql
