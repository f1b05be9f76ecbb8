"""PostGraphile 4 beside the product in `bench.scaleout`: installed by npm into the bench's own
temporary folder (never a project dependency), run on the same database, loaded with the same
two GraphQL scenarios written for its generated schema.

The queries ask for what `bench.graphql`'s ask for, as PostGraphile's default schema can give it:
the flat query reads `ordersByCustomerId { totalCount }` for the order count and has no total
sales (an aggregate needs a plugin or an SQL function); the nested page has no order total (the
sum of its items). Both make PostGraphile's answers slightly cheaper than the product's. Pages
are taken by offset (the product's by cursor), ordered by primary key.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.http import HOST, post

VERSION = "4"

FLAT = """query Flat($id: String!) {
  customerByCustomerId(customerId: $id) {
    customerId gender deviceType loginType ordersByCustomerId { totalCount }
  }
}"""

NESTED = """query Nested($offset: Int) {
  allCustomers(first: 20, offset: $offset, orderBy: PRIMARY_KEY_ASC) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      customerId
      ordersByCustomerId(orderBy: PRIMARY_KEY_ASC) { edges { node {
        id orderDate
        orderItemsByOrderId(orderBy: PRIMARY_KEY_ASC) {
          nodes { quantity sales productByProductId { productName } }
        }
      } } }
    } }
  }
}"""


def available() -> bool:
    return shutil.which("npm") is not None


def install(folder: Path) -> Path:
    """`postgraphile@4` installed under `folder`; the path of its CLI."""
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(folder),
            "--no-audit",
            "--no-fund",
            "--silent",
            f"postgraphile@{VERSION}",
        ],
        check=True,
    )
    return folder / "node_modules" / ".bin" / "postgraphile"


def command(cli: Path, database_url: str, port: int, workers: int) -> list[str]:
    """PostGraphile's CLI serving `database_url` (a SQLAlchemy URL) with `workers` Node
    processes (`--cluster-workers`, Node's cluster module, when more than one)."""
    libpq_url = make_url(database_url).set(drivername="postgresql")
    return [
        str(cli),
        *("--connection", libpq_url.render_as_string(hide_password=False)),
        *("--host", HOST, "--port", str(port), "--disable-query-log"),
        *(("--cluster-workers", str(workers)) if workers > 1 else ()),
    ]


HEALTH_PATH = "/graphiql"  # answers 200 once the schema is built


def scenarios(customer_ids: list[str]) -> dict[str, list[bytes]]:
    """The flat query for every customer, the nested page at the product's 50 page offsets."""
    return {
        "graphql-flat": [
            post("/graphql", {"query": FLAT, "variables": {"id": i}}) for i in customer_ids
        ],
        "graphql-nested": [
            post("/graphql", {"query": NESTED, "variables": {"offset": 20 * page}})
            for page in range(50)
        ],
    }
