//! Venues and their seat layouts (section, row, number, drawing position, price tier).

sql_migration!(
    r#"
CREATE TABLE venues (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE venue_seats (
    id         uuid PRIMARY KEY,
    venue_id   uuid NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    section    text NOT NULL CHECK (length(section) BETWEEN 1 AND 50),
    row_label  text NOT NULL CHECK (length(row_label) BETWEEN 1 AND 20),
    number     integer NOT NULL CHECK (number > 0),
    x          integer NOT NULL,
    y          integer NOT NULL,
    price_tier text NOT NULL CHECK (length(price_tier) BETWEEN 1 AND 50),
    CONSTRAINT venue_seats_position_key UNIQUE (venue_id, section, row_label, number)
);
"#,
    r#"
DROP TABLE venue_seats;
DROP TABLE venues;
"#
);
