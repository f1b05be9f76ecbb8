-- Customers: how many, per device type, and the share of each login type.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--   category   optional product category; NULL = all
-- Without any of them: every customer. With any: only the customers with at least one order in
-- the date range that (with a category) holds at least one item of the category; an unknown
-- category gives no customers.
--
-- One row per (dimension, value):
--   dimension 'all'          value NULL, customers = every customer counted
--   dimension 'device_type'  one row per recorded device type
--   dimension 'login_type'   one row per recorded login type (Member, Guest, …)
-- A customer's device and login type are those of their latest order (the customers table), also
-- when filtering: they are the stored attributes, not those of the orders in the range.
-- Customers whose attribute is not recorded (NULL) are left out of that breakdown, so shares are
-- among the customers with a recorded value and add up to 100 (± rounding).
-- share_pct = ROUND(100 * customers / customers in the dimension, 2).
-- Order: dimension ('all', 'device_type', 'login_type'), customers descending, then value.
-- Unfiltered, reads rollup_customer_segments (see migration 0002): customers per (device, login)
-- pair. Filtered, counts the same pairs from the base tables (no rollup has dates per customer).
-- Only one of the two branches runs.
WITH segments AS (
    SELECT s.device_type, s.login_type, s.customer_count
    FROM rollup_customer_segments AS s
    WHERE CAST(:date_from AS date) IS NULL AND CAST(:date_to AS date) IS NULL
      AND CAST(:category AS text) IS NULL
    UNION ALL
    SELECT c.device_type, c.login_type, COUNT(*) AS customer_count
    FROM customers AS c
    WHERE (CAST(:date_from AS date) IS NOT NULL OR CAST(:date_to AS date) IS NOT NULL
           OR CAST(:category AS text) IS NOT NULL)
      AND c.id IN (
          SELECT o.customer_id
          FROM orders AS o
          LEFT JOIN (  -- the orders holding an item of the category (not joined without one)
              SELECT DISTINCT oi.order_id
              FROM order_items AS oi
              JOIN products AS p ON p.id = oi.product_id
              WHERE p.product_category = CAST(:category AS text)
          ) AS m ON m.order_id = o.id
          WHERE (CAST(:date_from AS date) IS NULL OR o.order_date >= CAST(:date_from AS date))
            AND (CAST(:date_to AS date) IS NULL OR o.order_date <= CAST(:date_to AS date))
            AND (CAST(:category AS text) IS NULL OR m.order_id IS NOT NULL)
      )
    GROUP BY c.device_type, c.login_type
),
grouped AS (
    SELECT
        GROUPING(s.device_type, s.login_type) AS grouping_id,
        COALESCE(s.device_type, s.login_type) AS value,
        COALESCE(SUM(s.customer_count), 0) AS customers
    FROM segments AS s
    GROUP BY GROUPING SETS ((), (s.device_type), (s.login_type))
    HAVING GROUPING(s.device_type, s.login_type) = 3
        OR COALESCE(s.device_type, s.login_type) IS NOT NULL
)
SELECT
    CASE grouping_id WHEN 3 THEN 'all' WHEN 1 THEN 'device_type' ELSE 'login_type' END
        AS dimension,
    value,
    customers,
    ROUND(100.0 * customers / NULLIF(SUM(customers) OVER (PARTITION BY grouping_id), 0), 2)
        AS share_pct
FROM grouped
ORDER BY grouping_id DESC, customers DESC, value
