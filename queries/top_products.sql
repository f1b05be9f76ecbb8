-- Top products by a chosen metric.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   by         'sales' | 'quantity' | 'profit' — the metric to rank by (validated by the caller)
--   limit      how many products to return (1..100)
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--
-- Revenue is SUM(order_items.sales) as recorded: Sales is the line total in this dataset and does
-- not scale with Quantity. NULL measures are ignored by SUM; COALESCE turns "no data" into 0.
-- Ties on the metric are broken by product name (then category, id) so results are deterministic.
SELECT
    p.id AS product_id,
    p.product_name AS product_name,
    p.product_category AS product_category,
    COALESCE(SUM(oi.sales), 0) AS total_sales,
    COALESCE(SUM(oi.quantity), 0) AS total_quantity,
    COALESCE(SUM(oi.profit), 0) AS total_profit
FROM products AS p
JOIN order_items AS oi ON oi.product_id = p.id
JOIN orders AS o ON o.id = oi.order_id
WHERE (CAST(:date_from AS date) IS NULL OR o.order_date >= CAST(:date_from AS date))
  AND (CAST(:date_to AS date) IS NULL OR o.order_date <= CAST(:date_to AS date))
GROUP BY p.id, p.product_name, p.product_category
ORDER BY
    CASE CAST(:by AS text)
        WHEN 'quantity' THEN CAST(COALESCE(SUM(oi.quantity), 0) AS numeric)
        WHEN 'profit' THEN COALESCE(SUM(oi.profit), 0)
        ELSE COALESCE(SUM(oi.sales), 0)
    END DESC,
    p.product_name,
    p.product_category,
    p.id
LIMIT :limit
