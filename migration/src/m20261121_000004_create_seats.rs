//! Seats of a performance, generated from the venue layout. HELD lives only in Redis.

sql_migration!(
    r#"
CREATE TABLE seats (
    id             uuid PRIMARY KEY,
    performance_id uuid NOT NULL REFERENCES performances (id) ON DELETE CASCADE,
    section        text NOT NULL,
    row_label      text NOT NULL,
    number         integer NOT NULL,
    x              integer NOT NULL,
    y              integer NOT NULL,
    price_tier     text NOT NULL,
    price          bigint NOT NULL CHECK (price >= 0),
    status         text NOT NULL DEFAULT 'AVAILABLE'
                   CHECK (status IN ('AVAILABLE', 'RESERVED', 'SOLD')),
    reservation_id uuid,
    CONSTRAINT seats_position_key UNIQUE (performance_id, section, row_label, number),
    -- A seat points at a reservation exactly when it is not available.
    CONSTRAINT seats_reservation_matches_status
        CHECK ((status = 'AVAILABLE') = (reservation_id IS NULL))
);
CREATE INDEX seats_performance_idx ON seats (performance_id, section, row_label, number);
"#,
    r#"
DROP TABLE seats;
"#
);
