-- Top products by a chosen metric.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   by         'sales' | 'quantity' | 'profit' — the metric to rank by (validated by the caller)
--   limit      how many products to return (1..100)
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--   category   optional product category; NULL = all. Only that category's products are ranked
--              (an unknown category gives no rows); their totals are unchanged by it.
--
-- Revenue is SUM(order_items.sales) as recorded: Sales is the line total in this dataset and does
-- not scale with Quantity. NULL measures are ignored by SUM; COALESCE turns "no data" into 0.
-- Ties on the metric are broken by product name (then category, id) so results are deterministic.
-- Reads rollup_daily_product_sales (see migration 0002): one row per order date and product, so
-- every filter is answered from it.
SELECT
    p.id AS product_id,
    p.product_name AS product_name,
    p.product_category AS product_category,
    COALESCE(SUM(r.sales), 0) AS total_sales,
    CAST(COALESCE(SUM(r.quantity), 0) AS bigint) AS total_quantity,
    COALESCE(SUM(r.profit), 0) AS total_profit
FROM products AS p
JOIN rollup_daily_product_sales AS r ON r.product_id = p.id
WHERE (CAST(:date_from AS date) IS NULL OR r.order_date >= CAST(:date_from AS date))
  AND (CAST(:date_to AS date) IS NULL OR r.order_date <= CAST(:date_to AS date))
  AND (CAST(:category AS text) IS NULL OR p.product_category = CAST(:category AS text))
GROUP BY p.id, p.product_name, p.product_category
ORDER BY
    CASE CAST(:by AS text)
        WHEN 'quantity' THEN CAST(COALESCE(SUM(r.quantity), 0) AS numeric)
        WHEN 'profit' THEN COALESCE(SUM(r.profit), 0)
        ELSE COALESCE(SUM(r.sales), 0)
    END DESC,
    p.product_name,
    p.product_category,
    p.id
LIMIT :limit
