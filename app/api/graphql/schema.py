"""The root `Query`, the schema and its safety limits."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError

from app.api.graphql.analytics import Analytics
from app.api.graphql.context import Context
from app.api.graphql.errors import ClientErrors, is_unexpected
from app.api.graphql.execution import FastExecutor
from app.api.graphql.inputs import (
    CustomerFilter,
    CustomerOrderBy,
    OrderFilter,
    OrderOrderBy,
    ProductFilter,
    ProductOrderBy,
    customer_filters,
    order_filters,
    product_filters,
)
from app.api.graphql.pagination import Connection, connection, page_request
from app.api.graphql.resolvers import CachedNameConverter, streamline_resolvers
from app.api.graphql.scalars import SCALARS
from app.api.graphql.selection import selected
from app.api.graphql.types import Customer, Order, Product, order_edges, preload_orders
from app.services import customers, products
from app.services.errors import NotFoundError
from app.services.order_pages import order_page_with_edges

Info = strawberry.Info[Context, None]

MAX_DEPTH = 10  # customers→edges→node→orders→edges→node→items→product→name is 9
MAX_ALIASES = 15
MAX_TOKENS = 2000
CACHE_SIZE = 256  # distinct query texts whose parse and validation are remembered
TOTAL_COUNT = "totalCount"  # a list's count(*) runs only when the query selects it


@strawberry.type
class Query:
    @strawberry.field(description='A customer by the dataset\'s Customer_Id, e.g. "37077".')
    async def customer(self, info: Info, customer_id: str) -> Customer | None:
        ctx = info.context
        detail = await ctx.db.run(customers.get_customer, customer_id)
        ctx.loaders.prime_customers([detail.customer])
        ctx.loaders.customer_stats.prime(detail.customer.id, detail.stats)
        return Customer.from_row(detail.customer)

    @strawberry.field(description="An order by id.")
    async def order(self, info: Info, id: int) -> Order | None:
        row = await info.context.loaders.order.load(id)
        if row is None:
            raise NotFoundError("order", id)
        return Order.from_row(row)

    @strawberry.field(description="A product by id.")
    async def product(self, info: Info, id: int) -> Product | None:
        summary = await info.context.loaders.product_summary.load(id)
        if summary is None:
            raise NotFoundError("product", id)
        return Product(id=summary.id, name=summary.name, category=summary.category)

    @strawberry.field(description="Customers, by dataset id unless `orderBy` says otherwise.")
    async def customers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: CustomerFilter | None = None,
        order_by: CustomerOrderBy = CustomerOrderBy.CUSTOMER_ID,
    ) -> Connection[Customer]:
        request = page_request(first, after)
        ctx = info.context
        page = await ctx.db.run(
            customers.list_customers,
            customer_filters(filter),
            request,
            order_by.value,
            with_total=TOTAL_COUNT in selected(info),
        )
        ctx.loaders.prime_customers(page.items)
        await preload_orders(info, page.items)
        return connection(page, Customer.from_row, request)

    @strawberry.field(description="Orders, oldest first unless `orderBy` says otherwise.")
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: OrderFilter | None = None,
        order_by: OrderOrderBy = OrderOrderBy.ORDER_DATE,
    ) -> Connection[Order]:
        request = page_request(first, after)
        ctx = info.context
        page = await ctx.db.run(
            order_page_with_edges,
            order_filters(filter),
            request,
            order_by.value,
            order_edges(selected(info, "edges", "node")),
            with_total=TOTAL_COUNT in selected(info),
        )
        ctx.loaders.prime_orders(order.row for order in page.items)
        return connection(page, Order.from_loaded, request)

    @strawberry.field(description="Products, by category and name unless `orderBy` says.")
    async def products(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ProductFilter | None = None,
        order_by: ProductOrderBy = ProductOrderBy.CATEGORY_NAME,
    ) -> Connection[Product]:
        request = page_request(first, after)
        ctx = info.context
        page = await ctx.db.run(
            products.list_products,
            product_filters(filter),
            request,
            order_by.value,
            with_total=TOTAL_COUNT in selected(info),
        )
        ctx.loaders.prime_product_summaries(page.items)
        return connection(
            page, lambda row: Product(id=row.id, name=row.name, category=row.category), request
        )

    @strawberry.field(description="Business insights.")
    def analytics(self) -> Analytics:
        return Analytics()


# Built once: Strawberry's limiters create their validation-rule classes in __init__, and the
# validation cache is keyed by those classes, so building them per request would defeat it.
_LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)
# Strawberry's module-level LRU functions (shared by every instance with this maxsize).
_cached_parse = ParserCache(maxsize=CACHE_SIZE).cached_parse_document
_validations: OrderedDict[tuple[int, tuple[type[Any], ...]], tuple[DocumentNode, list[Any]]]
_validations = OrderedDict()
_validations_lock = threading.Lock()


def _cached_validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[Any], ...]
) -> list[GraphQLError]:
    """Strawberry's validation, remembered per parsed document (the parse cache hands back the
    same document for the same query text). Strawberry's `ValidationCache` is an LRU keyed by
    the document itself, whose hash walks its whole syntax tree on every request."""
    key = (id(document), rules)
    with _validations_lock:  # a test process may run event loops in several threads
        hit = _validations.get(key)
        if hit is not None and hit[0] is document:
            _validations.move_to_end(key)
            return hit[1]
    errors = validate_document(schema, document, rules)
    with _validations_lock:
        _validations[key] = (document, errors)
        if len(_validations) > CACHE_SIZE:
            _validations.popitem(last=False)
    return errors


_client_errors = ClientErrors()


class AppSchema(strawberry.Schema):
    """The schema, doing without schema extensions what `MaxTokensLimiter`, `ParserCache`,
    `AddValidationRules` (depth and alias limits), `ValidationCache` and `MaskErrors` would.

    Strawberry builds a context manager per extension hook for every phase of every request
    (operation, parsing, validation, execution), a noticeable share of a short query's CPU
    (docs/design.md); here the same work is a plain call at the same point of Strawberry's own
    steps: parsing and validation in `_prepare_operation_async` (the same steps as
    Strawberry's, with the token limit, the caches and the limit rules), error masking and
    labelling after `execute`. Only errors that are bugs are logged: a client's bad cursor is
    not worth a traceback.
    """

    async def _prepare_operation_async(
        self, context: ExecutionContext, extensions_runner: SchemaExtensionsRunner
    ) -> PreExecutionError | None:
        if not context.query and context.graphql_document is None:
            raise MissingQueryError
        if context.graphql_document is None:
            try:
                context.graphql_document = _cached_parse(context.query, max_tokens=MAX_TOKENS)
            except GraphQLError as error:
                context.pre_execution_errors = [error]
                return PreExecutionError(data=None, errors=[error])
            except Exception as error:
                error = GraphQLError(str(error), original_error=error)
                context.pre_execution_errors = [error]
                return PreExecutionError(data=None, errors=[error])
        try:
            operation_type = context.operation_type
        except RuntimeError as error:
            raise CannotGetOperationTypeError(context.operation_name) from error
        if operation_type not in context.allowed_operations:
            raise InvalidOperationTypeError(operation_type)
        errors = _cached_validate(
            context.schema._schema,
            context.graphql_document,
            (*context.validation_rules, *_LIMIT_RULES),
        )
        if errors:
            context.pre_execution_errors = errors
            return PreExecutionError(data=None, errors=errors)
        return None

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = _client_errors.process(result.errors)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if is_unexpected(e)], execution_context)


def build_schema() -> strawberry.Schema:
    built = AppSchema(
        query=Query,
        execution_context_class=FastExecutor,
        config=StrawberryConfig(name_converter=CachedNameConverter(), scalar_map=SCALARS),
    )
    streamline_resolvers(built)
    return built


schema = build_schema()
