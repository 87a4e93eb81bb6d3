//! Events (concerts) and their dated performances with sale windows.

sql_migration!(
    r#"
CREATE TABLE events (
    id          uuid PRIMARY KEY,
    venue_id    uuid NOT NULL REFERENCES venues (id),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'DRAFT'
                CHECK (status IN ('DRAFT', 'ON_SALE', 'SOLD_OUT', 'ENDED', 'CANCELLED')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE performances (
    id                 uuid PRIMARY KEY,
    event_id           uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    starts_at          timestamptz NOT NULL,
    sale_opens_at      timestamptz NOT NULL,
    sale_closes_at     timestamptz NOT NULL,
    max_seats_per_user integer NOT NULL CHECK (max_seats_per_user BETWEEN 1 AND 50),
    queue_enabled      boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT performances_sale_window CHECK (sale_opens_at <= sale_closes_at)
);
CREATE INDEX performances_event_starts_idx ON performances (event_id, starts_at);
"#,
    r#"
DROP TABLE performances;
DROP TABLE events;
"#
);
