"""The loader's SQL, in the order it runs inside one transaction.

Rules implemented here (documented in the README):
- an order is the set of rows sharing (Customer_Id, Order_Date, Time); its priority, payment method
  and aging come from its first row in file order; each row is one item, numbered by file order;
- a customer's gender, device and login type are those of their latest order (date, then time; ties
  go to the later row in the file); across loads, the newer (or equally new, later-loaded) wins.

Speed: every rule above is answered by ONE sort of the staged rows by (customer, date, time, row),
in `SORT_STAGE`: an order's rows are adjacent in it (position = row_number, first row = position 1)
and a customer's latest row is the last of the customer's run. Customer ids sort with the "C"
collation (byte order), several times cheaper than a linguistic one for a million keys.
"""

# Serialises loaders (this mode conflicts with itself) while API readers keep reading.
LOCK_TABLES = "LOCK TABLE customers, products, orders, order_items IN SHARE ROW EXCLUSIVE MODE"

CREATE_STAGE = """
CREATE TEMP TABLE stage_rows (
    row_no integer NOT NULL,
    customer_id text COLLATE "C" NOT NULL,
    order_date date NOT NULL,
    order_time time NOT NULL,
    aging numeric,
    gender text,
    device_type text,
    login_type text,
    product_category text NOT NULL,
    product_name text NOT NULL,
    sales numeric,
    quantity integer,
    discount numeric,
    profit numeric,
    shipping_cost numeric,
    order_priority text NOT NULL,
    payment_method text
) ON COMMIT DROP
"""

COPY_STAGE = "COPY stage_rows FROM STDIN"  # text format: tab-separated, \N is NULL

SORT_STAGE = """
CREATE TEMP TABLE stage_items ON COMMIT DROP AS
SELECT s.*,
       row_number() OVER by_order AS position,
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
FROM stage_rows s
WINDOW by_order AS (PARTITION BY customer_id, order_date, order_time ORDER BY row_no),
       by_customer AS (PARTITION BY customer_id ORDER BY order_date, order_time, row_no)
"""

ANALYZE_STAGE = "ANALYZE stage_items"

STAGE_FACTS = """
SELECT count(*) FILTER (WHERE position = 1) AS orders,
       count(*) FILTER (WHERE position = 2) AS multi_item_orders,
       count(*) FILTER (WHERE disagrees_with_order) AS rows_disagreeing_with_their_order,
       count(*) FILTER (WHERE is_customer_latest) AS customers,
       count(DISTINCT customer_id) FILTER (WHERE customer_changed)
           AS customers_with_changing_attributes
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
    RETURNING 1
)
SELECT count(*) FROM written
"""

# Into an empty table whose indexes and constraints were set aside: no conflicts possible.
# Ordered so that order ids follow time.
INSERT_ORDERS_BULK = f"""
INSERT INTO orders (customer_id, order_date, order_time, order_priority, payment_method, aging)
{_ORDERS_SELECT}
ORDER BY f.order_date, f.order_time, c.id
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
    RETURNING 1
)
SELECT count(*) FROM written
"""

INSERT_ITEMS_BULK = f"""
INSERT INTO order_items
    (order_id, product_id, position, quantity, discount, sales, profit, shipping_cost)
{_ITEMS_SELECT}
"""

TABLE_COUNTS = """
SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM products),
       (SELECT count(*) FROM orders), (SELECT count(*) FROM order_items)
"""

ANALYZE_TABLES = "ANALYZE customers, products, orders, order_items"
