-- Products ranked by profit margin: SUM(profit) / SUM(sales), as a percentage.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   limit  how many products; NULL = all of them
--
-- margin_pct = ROUND(100 * SUM(profit) / SUM(sales), 2); NULL when the product has no sales
-- (ranked last). Ranking uses the exact, unrounded margin, ties broken by product name, category,
-- id. Reads rollup_daily_product_sales (see migration 0002).
SELECT
    p.id AS product_id,
    p.product_name,
    p.product_category,
    COALESCE(SUM(r.sales), 0) AS total_sales,
    COALESCE(SUM(r.profit), 0) AS total_profit,
    ROUND(100 * SUM(r.profit) / NULLIF(SUM(r.sales), 0), 2) AS margin_pct
FROM rollup_daily_product_sales AS r
JOIN products AS p ON p.id = r.product_id
GROUP BY p.id, p.product_name, p.product_category
ORDER BY SUM(r.profit) / NULLIF(SUM(r.sales), 0) DESC NULLS LAST,
    p.product_name, p.product_category, p.id
LIMIT :limit
