-- Customer lifetime value: the top customers by revenue and the distribution over all customers.
--
-- Bound parameters (named without the colon here, so the comments bind nothing):
--   limit  how many top customers (1..100)
--
-- Per customer (every customer with at least one order): orders, items, revenue (SUM(sales) as
-- recorded), profit, first and last order date, average_order_value = ROUND(revenue / orders, 2).
-- Top customers: revenue descending, ties broken by the dataset's customer id.
-- Distribution (the same on every row; one row with NULL customer columns when there is no
-- customer): customer count, mean / min / max revenue, and revenue percentiles p25, p50, p75,
-- p90, p99 by percentile_disc, i.e. the smallest revenue reached by at least that fraction of
-- customers counted from the lowest (an observed amount, exact); mean orders per customer.
-- Means are ROUND(…, 2).
-- Reads rollup_customer_value_distribution (one row) and rollup_customer_value_top (the best
-- 100 customers), both derived from the per-customer rollup (see migration 0002).
SELECT
    d.customer_count,
    ROUND(d.mean_revenue, 2) AS mean_revenue,
    d.min_revenue,
    d.max_revenue,
    d.revenue_percentiles,
    ROUND(d.mean_orders, 2) AS mean_orders,
    t.rank,
    t.customer_id,
    t.order_count,
    t.item_count,
    t.revenue,
    t.profit,
    t.first_order_date,
    t.last_order_date,
    ROUND(t.revenue / t.order_count, 2) AS average_order_value
FROM rollup_customer_value_distribution AS d
LEFT JOIN rollup_customer_value_top AS t ON t.rank <= :limit
ORDER BY t.rank
