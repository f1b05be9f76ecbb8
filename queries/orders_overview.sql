-- Orders: counts, average order size, revenue, profit and the share of urgent orders.
--
-- No parameters. One row. An order is the set of CSV rows sharing customer, date and time.
--   avg_quantity_per_order  units (SUM(quantity)) per order, over the orders with at least one
--                           recorded quantity, ROUND(…, 2)
--   avg_items_per_order     items (order lines) per order, ROUND(…, 2)
--   average_order_value     revenue / orders, ROUND(…, 2)
--   high_or_critical_pct    100 * orders with priority High or Critical / orders, ROUND(…, 2)
-- Revenue is SUM(sales) as recorded; NULL measures are ignored.
-- Reads rollup_payment_orders (see migration 0002): one row per payment method, all additive.
SELECT
    COALESCE(SUM(r.order_count), 0) AS order_count,
    COALESCE(SUM(r.item_count), 0) AS item_count,
    COALESCE(SUM(r.quantity), 0) AS total_quantity,
    ROUND(SUM(r.quantity) / NULLIF(SUM(r.orders_with_quantity), 0), 2) AS avg_quantity_per_order,
    ROUND(SUM(r.item_count) / NULLIF(SUM(r.order_count), 0), 2) AS avg_items_per_order,
    COALESCE(SUM(r.sales), 0) AS total_revenue,
    COALESCE(SUM(r.profit), 0) AS total_profit,
    ROUND(SUM(r.sales) / NULLIF(SUM(r.order_count), 0), 2) AS average_order_value,
    COALESCE(SUM(r.high_or_critical_orders), 0) AS high_or_critical_orders,
    ROUND(100.0 * SUM(r.high_or_critical_orders) / NULLIF(SUM(r.order_count), 0), 2)
        AS high_or_critical_pct
FROM rollup_payment_orders AS r
