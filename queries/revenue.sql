-- Revenue summary over an optional order-date range.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--
-- Revenue is SUM(order_items.sales) as recorded (Sales does not scale with Quantity in this
-- dataset). NULL measures are ignored by SUM; COALESCE turns an empty range into 0, not NULL.
-- Reads rollup_daily_orders (see migration 0002): one row per order date, orders without items
-- counted as orders.
SELECT
    COALESCE(SUM(r.sales), 0) AS total_revenue,
    COALESCE(SUM(r.profit), 0) AS total_profit,
    COALESCE(SUM(r.shipping_cost), 0) AS total_shipping_cost,
    CAST(COALESCE(SUM(r.order_count), 0) AS bigint) AS order_count,
    CAST(COALESCE(SUM(r.item_count), 0) AS bigint) AS item_count
FROM rollup_daily_orders AS r
WHERE (CAST(:date_from AS date) IS NULL OR r.order_date >= CAST(:date_from AS date))
  AND (CAST(:date_to AS date) IS NULL OR r.order_date <= CAST(:date_to AS date))
