-- Discount impact: items grouped by discount level, and how discount correlates with sales.
--
-- No parameters. One row per recorded discount level (items without a discount are left out),
-- lowest discount first:
--   item_count, order_count       items at this level, and the orders holding at least one
--   total_sales, avg_sales        SUM / AVG of recorded sales (AVG over items with sales)
--   total_profit, avg_profit      likewise for profit
--   avg_quantity                  AVG(quantity) over items with a recorded quantity
-- Averages are ROUND(…, 2). On every row, the same two Pearson correlations over all items
-- with a discount (ROUND(…, 4); NULL when undefined):
--   sales_correlation     r(discount, sales)     over items whose sales is recorded
--   quantity_correlation  r(discount, quantity)  over items whose quantity is recorded
-- computed exactly in NUMERIC from per-level sums (n, Σx, Σx², Σy, Σy², Σxy), since x = discount
-- is constant within a level. Reads rollup_discount_levels (see migration 0002).
WITH levels AS (
    SELECT * FROM rollup_discount_levels WHERE discount IS NOT NULL
),
sums AS (
    SELECT
        SUM(sales_count) AS s_n,
        SUM(discount * sales_count) AS s_x,
        SUM(discount * discount * sales_count) AS s_xx,
        SUM(sales_sum) AS s_y,
        SUM(sales_sq_sum) AS s_yy,
        SUM(discount * sales_sum) AS s_xy,
        SUM(quantity_count) AS q_n,
        SUM(discount * quantity_count) AS q_x,
        SUM(discount * discount * quantity_count) AS q_xx,
        SUM(quantity_sum) AS q_y,
        SUM(quantity_sq_sum) AS q_yy,
        SUM(discount * quantity_sum) AS q_xy
    FROM levels
)
SELECT
    l.discount,
    l.item_count,
    l.order_count,
    COALESCE(l.sales_sum, 0) AS total_sales,
    ROUND(l.sales_sum / NULLIF(l.sales_count, 0), 2) AS avg_sales,
    COALESCE(l.profit_sum, 0) AS total_profit,
    ROUND(l.profit_sum / NULLIF(l.profit_count, 0), 2) AS avg_profit,
    ROUND(CAST(l.quantity_sum AS numeric) / NULLIF(l.quantity_count, 0), 2) AS avg_quantity,
    ROUND(
        (s.s_n * s.s_xy - s.s_x * s.s_y)
        / NULLIF(SQRT((s.s_n * s.s_xx - s.s_x * s.s_x) * (s.s_n * s.s_yy - s.s_y * s.s_y)), 0),
        4
    ) AS sales_correlation,
    ROUND(
        (s.q_n * s.q_xy - s.q_x * s.q_y)
        / NULLIF(SQRT((s.q_n * s.q_xx - s.q_x * s.q_x) * (s.q_n * s.q_yy - s.q_y * s.q_y)), 0),
        4
    ) AS quantity_correlation
FROM levels AS l
CROSS JOIN sums AS s
ORDER BY l.discount
