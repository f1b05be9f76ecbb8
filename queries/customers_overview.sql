-- Customers: how many, per device type, and the share of each login type.
--
-- No parameters. One row per (dimension, value):
--   dimension 'all'          value NULL, customers = every customer
--   dimension 'device_type'  one row per recorded device type
--   dimension 'login_type'   one row per recorded login type (Member, Guest, …)
-- A customer's device and login type are those of their latest order (the customers table).
-- Customers whose attribute is not recorded (NULL) are left out of that breakdown, so shares are
-- among the customers with a recorded value and add up to 100 (± rounding).
-- share_pct = ROUND(100 * customers / customers in the dimension, 2).
-- Order: dimension ('all', 'device_type', 'login_type'), customers descending, then value.
-- Reads rollup_customer_segments (see migration 0002): customers per (device, login) pair.
WITH grouped AS (
    SELECT
        GROUPING(s.device_type, s.login_type) AS grouping_id,
        COALESCE(s.device_type, s.login_type) AS value,
        COALESCE(SUM(s.customer_count), 0) AS customers
    FROM rollup_customer_segments AS s
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
