//! Reservations made from holds, and the seats each one covers.

sql_migration!(
    r#"
CREATE TABLE reservations (
    id                 uuid PRIMARY KEY,
    reservation_number text NOT NULL,
    user_id            uuid NOT NULL REFERENCES users (id),
    performance_id     uuid NOT NULL REFERENCES performances (id),
    hold_id            uuid NOT NULL,
    status             text NOT NULL DEFAULT 'PENDING_PAYMENT'
                       CHECK (status IN ('PENDING_PAYMENT', 'CONFIRMED', 'CANCELLED', 'EXPIRED')),
    total_amount       bigint NOT NULL CHECK (total_amount >= 0),
    attendee_name      text NOT NULL,
    attendee_phone     text NOT NULL,
    attendee_email     text,
    expires_at         timestamptz NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reservations_number_key UNIQUE (reservation_number),
    -- A hold turns into at most one reservation (double clicks, retries).
    CONSTRAINT reservations_hold_key UNIQUE (hold_id)
);
CREATE INDEX reservations_user_idx ON reservations (user_id, created_at DESC);
CREATE INDEX reservations_pending_expiry_idx ON reservations (expires_at)
    WHERE status = 'PENDING_PAYMENT';

CREATE TABLE reservation_seats (
    reservation_id uuid NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    seat_id        uuid NOT NULL REFERENCES seats (id),
    performance_id uuid NOT NULL REFERENCES performances (id),
    price          bigint NOT NULL CHECK (price >= 0),
    live           boolean NOT NULL DEFAULT true,
    PRIMARY KEY (reservation_id, seat_id)
);
-- Last line of defence: a seat is in at most one live reservation, ever.
CREATE UNIQUE INDEX reservation_seats_one_live_per_seat
    ON reservation_seats (seat_id) WHERE live;

ALTER TABLE seats
    ADD CONSTRAINT seats_reservation_fk FOREIGN KEY (reservation_id) REFERENCES reservations (id);
"#,
    r#"
ALTER TABLE seats DROP CONSTRAINT seats_reservation_fk;
DROP TABLE reservation_seats;
DROP TABLE reservations;
"#
);
