-- Revenue summary over an optional order-date range and product category.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--   category   optional product category; NULL = all. With a category, revenue, profit, shipping
--              cost and items are those of the category's items, and orders are the orders
--              holding at least one of them. An unknown category gives zeros.
--
-- Revenue is SUM(order_items.sales) as recorded (Sales does not scale with Quantity in this
-- dataset). NULL measures are ignored by SUM; COALESCE turns an empty range into 0, not NULL.
-- Reads rollup_daily_orders (all categories: one row per order date, orders without items
-- counted as orders) or rollup_daily_category_orders (one category; see migration 0002). Only the
-- branch for the given category (or none) runs.
SELECT
    COALESCE(SUM(r.sales), 0) AS total_revenue,
    COALESCE(SUM(r.profit), 0) AS total_profit,
    COALESCE(SUM(r.shipping_cost), 0) AS total_shipping_cost,
    CAST(COALESCE(SUM(r.order_count), 0) AS bigint) AS order_count,
    CAST(COALESCE(SUM(r.item_count), 0) AS bigint) AS item_count
FROM (
    SELECT a.order_date, a.order_count, a.item_count, a.sales, a.profit, a.shipping_cost
    FROM rollup_daily_orders AS a
    WHERE CAST(:category AS text) IS NULL
    UNION ALL
    SELECT c.order_date, c.order_count, c.item_count, c.sales, c.profit, c.shipping_cost
    FROM rollup_daily_category_orders AS c
    WHERE c.product_category = CAST(:category AS text)
) AS r
WHERE (CAST(:date_from AS date) IS NULL OR r.order_date >= CAST(:date_from AS date))
  AND (CAST(:date_to AS date) IS NULL OR r.order_date <= CAST(:date_to AS date))
