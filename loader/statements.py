"""The loader's SQL, in the order it runs inside one transaction.

Rules implemented here (documented in the README):
- an order is the set of rows sharing (Customer_Id, Order_Date, Time); its priority, payment method
  and aging come from its first row in file order; each row is one item, numbered by file order;
- a customer's gender, device and login type are those of their latest order (date, then time; ties
  go to the later row in the file); across loads, the newer (or equally new, later-loaded) wins.

Speed: every rule above is answered by ONE sort of the staged rows by (customer, date, time, row),
in `sort_stage`: an order's rows are adjacent in it (position = row_number, first row = position 1)
and a customer's latest row is the last of the customer's run. Customer ids sort with the "C"
collation (byte order), several times cheaper than a linguistic one for a million keys.
"""

from dataclasses import dataclass

# Serialises loaders (this mode conflicts with itself) while API readers keep reading.
LOCK_TABLES = "LOCK TABLE customers, products, orders, order_items IN SHARE ROW EXCLUSIVE MODE"

WS = r"E' \t\r\n'"  # the whitespace trimmed from cells (loader.cells.WHITESPACE)


@dataclass(frozen=True)
class Spelling:
    """How one column's distinct values are written, so the conversion pays only for what is
    there: trimming a million cells that need no trimming costs seconds."""

    padded: bool = False  # some value has surrounding whitespace
    blank: bool = False  # some value is empty or whitespace only (else blanks arrive as NULL)
    iso_dates: bool = False  # 2018-01-02
    us_dates: bool = False  # 1/2/2018 (month/day/year)
    canonical: bool = True  # Order_Priority: every value already spelled Low/Medium/High/Critical


def _cell(column: str, spelling: Spelling) -> str:
    expr = f"r.{column}"
    if spelling.padded:
        expr = f"btrim({expr}, {WS})"
    if spelling.blank:
        expr = f"NULLIF({expr}, '')"
    return expr


def _date(cell: str, spelling: Spelling) -> str:
    if spelling.us_dates and not spelling.iso_dates:
        return f"to_date({cell}, 'MM/DD/YYYY')"
    if spelling.us_dates:
        us, iso = f"to_date({cell}, 'MM/DD/YYYY')", f"{cell}::date"
        return f"CASE WHEN strpos({cell}, '/') > 0 THEN {us} ELSE {iso} END"
    return f"{cell}::date"


def _priority(cell: str, spelling: Spelling) -> str:
    if spelling.canonical:
        return cell
    return (
        f"CASE lower({cell}) WHEN 'low' THEN 'Low' WHEN 'medium' THEN 'Medium'"
        f" WHEN 'high' THEN 'High' WHEN 'critical' THEN 'Critical' END"
    )


def _typed_rows(spellings: dict[str, Spelling]) -> str:
    """SELECT the valid raw rows with typed columns. The casts cannot fail: every distinct value
    was checked by loader.cells first, whose accepted spellings are what these casts read.
    Assembled from fixed fragments chosen by `spellings`; no data is spliced into the SQL."""

    def cell(name: str) -> str:
        return _cell(name.lower(), spellings.get(name, Spelling()))

    return f"""
SELECT r.row_no::integer AS row_no,
       {cell("Customer_Id")} COLLATE "C" AS customer_id,
       {_date(cell("Order_Date"), spellings.get("Order_Date", Spelling()))} AS order_date,
       {cell("Time")}::time AS order_time,
       {cell("Aging")}::numeric AS aging,
       {cell("Gender")} AS gender,
       {cell("Device_Type")} AS device_type,
       {cell("Customer_Login_type")} AS login_type,
       {cell("Product_Category")} AS product_category,
       {cell("Product")} AS product_name,
       {cell("Sales")}::numeric AS sales,
       {cell("Quantity")}::numeric::integer AS quantity,
       {cell("Discount")}::numeric AS discount,
       {cell("Profit")}::numeric AS profit,
       {cell("Shipping_Cost")}::numeric AS shipping_cost,
       {_priority(cell("Order_Priority"), spellings.get("Order_Priority", Spelling()))}
           AS order_priority,
       {cell("Payment_method")} AS payment_method
FROM raw_rows r
WHERE NOT EXISTS (SELECT 1 FROM rejected_rows x WHERE x.row_no = r.row_no)
"""


