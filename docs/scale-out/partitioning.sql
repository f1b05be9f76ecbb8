-- Orders and their items partitioned by month of order date (docs/scale-out.md). Not run by the
-- product: tests/test_scale_out_ddl.py parses it, checks that every key carries the partition
-- key, and runs it on a scratch PostgreSQL database to see rows land in their month.

CREATE TABLE orders (
    id integer NOT NULL,
    customer_id integer NOT NULL,
    order_date date NOT NULL,
    order_time time NOT NULL,
    order_priority text NOT NULL,
    payment_method text,
    aging numeric(8, 2),
    -- a partitioned table's primary and unique keys must contain the partition key
    CONSTRAINT pk_orders PRIMARY KEY (id, order_date),
    CONSTRAINT uq_orders_customer_id_order_date_order_time
        UNIQUE (customer_id, order_date, order_time),
    CONSTRAINT ck_orders_known_priority
        CHECK (order_priority IN ('Low', 'Medium', 'High', 'Critical')),
    CONSTRAINT ck_orders_aging_not_negative CHECK (aging >= 0)
) PARTITION BY RANGE (order_date);
CREATE INDEX idx_order_customer ON orders (customer_id);

CREATE TABLE order_items (
    order_id integer NOT NULL,
    order_date date NOT NULL,                 -- the order's, so the item finds its partition
    position integer NOT NULL,
    product_id integer NOT NULL,
    quantity integer,
    discount numeric(5, 2),
    sales numeric(10, 2),
    profit numeric(10, 2),
    shipping_cost numeric(10, 2),
    CONSTRAINT pk_order_items PRIMARY KEY (order_id, order_date, position),
    CONSTRAINT fk_order_items_order FOREIGN KEY (order_id, order_date)
        REFERENCES orders (id, order_date),
    CONSTRAINT ck_order_items_quantity_positive CHECK (quantity > 0)
) PARTITION BY RANGE (order_date);
CREATE INDEX idx_product_sales ON order_items (product_id);

-- One partition per month (the loader creates the next month's before loading into it); the
-- dataset covers 2018. DEFAULT partitions catch a date outside every month made so far.
CREATE TABLE orders_2018_01 PARTITION OF orders FOR VALUES FROM ('2018-01-01') TO ('2018-02-01');
CREATE TABLE orders_2018_02 PARTITION OF orders FOR VALUES FROM ('2018-02-01') TO ('2018-03-01');
CREATE TABLE orders_2018_03 PARTITION OF orders FOR VALUES FROM ('2018-03-01') TO ('2018-04-01');
CREATE TABLE orders_2018_04 PARTITION OF orders FOR VALUES FROM ('2018-04-01') TO ('2018-05-01');
CREATE TABLE orders_2018_05 PARTITION OF orders FOR VALUES FROM ('2018-05-01') TO ('2018-06-01');
CREATE TABLE orders_2018_06 PARTITION OF orders FOR VALUES FROM ('2018-06-01') TO ('2018-07-01');
CREATE TABLE orders_2018_07 PARTITION OF orders FOR VALUES FROM ('2018-07-01') TO ('2018-08-01');
CREATE TABLE orders_2018_08 PARTITION OF orders FOR VALUES FROM ('2018-08-01') TO ('2018-09-01');
CREATE TABLE orders_2018_09 PARTITION OF orders FOR VALUES FROM ('2018-09-01') TO ('2018-10-01');
CREATE TABLE orders_2018_10 PARTITION OF orders FOR VALUES FROM ('2018-10-01') TO ('2018-11-01');
CREATE TABLE orders_2018_11 PARTITION OF orders FOR VALUES FROM ('2018-11-01') TO ('2018-12-01');
CREATE TABLE orders_2018_12 PARTITION OF orders FOR VALUES FROM ('2018-12-01') TO ('2019-01-01');
CREATE TABLE orders_default PARTITION OF orders DEFAULT;

CREATE TABLE order_items_2018_01 PARTITION OF order_items
    FOR VALUES FROM ('2018-01-01') TO ('2018-02-01');
CREATE TABLE order_items_2018_02 PARTITION OF order_items
    FOR VALUES FROM ('2018-02-01') TO ('2018-03-01');
CREATE TABLE order_items_2018_03 PARTITION OF order_items
    FOR VALUES FROM ('2018-03-01') TO ('2018-04-01');
CREATE TABLE order_items_2018_04 PARTITION OF order_items
    FOR VALUES FROM ('2018-04-01') TO ('2018-05-01');
CREATE TABLE order_items_2018_05 PARTITION OF order_items
    FOR VALUES FROM ('2018-05-01') TO ('2018-06-01');
CREATE TABLE order_items_2018_06 PARTITION OF order_items
    FOR VALUES FROM ('2018-06-01') TO ('2018-07-01');
CREATE TABLE order_items_2018_07 PARTITION OF order_items
    FOR VALUES FROM ('2018-07-01') TO ('2018-08-01');
CREATE TABLE order_items_2018_08 PARTITION OF order_items
    FOR VALUES FROM ('2018-08-01') TO ('2018-09-01');
CREATE TABLE order_items_2018_09 PARTITION OF order_items
    FOR VALUES FROM ('2018-09-01') TO ('2018-10-01');
CREATE TABLE order_items_2018_10 PARTITION OF order_items
    FOR VALUES FROM ('2018-10-01') TO ('2018-11-01');
CREATE TABLE order_items_2018_11 PARTITION OF order_items
    FOR VALUES FROM ('2018-11-01') TO ('2018-12-01');
CREATE TABLE order_items_2018_12 PARTITION OF order_items
    FOR VALUES FROM ('2018-12-01') TO ('2019-01-01');
CREATE TABLE order_items_default PARTITION OF order_items DEFAULT;
