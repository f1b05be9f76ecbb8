-- Revenue trend: revenue, profit, orders and items per day, week or month.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   granularity  'day' | 'week' | 'month' (validated by the caller); a week is the ISO week,
--                starting on Monday (date_trunc('week'))
--   date_from    optional first order date (inclusive); NULL = unbounded
--   date_to      optional last order date (inclusive); NULL = unbounded
--   category     optional product category; NULL = all. With a category, revenue and profit are
--                those of the category's items and orders are the orders holding at least one.
--
-- One row per period that has orders (periods without any are omitted), oldest first;
-- period_start is the first day of the period (a bounded range may cover it only in part).
-- Revenue is SUM(sales) as recorded; NULL measures are ignored.
-- Reads rollup_daily_orders / rollup_daily_category_orders (see migration 0002).
SELECT
    CAST(date_trunc(CAST(:granularity AS text), CAST(d.order_date AS timestamp)) AS date)
        AS period_start,
    SUM(d.order_count) AS order_count,
    SUM(d.item_count) AS item_count,
    COALESCE(SUM(d.sales), 0) AS revenue,
    COALESCE(SUM(d.profit), 0) AS profit
FROM (
    SELECT a.order_date, a.order_count, a.item_count, a.sales, a.profit
    FROM rollup_daily_orders AS a
    WHERE CAST(:category AS text) IS NULL
    UNION ALL
    SELECT c.order_date, c.order_count, c.item_count, c.sales, c.profit
    FROM rollup_daily_category_orders AS c
    WHERE c.product_category = CAST(:category AS text)
) AS d
WHERE (CAST(:date_from AS date) IS NULL OR d.order_date >= CAST(:date_from AS date))
  AND (CAST(:date_to AS date) IS NULL OR d.order_date <= CAST(:date_to AS date))
GROUP BY 1
ORDER BY 1
