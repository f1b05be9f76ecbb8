-- Orders: counts, average order size, revenue, profit and the share of urgent orders.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   date_from  optional first order date (inclusive); NULL = unbounded
--   date_to    optional last order date (inclusive); NULL = unbounded
--   category   optional product category; NULL = all. With a category, the orders are those
--              holding at least one item of the category, and items, units, revenue and profit
--              are those of the category's items only. An unknown category gives zeros.
--
-- One row. An order is the set of CSV rows sharing customer, date and time.
--   avg_quantity_per_order  units (SUM(quantity)) per order, over the orders with at least one
--                           recorded quantity (among the counted items), ROUND(…, 2)
--   avg_items_per_order     items (order lines) per order, ROUND(…, 2)
--   average_order_value     revenue / orders, ROUND(…, 2)
--   high_or_critical_pct    100 * orders with priority High or Critical / orders, ROUND(…, 2)
-- Revenue is SUM(sales) as recorded; NULL measures are ignored. Without a category, orders
-- without items count as orders, as in the revenue summary.
--
-- Three branches, of which only the one for the given filters runs:
--   no filter      rollup_payment_orders (one row per payment method, all additive)
--   dates only     rollup_order_totals (one row per order with its item totals; see migration
--                  0002), the orders in the range
--   a category     the base tables: the category's items in the range, with their orders
--                  (no rollup holds per-order totals by category); orders are counted distinct
WITH filtered_orders AS (  -- dates only: one row per order in the range, with its item totals
    SELECT
        1 AS order_count,
        t.item_count,
        CASE WHEN t.quantity IS NOT NULL THEN 1 ELSE 0 END AS orders_with_quantity,
        t.quantity,
        t.sales,
        t.profit,
        CASE WHEN t.order_priority IN ('High', 'Critical') THEN 1 ELSE 0 END
            AS high_or_critical_orders
    FROM rollup_order_totals AS t
    WHERE CAST(:category AS text) IS NULL
      AND (CAST(:date_from AS date) IS NOT NULL OR CAST(:date_to AS date) IS NOT NULL)
      AND (CAST(:date_from AS date) IS NULL OR t.order_date >= CAST(:date_from AS date))
      AND (CAST(:date_to AS date) IS NULL OR t.order_date <= CAST(:date_to AS date))
),
category_items AS (  -- a category: its items in the range, with their order's priority
    SELECT oi.order_id, oi.quantity, oi.sales, oi.profit, o.order_priority
    FROM order_items AS oi
    JOIN orders AS o ON o.id = oi.order_id
    WHERE oi.product_id IN (
        SELECT p.id FROM products AS p WHERE p.product_category = CAST(:category AS text)
    )
      AND (CAST(:date_from AS date) IS NULL OR o.order_date >= CAST(:date_from AS date))
      AND (CAST(:date_to AS date) IS NULL OR o.order_date <= CAST(:date_to AS date))
),
totals AS (  -- additive rows (the last aggregate yields a row of zeros without a category)
    SELECT
        r.order_count,
        r.item_count,
        r.orders_with_quantity,
        r.quantity,
        r.sales,
        r.profit,
        r.high_or_critical_orders
    FROM rollup_payment_orders AS r
    WHERE CAST(:date_from AS date) IS NULL AND CAST(:date_to AS date) IS NULL
      AND CAST(:category AS text) IS NULL
    UNION ALL
    SELECT * FROM filtered_orders
    UNION ALL
    SELECT
        COUNT(DISTINCT i.order_id),
        COUNT(*),
        COUNT(DISTINCT i.order_id) FILTER (WHERE i.quantity IS NOT NULL),
        SUM(i.quantity),
        SUM(i.sales),
        SUM(i.profit),
        COUNT(DISTINCT i.order_id) FILTER (WHERE i.order_priority IN ('High', 'Critical'))
    FROM category_items AS i
)
SELECT
    COALESCE(SUM(t.order_count), 0) AS order_count,
    COALESCE(SUM(t.item_count), 0) AS item_count,
    COALESCE(SUM(t.quantity), 0) AS total_quantity,
    ROUND(SUM(t.quantity) / NULLIF(SUM(t.orders_with_quantity), 0), 2) AS avg_quantity_per_order,
    ROUND(SUM(t.item_count) / NULLIF(SUM(t.order_count), 0), 2) AS avg_items_per_order,
    COALESCE(SUM(t.sales), 0) AS total_revenue,
    COALESCE(SUM(t.profit), 0) AS total_profit,
    ROUND(SUM(t.sales) / NULLIF(SUM(t.order_count), 0), 2) AS average_order_value,
    COALESCE(SUM(t.high_or_critical_orders), 0) AS high_or_critical_orders,
    ROUND(100.0 * SUM(t.high_or_critical_orders) / NULLIF(SUM(t.order_count), 0), 2)
        AS high_or_critical_pct
FROM totals AS t
