//! Shared server time: resources, their bookings, recurring series, calendar feeds, the
//! Google Calendar outbox and the audit log.
//!
//! Two bookings of one resource never overlap: the EXCLUDE constraint says so inside
//! Postgres, whatever the application does. `btree_gist` lets the uuid column join the
//! range in one GiST index.

sql_migration!(
    r#"
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE resources (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    capacity             integer CHECK (capacity > 0),
    is_active            boolean NOT NULL DEFAULT true,
    -- Booking policy; NULL means "no limit".
    max_duration_minutes integer CHECK (max_duration_minutes > 0),
    max_advance_days     integer CHECK (max_advance_days > 0),
    min_notice_minutes   integer CHECK (min_notice_minutes >= 0),
    -- Allowed hours: minutes after local midnight in policy_time_zone, [start, end).
    allowed_start_minute integer CHECK (allowed_start_minute BETWEEN 0 AND 1439),
    allowed_end_minute   integer CHECK (allowed_end_minute BETWEEN 1 AND 1440),
    policy_time_zone     text NOT NULL DEFAULT 'UTC',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz,
    CONSTRAINT resources_allowed_hours_pair CHECK (
        (allowed_start_minute IS NULL) = (allowed_end_minute IS NULL)
        AND (allowed_start_minute IS NULL OR allowed_end_minute > allowed_start_minute)
    )
);
CREATE UNIQUE INDEX resources_name_key ON resources (lower(name)) WHERE deleted_at IS NULL;

CREATE TABLE booking_series (
    id          uuid PRIMARY KEY,
    resource_id uuid NOT NULL REFERENCES resources (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    rrule       text NOT NULL,
    time_zone   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE resource_bookings (
    id              uuid PRIMARY KEY,
    resource_id     uuid NOT NULL REFERENCES resources (id),
    user_id         uuid NOT NULL REFERENCES users (id),
    series_id       uuid REFERENCES booking_series (id),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    start_at        timestamptz NOT NULL,
    end_at          timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    -- iCalendar SEQUENCE: bumped on every change subscribers must see.
    sequence        integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    google_event_id text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    cancelled_at    timestamptz,
    CONSTRAINT resource_bookings_time_order CHECK (end_at > start_at),
    CONSTRAINT resource_bookings_no_overlap EXCLUDE USING gist (
        resource_id WITH =,
        tstzrange(start_at, end_at) WITH &&
    ) WHERE (status = 'active')
);
CREATE INDEX resource_bookings_user_idx ON resource_bookings (user_id, start_at);
CREATE INDEX resource_bookings_series_idx ON resource_bookings (series_id) WHERE series_id IS NOT NULL;
CREATE INDEX resource_bookings_window_idx ON resource_bookings (resource_id, start_at);

-- Secret, revocable iCalendar subscription URLs. Only the SHA-256 of the token is kept.
CREATE TABLE calendar_feeds (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    resource_id uuid REFERENCES resources (id),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX calendar_feeds_user_idx ON calendar_feeds (user_id);

-- Transactional outbox for the one-way Google Calendar push: written in the booking's own
-- transaction, drained by a worker with backoff. One row says "bring this booking's event
-- in line with the database"; the worker reads the booking's state when it runs.
CREATE TABLE calendar_outbox (
    id              bigserial PRIMARY KEY,
    booking_id      uuid NOT NULL REFERENCES resource_bookings (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    done_at         timestamptz
);
CREATE INDEX calendar_outbox_due_idx ON calendar_outbox (next_attempt_at) WHERE done_at IS NULL;
-- Every booking read asks "is a push pending?", and a push right after a write claims by booking.
CREATE INDEX calendar_outbox_pending_booking_idx ON calendar_outbox (booking_id) WHERE done_at IS NULL;

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid REFERENCES users (id),
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    before      jsonb,
    after       jsonb
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
"#,
    r#"
DROP TABLE audit_log;
DROP TABLE calendar_outbox;
DROP TABLE calendar_feeds;
DROP TABLE resource_bookings;
DROP TABLE booking_series;
DROP TABLE resources;
"#
);
