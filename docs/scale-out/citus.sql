-- The schema distributed with Citus by customer (docs/scale-out.md). Not run by the product:
-- tests/test_scale_out_ddl.py parses it with PostgreSQL's own parser (pglast) and checks that
-- every primary key, unique key and foreign key of a distributed table carries the customer.

CREATE TABLE customers (
    id integer NOT NULL,                      -- the distribution column of every customer's rows
    customer_id varchar(20) COLLATE "C" NOT NULL,  -- the dataset's Customer_Id
    gender text,
    device_type text,
    login_type text,
    profile_as_of timestamp NOT NULL,
    CONSTRAINT pk_customers PRIMARY KEY (id)
);

-- The dataset's id → the internal key: a table of its own, distributed by the dataset's id, so
-- `GET /customers/{customer_id}` is two single-shard reads (this table, then the customer's
-- shard). A UNIQUE (customer_id) on customers would need the distribution column in it.
CREATE TABLE customer_lookup (
    customer_id varchar(20) COLLATE "C" NOT NULL,
    id integer NOT NULL,
    CONSTRAINT pk_customer_lookup PRIMARY KEY (customer_id)
);

CREATE TABLE products (
    id integer NOT NULL,
    product_category text NOT NULL,
    product_name text NOT NULL,
    CONSTRAINT pk_products PRIMARY KEY (id),
    CONSTRAINT uq_products_product_category_product_name UNIQUE (product_category, product_name)
);

CREATE TABLE orders (
    customer_id integer NOT NULL,
    id integer NOT NULL,
    order_date date NOT NULL,
    order_time time NOT NULL,
    order_priority text NOT NULL,
    payment_method text,
    aging numeric(8, 2),
    CONSTRAINT pk_orders PRIMARY KEY (customer_id, id),
    CONSTRAINT uq_orders_customer_id_order_date_order_time
        UNIQUE (customer_id, order_date, order_time),
    CONSTRAINT fk_orders_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id),
    CONSTRAINT ck_orders_known_priority
        CHECK (order_priority IN ('Low', 'Medium', 'High', 'Critical')),
    CONSTRAINT ck_orders_aging_not_negative CHECK (aging >= 0)
);
CREATE INDEX idx_order_date ON orders (order_date);

CREATE TABLE order_items (
    customer_id integer NOT NULL,             -- carried down from the order, to be colocated
    order_id integer NOT NULL,
    position integer NOT NULL,
    product_id integer NOT NULL,
    quantity integer,
    discount numeric(5, 2),
    sales numeric(10, 2),
    profit numeric(10, 2),
    shipping_cost numeric(10, 2),
    CONSTRAINT pk_order_items PRIMARY KEY (customer_id, order_id, position),
    CONSTRAINT fk_order_items_order FOREIGN KEY (customer_id, order_id)
        REFERENCES orders (customer_id, id),
    -- to a reference table: allowed from any distributed table
    CONSTRAINT fk_order_items_product_id_products FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT ck_order_items_position_positive CHECK (position >= 1),
    CONSTRAINT ck_order_items_quantity_positive CHECK (quantity > 0),
    CONSTRAINT ck_order_items_discount_fraction CHECK (discount >= 0 AND discount <= 1),
    CONSTRAINT ck_order_items_sales_not_negative CHECK (sales >= 0),
    CONSTRAINT ck_order_items_shipping_cost_not_negative CHECK (shipping_cost >= 0)
);
CREATE INDEX idx_product_sales ON order_items (product_id);

-- Products are few and read by every shard's joins: one copy on every node.
SELECT create_reference_table('products');
-- A customer's rows live together: joins and foreign keys between them stay on one shard.
SELECT create_distributed_table('customers', 'id');
SELECT create_distributed_table('orders', 'customer_id', colocate_with => 'customers');
SELECT create_distributed_table('order_items', 'customer_id', colocate_with => 'customers');
SELECT create_distributed_table('customer_lookup', 'customer_id');

-- The freshness flag and the data version (revisions 0002 and 0006) stay one row on the
-- coordinator; triggers on distributed tables would run on the shards (if allowed at all), so
-- the loader sets them in its own transaction instead of the triggers.
CREATE TABLE rollup_state (
    singleton boolean NOT NULL DEFAULT true,
    fresh boolean NOT NULL,
    refreshed_at timestamptz,
    data_version bigint NOT NULL,
    data_changed_by bigint,
    CONSTRAINT pk_rollup_state PRIMARY KEY (singleton),
    CONSTRAINT ck_rollup_state_one_row CHECK (singleton)
);
