-- Revenue summary over an optional order-date range.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--
-- Revenue is SUM(order_items.sales) as recorded (Sales does not scale with Quantity in this
-- dataset). NULL measures are ignored by SUM; COALESCE turns an empty range into 0, not NULL.
-- LEFT JOIN so an order without items still counts as an order.
SELECT
    COALESCE(SUM(oi.sales), 0) AS total_revenue,
    COALESCE(SUM(oi.profit), 0) AS total_profit,
    COALESCE(SUM(oi.shipping_cost), 0) AS total_shipping_cost,
    COUNT(DISTINCT o.id) AS order_count,
    COUNT(oi.id) AS item_count
FROM orders AS o
LEFT JOIN order_items AS oi ON oi.order_id = o.id
WHERE (CAST(:date_from AS date) IS NULL OR o.order_date >= CAST(:date_from AS date))
  AND (CAST(:date_to AS date) IS NULL OR o.order_date <= CAST(:date_to AS date))