def sort_stage(spellings: dict[str, Spelling]) -> str:
    """CREATE stage_items: the typed valid rows in (customer, date, time, row) order, each with
    the window flags every rule reads. Typed in the same statement: no intermediate table."""
    return f"""
CREATE TEMP TABLE stage_items ON COMMIT DROP AS
SELECT s.*,
       row_number() OVER by_order AS position,
       first_value(row_no) OVER by_order AS order_first_row,
       lead(row_no) OVER by_customer IS NULL AS is_customer_latest,
       (order_priority, payment_method, aging)
           IS DISTINCT FROM
           (first_value(order_priority) OVER by_order,
            first_value(payment_method) OVER by_order,
            first_value(aging) OVER by_order) AS disagrees_with_order,
       (gender, device_type, login_type)
           IS DISTINCT FROM
           (lag(gender, 1, gender) OVER by_customer,
            lag(device_type, 1, device_type) OVER by_customer,
            lag(login_type, 1, login_type) OVER by_customer) AS customer_changed
FROM ({_typed_rows(spellings)}) AS s
WINDOW by_order AS (PARTITION BY customer_id, order_date, order_time ORDER BY row_no),
       by_customer AS (PARTITION BY customer_id ORDER BY order_date, order_time, row_no)
"""


# Statistics on stage_items only steer the joins of the inserts (a hash join, not a million index
# probes), so a small sample does: at the default target ANALYZE reads most of the table.
ANALYZE_STAGE = (
    "SET LOCAL default_statistics_target = 10; ANALYZE stage_items; "
    "SET LOCAL default_statistics_target TO DEFAULT"
)

STAGE_FACTS = """
SELECT count(*) FILTER (WHERE position = 1) AS orders,
       count(*) FILTER (WHERE position = 2) AS multi_item_orders,
       count(*) FILTER (WHERE disagrees_with_order) AS rows_disagreeing_with_their_order,
       count(*) FILTER (WHERE is_customer_latest) AS customers,
       min(row_no) AS "_first_row",
       max(row_no) AS "_last_row",
       count(DISTINCT customer_id) FILTER (WHERE customer_changed)
           AS customers_with_changing_attributes,
       count(*) - count(aging) AS "blank Aging",
       count(*) - count(gender) AS "blank Gender",
       count(*) - count(device_type) AS "blank Device_Type",
       count(*) - count(login_type) AS "blank Customer_Login_type",
       count(*) - count(sales) AS "blank Sales",
       count(*) - count(quantity) AS "blank Quantity",
       count(*) - count(discount) AS "blank Discount",
       count(*) - count(profit) AS "blank Profit",
       count(*) - count(shipping_cost) AS "blank Shipping_Cost",
       count(*) - count(payment_method) AS "blank Payment_method"
FROM stage_items
"""

UPSERT_CUSTOMERS = """
WITH written AS (
    INSERT INTO customers AS c (customer_id, gender, device_type, login_type, profile_as_of)
    SELECT customer_id, gender, device_type, login_type, order_date + order_time
    FROM stage_items
    WHERE is_customer_latest
    ORDER BY customer_id
    ON CONFLICT (customer_id) DO UPDATE
    SET gender = EXCLUDED.gender,
        device_type = EXCLUDED.device_type,
        login_type = EXCLUDED.login_type,
        profile_as_of = EXCLUDED.profile_as_of
    WHERE EXCLUDED.profile_as_of >= c.profile_as_of
      AND (c.gender, c.device_type, c.login_type, c.profile_as_of)
          IS DISTINCT FROM
          (EXCLUDED.gender, EXCLUDED.device_type, EXCLUDED.login_type, EXCLUDED.profile_as_of)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
"""

INSERT_PRODUCTS = """
WITH written AS (
    INSERT INTO products (product_category, product_name)
    SELECT DISTINCT product_category, product_name FROM stage_items
    ORDER BY product_category, product_name
    ON CONFLICT (product_category, product_name) DO NOTHING
    RETURNING 1
)
SELECT count(*), 0 FROM written
"""

# Later loads remember what they inserted: the rollups are updated from exactly these rows
# (loader/rollups.py).
CREATE_NEW_ROW_TABLES = (
    "CREATE TEMP TABLE load_new_orders (id integer PRIMARY KEY) ON COMMIT DROP",
    "CREATE TEMP TABLE load_new_items (id integer PRIMARY KEY, order_id integer NOT NULL) "
    "ON COMMIT DROP",
)

_ORDERS_SELECT = """
    SELECT c.id, f.order_date, f.order_time, f.order_priority, f.payment_method, f.aging
    FROM stage_items f
    JOIN customers c ON c.customer_id = f.customer_id
    WHERE f.position = 1
"""

