"""The loader's SQL, in the order it runs inside one transaction.

Rules implemented here (documented in the README):
- an order is the set of rows sharing (Customer_Id, Order_Date, Time); its priority, payment method
  and aging come from its first row in file order; each row is one item, numbered by file order;
- a customer's gender, device and login type are those of their latest order (date, then time; ties
  go to the later row in the file); across loads, the newer (or equally new, later-loaded) wins.
"""

# Serialises loaders (this mode conflicts with itself) while API readers keep reading.
LOCK_TABLES = "LOCK TABLE customers, products, orders, order_items IN SHARE ROW EXCLUSIVE MODE"

CREATE_STAGE = """
CREATE TEMP TABLE stage_rows (
    row_no integer NOT NULL,
    customer_id text NOT NULL,
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

COPY_STAGE = "COPY stage_rows FROM STDIN WITH (FORMAT csv)"

ANALYZE_STAGE = "ANALYZE stage_rows"

STAGE_FACTS = """
WITH per_order AS (
    SELECT count(*) AS items,
           count(DISTINCT order_priority) > 1
           OR count(DISTINCT payment_method) > 1
           OR count(DISTINCT aging) > 1
           OR count(payment_method) NOT IN (0, count(*))
           OR count(aging) NOT IN (0, count(*)) AS disagrees
    FROM stage_rows
    GROUP BY customer_id, order_date, order_time
), per_customer AS (
    SELECT count(DISTINCT (gender, device_type, login_type)) > 1 AS changes
    FROM stage_rows
    GROUP BY customer_id
)
SELECT (SELECT count(*) FROM per_order) AS orders,
       (SELECT count(*) FROM per_order WHERE items > 1) AS multi_item_orders,
       (SELECT count(*) FROM per_order WHERE disagrees) AS orders_with_disagreeing_rows,
       (SELECT count(*) FROM per_customer) AS customers,
       (SELECT count(*) FROM per_customer WHERE changes) AS customers_with_changing_attributes
"""

UPSERT_CUSTOMERS = """
WITH latest AS (
    SELECT DISTINCT ON (customer_id)
           customer_id, gender, device_type, login_type,
           order_date + order_time AS profile_as_of
    FROM stage_rows
    ORDER BY customer_id, order_date DESC, order_time DESC, row_no DESC
), written AS (
    INSERT INTO customers AS c (customer_id, gender, device_type, login_type, profile_as_of)
    SELECT customer_id, gender, device_type, login_type, profile_as_of FROM latest
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
    SELECT DISTINCT product_category, product_name FROM stage_rows
    ORDER BY product_category, product_name
    ON CONFLICT (product_category, product_name) DO NOTHING
    RETURNING 1
)
SELECT count(*), 0 FROM written
"""

INSERT_ORDERS = """
WITH first_rows AS (
    SELECT DISTINCT ON (customer_id, order_date, order_time)
           customer_id, order_date, order_time, order_priority, payment_method, aging
    FROM stage_rows
    ORDER BY customer_id, order_date, order_time, row_no
), written AS (
    INSERT INTO orders (customer_id, order_date, order_time, order_priority, payment_method, aging)
    SELECT c.id, f.order_date, f.order_time, f.order_priority, f.payment_method, f.aging
    FROM first_rows f
    JOIN customers c ON c.customer_id = f.customer_id
    ORDER BY f.order_date, f.order_time, c.id
    ON CONFLICT (customer_id, order_date, order_time) DO NOTHING
    RETURNING 1
)
SELECT count(*), 0 FROM written
"""

_ITEMS_SELECT = """
    SELECT o.id, p.id, s.position, s.quantity, s.discount, s.sales, s.profit, s.shipping_cost
    FROM (
        SELECT stage_rows.*,
               row_number() OVER (
                   PARTITION BY customer_id, order_date, order_time ORDER BY row_no
               ) AS position
        FROM stage_rows
    ) s
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
    ON CONFLICT (order_id, position) DO NOTHING
    RETURNING 1
)
SELECT count(*), 0 FROM written
"""

# Into an empty order_items whose indexes and constraints were set aside: no conflicts possible.
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
