//! General-admission products (a priced quantity per performance) and Postgres-path holds.

sql_migration!(
    r#"
CREATE TABLE ga_products (
    id             uuid PRIMARY KEY,
    performance_id uuid NOT NULL REFERENCES performances (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    price          bigint NOT NULL CHECK (price >= 0),
    capacity       integer NOT NULL CHECK (capacity > 0),
    -- Never sold below zero: the conditional UPDATE and this CHECK both say so.
    remaining      integer NOT NULL CHECK (remaining >= 0),
    CONSTRAINT ga_products_remaining_le_capacity CHECK (remaining <= capacity),
    CONSTRAINT ga_products_name_key UNIQUE (performance_id, name)
);

CREATE TABLE reservation_ga_items (
    reservation_id uuid NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    product_id     uuid NOT NULL REFERENCES ga_products (id),
    quantity       integer NOT NULL CHECK (quantity > 0),
    price          bigint NOT NULL CHECK (price >= 0),
    live           boolean NOT NULL DEFAULT true,
    PRIMARY KEY (reservation_id, product_id)
);

-- Holds taken on the Postgres path (Redis unreachable, or HOLD_STRATEGY=postgres).
CREATE TABLE pg_holds (
    id             uuid PRIMARY KEY,
    performance_id uuid NOT NULL REFERENCES performances (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES users (id),
    seat_ids       uuid[] NOT NULL,
    product_id     uuid REFERENCES ga_products (id),
    quantity       integer NOT NULL DEFAULT 0,
    expires_at     timestamptz NOT NULL,
    extended       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pg_holds_user_idx ON pg_holds (performance_id, user_id);
CREATE INDEX pg_holds_product_idx ON pg_holds (product_id) WHERE product_id IS NOT NULL;

ALTER TABLE seats ADD COLUMN held_by uuid, ADD COLUMN held_until timestamptz;
"#,
    r#"
ALTER TABLE seats DROP COLUMN held_until, DROP COLUMN held_by;
DROP TABLE pg_holds;
DROP TABLE reservation_ga_items;
DROP TABLE ga_products;
"#
);
