-- Top product categories by revenue.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   limit  how many categories (1..100)
--
-- Revenue is SUM(order_items.sales) as recorded; NULL measures are ignored. share_pct is the
-- category's revenue as a percentage of all revenue, ROUND(…, 2). Ties on revenue are broken by
-- category name. Reads rollup_daily_product_sales (see migration 0002), one row per day and product.
SELECT
    p.product_category AS category,
    SUM(r.item_count) AS item_count,
    COALESCE(SUM(r.quantity), 0) AS total_quantity,
    COALESCE(SUM(r.sales), 0) AS total_revenue,
    COALESCE(SUM(r.profit), 0) AS total_profit,
    ROUND(100 * COALESCE(SUM(r.sales), 0) / NULLIF(SUM(SUM(r.sales)) OVER (), 0), 2) AS share_pct
FROM rollup_daily_product_sales AS r
JOIN products AS p ON p.id = r.product_id
GROUP BY p.product_category
ORDER BY total_revenue DESC, category
LIMIT :limit