INSERT_ORDERS = f"""
WITH written AS (
    INSERT INTO orders (customer_id, order_date, order_time, order_priority, payment_method, aging)
    {_ORDERS_SELECT}
      AND NOT EXISTS (
          SELECT 1 FROM orders o
          WHERE o.customer_id = c.id AND o.order_date = f.order_date AND o.order_time = f.order_time
      )
    ORDER BY f.order_date, f.order_time, c.id
    ON CONFLICT (customer_id, order_date, order_time) DO NOTHING
    RETURNING id
), kept AS (
    INSERT INTO load_new_orders SELECT id FROM written RETURNING 1
)
SELECT count(*) FROM kept
"""

# First load (orders and items empty): one block of ids is reserved, one per staged row, and an
# order's id is picked by its first row's number. Order ids thus follow the file (with gaps where
# orders have several items), and each item knows its order's id without joining orders back.
# Rows go in as stage_items stores them, sorted by customer: orders' primary key is set aside
# too and rebuilt by one sort (bulk.py), cheaper than sorting the rows or a million random
# inserts into the index.
RESERVE_ORDER_IDS = """
SELECT setval(pg_get_serial_sequence('orders', 'id'),
              nextval(pg_get_serial_sequence('orders', 'id')) + %(count)s - 1) - %(count)s + 1
"""

INSERT_ORDERS_FRESH = """
INSERT INTO orders
    (id, customer_id, order_date, order_time, order_priority, payment_method, aging)
SELECT %(first_id)s + f.order_first_row - %(first_row)s, c.id,
       f.order_date, f.order_time, f.order_priority, f.payment_method, f.aging
FROM stage_items f
JOIN customers c ON c.customer_id = f.customer_id
WHERE f.position = 1
"""

# Stored in stage_items' order: an order's items sit together on disk, so reading them by order
# (the API's order pages, the rollups' per-order sums) reads few pages.
INSERT_ITEMS_FRESH = """
INSERT INTO order_items
    (order_id, product_id, position, quantity, discount, sales, profit, shipping_cost)
SELECT %(first_id)s + s.order_first_row - %(first_row)s, p.id,
       s.position, s.quantity, s.discount, s.sales, s.profit, s.shipping_cost
FROM stage_items s
JOIN products p ON p.product_category = s.product_category AND p.product_name = s.product_name
"""

_ITEMS_SELECT = """
    SELECT o.id, p.id, s.position, s.quantity, s.discount, s.sales, s.profit, s.shipping_cost
    FROM stage_items s
    JOIN customers c ON c.customer_id = s.customer_id
    JOIN orders o
      ON o.customer_id = c.id AND o.order_date = s.order_date AND o.order_time = s.order_time
    JOIN products p
      ON p.product_category = s.product_category AND p.product_name = s.product_name
"""

INSERT_ITEMS = f"""
WITH written AS (
    INSERT INTO order_items
        (order_id, product_id, position, quantity, discount, sales, profit, shipping_cost)
    {_ITEMS_SELECT}
    WHERE NOT EXISTS (
        SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.position = s.position
    )
    ON CONFLICT (order_id, position) DO NOTHING
    RETURNING id, order_id
), kept AS (
    INSERT INTO load_new_items SELECT id, order_id FROM written RETURNING 1
)
SELECT count(*) FROM kept
"""

# An item's identity is its position in its order. A row whose order was loaded before and whose
# position is taken by a DIFFERENT item is skipped (the stored data wins); counted for the summary.
ITEM_CONFLICTS = """
SELECT count(*)
FROM stage_items s
JOIN customers c ON c.customer_id = s.customer_id
JOIN orders o
  ON o.customer_id = c.id AND o.order_date = s.order_date AND o.order_time = s.order_time
JOIN order_items i ON i.order_id = o.id AND i.position = s.position
JOIN products p ON p.id = i.product_id
WHERE (p.product_category, p.product_name, i.quantity, i.discount, i.sales, i.profit,
       i.shipping_cost)
      IS DISTINCT FROM
      (s.product_category, s.product_name, s.quantity, s.discount, s.sales, s.profit,
       s.shipping_cost)
"""

TABLE_COUNTS = """
SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM products),
       (SELECT count(*) FROM orders), (SELECT count(*) FROM order_items)
"""

ANALYZE_TABLES = "ANALYZE customers, products, orders, order_items"


# After the load's commit: a WAL position at or past its commit record. The insert position, not
# pg_current_wal_lsn() (the write position): with synchronous_commit off the commit record may
# still be in the WAL buffers, before the write position.
CURRENT_WAL_LSN = "SELECT pg_current_wal_insert_lsn()::text"
