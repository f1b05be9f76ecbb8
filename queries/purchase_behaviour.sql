-- Purchase behaviour by device type, login type and payment method.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--   category   optional product category; NULL = all
-- The orders considered are those dated in the range that (with a category) hold at least one
-- item of the category; revenue is then that of the category's items only. Customers are those
-- with at least one order considered (unfiltered: every customer, also one without orders, is
-- counted under their device and login type). An unknown category gives no rows.
--
-- One row per (dimension, value), dimension in 'device_type', 'login_type', 'payment_method';
-- values that are not recorded (NULL) are left out.
--   device_type / login_type: the customer's stored (latest) attributes, also when filtering;
--     customers, their orders and revenue, average_order_value = ROUND(revenue / orders, 2).
--   payment_method: the order's payment method (its first row's); customers = distinct customers
--     with at least one such order. This is the payment-method mix.
--   order_share_pct = ROUND(100 * orders / orders in the dimension with a recorded value, 2).
-- Revenue is SUM(sales) as recorded. Order: dimension, orders descending, value.
--
-- Three sources, of which only the one for the given filters is read:
--   no filter   rollup_customer_segments and rollup_payment_orders (see migration 0002)
--   dates only  rollup_order_totals: one row per order in the range, with its revenue
--   a category  the base tables: the category's items in the range with their orders, summed per
--               (customer, payment method), orders counted distinct (no rollup holds per-order
--               totals by category)
-- When filtering, distinct customers are counted from hashed ids and (customer, payment) pairs.
WITH category_items AS (  -- a category: its items in the range, with their order's attributes
    SELECT oi.order_id, o.customer_id, o.payment_method, oi.sales
    FROM order_items AS oi
    JOIN orders AS o ON o.id = oi.order_id
    WHERE oi.product_id IN (
        SELECT p.id FROM products AS p WHERE p.product_category = CAST(:category AS text)
    )
      AND (CAST(:date_from AS date) IS NULL OR o.order_date >= CAST(:date_from AS date))
      AND (CAST(:date_to AS date) IS NULL OR o.order_date <= CAST(:date_to AS date))
),
filtered_orders AS (  -- when filtering: (customer, payment method, orders, revenue), additive
    SELECT t.customer_id, t.payment_method, 1 AS orders, COALESCE(t.sales, 0) AS revenue
    FROM rollup_order_totals AS t
    WHERE CAST(:category AS text) IS NULL
      AND (CAST(:date_from AS date) IS NOT NULL OR CAST(:date_to AS date) IS NOT NULL)
      AND (CAST(:date_from AS date) IS NULL OR t.order_date >= CAST(:date_from AS date))
      AND (CAST(:date_to AS date) IS NULL OR t.order_date <= CAST(:date_to AS date))
    UNION ALL
    SELECT i.customer_id, i.payment_method, COUNT(DISTINCT i.order_id), COALESCE(SUM(i.sales), 0)
    FROM category_items AS i
    GROUP BY i.customer_id, i.payment_method
),
filtered AS (  -- with the customer's (latest) device and login type
    SELECT f.customer_id, c.device_type, c.login_type, f.payment_method, f.orders, f.revenue
    FROM filtered_orders AS f
    JOIN customers AS c ON c.id = f.customer_id
),
filtered_segments AS (  -- orders and revenue per device type, login type, payment method
    SELECT
        CASE GROUPING(f.device_type, f.login_type, f.payment_method)
            WHEN 3 THEN 'device_type' WHEN 5 THEN 'login_type' ELSE 'payment_method'
        END AS dimension,
        COALESCE(f.device_type, f.login_type, f.payment_method) AS value,
        SUM(f.orders) AS orders,
        SUM(f.revenue) AS revenue
    FROM filtered AS f
    GROUP BY GROUPING SETS ((f.device_type), (f.login_type), (f.payment_method))
),
filtered_customers AS (  -- distinct customers per device type, login type, payment method
    SELECT
        CASE WHEN GROUPING(c.device_type) = 0 THEN 'device_type' ELSE 'login_type' END
            AS dimension,
        COALESCE(c.device_type, c.login_type) AS value,
        COUNT(*) AS customers
    FROM (SELECT DISTINCT f.customer_id, f.device_type, f.login_type FROM filtered AS f) AS c
    GROUP BY GROUPING SETS ((c.device_type), (c.login_type))
    UNION ALL
    SELECT 'payment_method', pairs.payment_method, COUNT(*)
    FROM (SELECT DISTINCT f.customer_id, f.payment_method FROM filtered AS f) AS pairs
    GROUP BY pairs.payment_method
),
by_customer AS (
    SELECT
        CASE WHEN GROUPING(s.device_type) = 0 THEN 'device_type' ELSE 'login_type' END
            AS dimension,
        COALESCE(s.device_type, s.login_type) AS value,
        SUM(s.customer_count) AS customers,
        SUM(s.order_count) AS orders,
        SUM(s.revenue) AS revenue
    FROM rollup_customer_segments AS s
    WHERE CAST(:date_from AS date) IS NULL AND CAST(:date_to AS date) IS NULL
      AND CAST(:category AS text) IS NULL
    GROUP BY GROUPING SETS ((s.device_type), (s.login_type))
),
by_payment AS (
    SELECT
        'payment_method' AS dimension,
        p.payment_method AS value,
        p.customer_count AS customers,
        p.order_count AS orders,
        COALESCE(p.sales, 0) AS revenue
    FROM rollup_payment_orders AS p
    WHERE CAST(:date_from AS date) IS NULL AND CAST(:date_to AS date) IS NULL
      AND CAST(:category AS text) IS NULL
),
combined AS (
    SELECT * FROM by_customer
    UNION ALL
    SELECT * FROM by_payment
    UNION ALL
    SELECT s.dimension, s.value, c.customers, s.orders, s.revenue
    FROM filtered_segments AS s
    JOIN filtered_customers AS c USING (dimension, value)
)
SELECT
    dimension,
    value,
    customers,
    orders,
    revenue,
    ROUND(revenue / NULLIF(orders, 0), 2) AS average_order_value,
    ROUND(100.0 * orders / NULLIF(SUM(orders) OVER (PARTITION BY dimension), 0), 2)
        AS order_share_pct
FROM combined
WHERE value IS NOT NULL
ORDER BY dimension, orders DESC, value
