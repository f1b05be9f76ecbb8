-- Top product categories by revenue.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   limit      how many categories (1..100)
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--   category   optional product category; NULL = all. With a category, only its row is returned
--              (none for an unknown category), keeping its rank and share among all categories.
--
-- Per category, over the items whose order date is in the range: items, units, revenue
-- (SUM(order_items.sales) as recorded), profit; NULL measures are ignored. rank orders the
-- categories by revenue, ties broken by category name; revenue_share_pct is the category's
-- revenue as a percentage of the revenue of every category in the date range, ROUND(…, 2).
-- Reads rollup_daily_product_sales (see migration 0002), one row per day and product, so every
-- filter is answered from it.
WITH ranked AS (
    SELECT
        p.product_category AS category,
        SUM(r.item_count) AS item_count,
        COALESCE(SUM(r.quantity), 0) AS total_quantity,
        COALESCE(SUM(r.sales), 0) AS total_revenue,
        COALESCE(SUM(r.profit), 0) AS total_profit,
        ROUND(100 * COALESCE(SUM(r.sales), 0) / NULLIF(SUM(SUM(r.sales)) OVER (), 0), 2)
            AS revenue_share_pct,
        row_number() OVER (ORDER BY COALESCE(SUM(r.sales), 0) DESC, p.product_category) AS rank
    FROM rollup_daily_product_sales AS r
    JOIN products AS p ON p.id = r.product_id
    WHERE (CAST(:date_from AS date) IS NULL OR r.order_date >= CAST(:date_from AS date))
      AND (CAST(:date_to AS date) IS NULL OR r.order_date <= CAST(:date_to AS date))
    GROUP BY p.product_category
)
SELECT rank, category, item_count, total_quantity, total_revenue, total_profit, revenue_share_pct
FROM ranked
WHERE CAST(:category AS text) IS NULL OR category = CAST(:category AS text)
ORDER BY rank
LIMIT :limit
