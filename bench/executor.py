"""CPU of one GraphQL execution of the nested page, in-process, from in-memory objects.

No database, no HTTP: the resolvers return objects already in memory, so what is measured is
Strawberry and graphql-core (parse, validate, execute, complete) and, with `--executor project`,
the app's executor short paths (`app/api/graphql/execution.py`). The query is the shape of
`bench.graphql`'s nested page: 20 customers → orders → items → product.

Runs with any Strawberry from 0.327 on and graphql-core 3.2 or 3.3, so the same file measures a
throwaway venv with other pins (docs/design.md says how):

    python bench/executor.py                       # stock Strawberry schema
    python bench/executor.py --executor project    # the app's FastExecutor set-up (this repo)
    python bench/executor.py --core                # pure graphql-core's execute(), no Strawberry
    python bench/executor.py --iterations 0        # set-up only (callgrind baseline)

Prints the versions and the median CPU ms per execution (time.process_time over batches).
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Run as a file, the script's folder (bench/, which holds a `graphql` module) must not shadow
# graphql-core; the repository's root is importable for `--executor project`.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.append(os.path.dirname(_HERE))

CUSTOMERS = 20
ORDERS_PER_CUSTOMER = 2
ITEMS_PER_ORDER = 2

QUERY = """query Nested {
  customers(first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      customerId
      orders { edges { node {
        id orderDate total
        items { quantity sales product { name } }
      } } }
    } }
  }
}"""


@dataclass
class ProductRow:
    name: str


@dataclass
class ItemRow:
    quantity: int
    sales: str
    product: ProductRow


@dataclass
class OrderRow:
    id: int
    order_date: str
    total: str
    items: list[ItemRow]


@dataclass
class CustomerRow:
    customer_id: str
    orders: list[OrderRow]


def rows() -> list[CustomerRow]:
    customers = []
    order_id = 0
    for c in range(CUSTOMERS):
        orders = []
        for _ in range(ORDERS_PER_CUSTOMER):
            order_id += 1
            items = [
                ItemRow(i + 1, f"{100 + i}.00", ProductRow(f"product {order_id}-{i}"))
                for i in range(ITEMS_PER_ORDER)
            ]
            orders.append(OrderRow(order_id, "2018-01-02", "200.00", items))
        customers.append(CustomerRow(str(10_000 + c), orders))
    return customers


DATA = rows()
# --suspend: each async resolver yields to the event loop once, as a DataLoader does.
SUSPEND = False


async def pause() -> None:
    if SUSPEND:
        await asyncio.sleep(0)


def strawberry_schema(executor: str, async_all: bool) -> Any:
    import strawberry

    @strawberry.type
    class Product:
        name: str

    make_item: Callable[..., Any]
    make_order: Callable[..., Any]
    if async_all:  # every object field awaits, as DataLoader-backed fields do

        @strawberry.type
        class OrderItem:
            quantity: int
            sales: str
            product_: strawberry.Private[Any]

            @strawberry.field
            async def product(self) -> Product:
                await pause()
                return self.product_

        @strawberry.type
        class Order:
            id: int
            order_date: str
            total: str
            items_: strawberry.Private[Any]

            @strawberry.field
            async def items(self) -> list[OrderItem]:
                await pause()
                return self.items_

        def make_item(**kw: Any) -> Any:
            return OrderItem(product_=kw.pop("product"), **kw)

        def make_order(**kw: Any) -> Any:
            return Order(items_=kw.pop("items"), **kw)

    else:

        @strawberry.type
        class OrderItem:  # type: ignore[no-redef]
            quantity: int
            sales: str
            product: Product

        @strawberry.type
        class Order:  # type: ignore[no-redef]
            id: int
            order_date: str
            total: str
            items: list[OrderItem]

        make_item, make_order = OrderItem, Order

    @strawberry.type
    class OrderEdge:
        node: Order

    @strawberry.type
    class OrderConnection:
        edges: list[OrderEdge]

    @strawberry.type
    class Customer:
        customer_id: str
        row: strawberry.Private[Any]

        @strawberry.field
        async def orders(self) -> OrderConnection:  # as a DataLoader-backed field would be
            await pause()
            return OrderConnection(
                edges=[
                    OrderEdge(
                        node=make_order(
                            id=o.id,
                            order_date=o.order_date,
                            total=o.total,
                            items=[
                                make_item(
                                    quantity=i.quantity,
                                    sales=i.sales,
                                    product=Product(name=i.product.name),
                                )
                                for i in o.items
                            ],
                        )
                    )
                    for o in self.row.orders
                ]
            )

    @strawberry.type
    class PageInfo:
        has_next_page: bool
        end_cursor: str | None

    @strawberry.type
    class CustomerEdge:
        node: Customer

    @strawberry.type
    class CustomerConnection:
        total_count: int
        page_info: PageInfo
        edges: list[CustomerEdge]

    @strawberry.type
    class Query:
        @strawberry.field
        async def customers(self, first: int = 20) -> CustomerConnection:
            await pause()
            page = DATA[:first]
            return CustomerConnection(
                total_count=len(DATA),
                page_info=PageInfo(has_next_page=False, end_cursor=page[-1].customer_id),
                edges=[CustomerEdge(node=Customer(customer_id=c.customer_id, row=c)) for c in page],
            )

    if executor == "stock":
        return strawberry.Schema(query=Query)
    # The app's set-up (as app/api/graphql/schema.py and the differential tests build it).
    from strawberry.schema.config import StrawberryConfig

    from app.api.graphql.execution import FastExecutor
    from app.api.graphql.resolvers import CachedNameConverter, streamline_resolvers

    fast = strawberry.Schema(
        query=Query,
        execution_context_class=FastExecutor,
        config=StrawberryConfig(name_converter=CachedNameConverter()),
    )
    streamline_resolvers(fast)
    return fast


def core_schema(async_all: bool) -> tuple[Any, Any]:
    """The same schema in plain graphql-core: dicts, default resolvers, two async resolvers."""
    from graphql import build_schema

    schema: Any = build_schema("""
        type Product { name: String! }
        type OrderItem { quantity: Int! sales: String! product: Product! }
        type Order { id: Int! orderDate: String! total: String! items: [OrderItem!]! }
        type OrderEdge { node: Order! }
        type OrderConnection { edges: [OrderEdge!]! }
        type Customer { customerId: String! orders: OrderConnection! }
        type PageInfo { hasNextPage: Boolean! endCursor: String }
        type CustomerEdge { node: Customer! }
        type CustomerConnection {
          totalCount: Int! pageInfo: PageInfo! edges: [CustomerEdge!]!
        }
        type Query { customers(first: Int = 20): CustomerConnection! }
    """)

    def order(o: OrderRow) -> dict[str, Any]:
        items = [
            {"quantity": i.quantity, "sales": i.sales, "product": {"name": i.product.name}}
            for i in o.items
        ]
        return {"id": o.id, "orderDate": o.order_date, "total": o.total, "items": items}

    async def orders(customer: dict[str, Any], _info: Any) -> dict[str, Any]:
        await pause()
        return {"edges": [{"node": order(o)} for o in customer["row"].orders]}

    async def customers(_root: Any, _info: Any, first: int = 20) -> dict[str, Any]:
        await pause()
        page = DATA[:first]
        return {
            "totalCount": len(DATA),
            "pageInfo": {"hasNextPage": False, "endCursor": page[-1].customer_id},
            "edges": [{"node": {"customerId": c.customer_id, "row": c}} for c in page],
        }

    schema.query_type.fields["customers"].resolve = customers
    schema.get_type("Customer").fields["orders"].resolve = orders
    if async_all:  # every object field awaits, as DataLoader-backed fields do

        async def items(order: dict[str, Any], _info: Any) -> Any:
            await pause()
            return order["items"]

        async def product(item: dict[str, Any], _info: Any) -> Any:
            await pause()
            return item["product"]

        schema.get_type("Order").fields["items"].resolve = items
        schema.get_type("OrderItem").fields["product"].resolve = product
    return schema, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", choices=("stock", "project"), default="stock")
    parser.add_argument("--core", action="store_true", help="pure graphql-core, no Strawberry")
    parser.add_argument("--async-all", action="store_true", help="items and product await too")
    parser.add_argument("--suspend", action="store_true", help="async resolvers yield once")
    parser.add_argument("--iterations", type=int, default=50, help="executions per batch")
    parser.add_argument("--batches", type=int, default=21)
    args = parser.parse_args()

    import graphql

    global SUSPEND
    SUSPEND = args.suspend
    loop = asyncio.new_event_loop()
    if args.core:
        schema, _ = core_schema(args.async_all)
        document = graphql.parse(QUERY)
        assert not graphql.validate(schema, document)

        def run_once() -> Any:
            # execution only: the document is parsed and validated once
            result = graphql.execute(schema, document)
            if graphql.pyutils.is_awaitable(result):
                result = loop.run_until_complete(result)
            return result

        versions = (
            f"graphql-core {graphql.__version__}, async-all {args.async_all}, "
            f"suspend {args.suspend}"
        )
    else:
        import importlib.metadata

        schema = strawberry_schema(args.executor, args.async_all)

        def run_once() -> Any:
            return loop.run_until_complete(schema.execute(QUERY))

        versions = (
            f"strawberry {importlib.metadata.version('strawberry-graphql')}, "
            f"graphql-core {graphql.__version__}, executor {args.executor}, "
            f"async-all {args.async_all}, suspend {args.suspend}"
        )

    first = run_once()
    assert not first.errors, first.errors
    edges = first.data["customers"]["edges"]
    assert len(edges) == CUSTOMERS and edges[0]["node"]["orders"]["edges"][0]["node"]["items"]
    if args.iterations == 0:
        print(versions, "set-up only")
        return
    for _ in range(args.iterations):  # warm-up
        run_once()
    per_batch = []
    for _ in range(args.batches):
        start = time.process_time()
        for _ in range(args.iterations):
            run_once()
        per_batch.append((time.process_time() - start) * 1000 / args.iterations)
    median = statistics.median(per_batch)
    print(
        f"{versions}, python {sys.version.split()[0]}: median {median:.3f} ms CPU per execution "
        f"(min {min(per_batch):.3f}, max {max(per_batch):.3f}; "
        f"{args.batches} batches of {args.iterations})"
    )


if __name__ == "__main__":
    main()
