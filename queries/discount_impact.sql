-- Discount impact: items grouped by discount level, and how discount correlates with sales.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--   category   optional product category; NULL = all
-- The items considered are those of orders dated in the range and (with a category) of products
-- of the category; an unknown category gives no levels.
--
-- One row per recorded discount level (items without a discount are left out), lowest discount
-- first:
--   item_count, order_count       items at this level, and the orders holding at least one
--   total_sales, avg_sales        SUM / AVG of recorded sales (AVG over items with sales)
--   total_profit, avg_profit      likewise for profit
--   avg_quantity                  AVG(quantity) over items with a recorded quantity
-- Averages are ROUND(…, 2). On every row, the same two Pearson correlations over all the items
-- considered that have a discount (ROUND(…, 4); NULL when undefined):
--   sales_correlation     r(discount, sales)     over items whose sales is recorded
--   quantity_correlation  r(discount, quantity)  over items whose quantity is recorded
-- computed exactly in NUMERIC from per-level sums (n, Σx, Σx², Σy, Σy², Σxy), since x = discount
-- is constant within a level. Unfiltered, the levels are read from rollup_discount_levels (see
-- migration 0002); filtered, the same per-level sums are computed from the base tables (that
-- rollup has no dates or categories). Only one of the two branches runs.
WITH filtered_items AS (  -- the filtered branch's items; never read when unfiltered
    SELECT oi.discount, oi.order_id, oi.quantity, oi.sales, oi.profit
    FROM order_items AS oi
    JOIN orders AS o ON o.id = oi.order_id
    WHERE oi.discount IS NOT NULL
      AND (CAST(:date_from AS date) IS NULL OR o.order_date >= CAST(:date_from AS date))
      AND (CAST(:date_to AS date) IS NULL OR o.order_date <= CAST(:date_to AS date))
      AND (CAST(:category AS text) IS NULL OR oi.product_id IN (
          SELECT p.id FROM products AS p WHERE p.product_category = CAST(:category AS text)
      ))
),
levels AS (
    SELECT
        d.discount, d.item_count, d.order_count,
        d.quantity_count, d.quantity_sum, d.quantity_sq_sum,
        d.sales_count, d.sales_sum, d.sales_sq_sum, d.profit_count, d.profit_sum
    FROM rollup_discount_levels AS d
    WHERE d.discount IS NOT NULL
      AND CAST(:date_from AS date) IS NULL AND CAST(:date_to AS date) IS NULL
      AND CAST(:category AS text) IS NULL
    UNION ALL
    -- As the rollup does: orders counted from distinct (discount, order) pairs, hashed, not sorted.
    SELECT
        s.discount, s.item_count, d.order_count,
        s.quantity_count, s.quantity_sum, s.quantity_sq_sum,
        s.sales_count, s.sales_sum, s.sales_sq_sum, s.profit_count, s.profit_sum
    FROM (
        SELECT
            f.discount,
            COUNT(*) AS item_count,
            COUNT(f.quantity) AS quantity_count,
            SUM(f.quantity) AS quantity_sum,
            SUM(CAST(f.quantity AS numeric) * f.quantity) AS quantity_sq_sum,
            COUNT(f.sales) AS sales_count,
            SUM(f.sales) AS sales_sum,
            SUM(f.sales * f.sales) AS sales_sq_sum,
            COUNT(f.profit) AS profit_count,
            SUM(f.profit) AS profit_sum
        FROM filtered_items AS f
        GROUP BY f.discount
    ) AS s
    JOIN (
        SELECT pairs.discount, COUNT(*) AS order_count
        FROM (SELECT DISTINCT f.discount, f.order_id FROM filtered_items AS f) AS pairs
        GROUP BY pairs.discount
    ) AS d ON d.discount = s.discount
    WHERE CAST(:date_from AS date) IS NOT NULL OR CAST(:date_to AS date) IS NOT NULL
       OR CAST(:category AS text) IS NOT NULL
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
