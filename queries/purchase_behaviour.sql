-- Purchase behaviour by device type, login type and payment method.
--
-- No parameters. One row per (dimension, value), dimension in 'device_type', 'login_type',
-- 'payment_method'; values that are not recorded (NULL) are left out.
--   device_type / login_type: the customer's (latest) attributes; customers, their orders and
--     revenue, average_order_value = ROUND(revenue / orders, 2).
--   payment_method: the order's payment method (its first row's); customers = distinct customers
--     with at least one such order. This is the payment-method mix.
--   order_share_pct = ROUND(100 * orders / orders in the dimension with a recorded value, 2).
-- Revenue is SUM(sales) as recorded. Order: dimension, orders descending, value.
-- Reads rollup_customer_segments and rollup_payment_orders (see migration 0002).
WITH by_customer AS (
    SELECT
        CASE WHEN GROUPING(s.device_type) = 0 THEN 'device_type' ELSE 'login_type' END
            AS dimension,
        COALESCE(s.device_type, s.login_type) AS value,
        SUM(s.customer_count) AS customers,
        SUM(s.order_count) AS orders,
        SUM(s.revenue) AS revenue
    FROM rollup_customer_segments AS s
    GROUP BY GROUPING SETS ((s.device_type), (s.login_type))
    HAVING COALESCE(s.device_type, s.login_type) IS NOT NULL
),
by_payment AS (
    SELECT
        'payment_method' AS dimension,
        p.payment_method AS value,
        p.customer_count AS customers,
        p.order_count AS orders,
        COALESCE(p.sales, 0) AS revenue
    FROM rollup_payment_orders AS p
    WHERE p.payment_method IS NOT NULL
),
combined AS (
    SELECT * FROM by_customer
    UNION ALL
    SELECT * FROM by_payment
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
ORDER BY dimension, orders DESC, value
