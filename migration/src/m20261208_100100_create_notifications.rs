//! Notifications for both products: per-user preferences, Slack-compatible webhooks per
//! team, and the transactional outbox every notification goes through.
//!
//! An outbox row is one delivery (one e-mail to one person, or one webhook call), written in
//! the same transaction as the change it tells of. `idempotency_key` is unique, so a change
//! or a scheduled scan that runs twice enqueues once; a worker locks due rows with `FOR
//! UPDATE SKIP LOCKED`, so no two workers send the same row, and sets `delivered_at`.

sql_migration!(
    r#"
CREATE TABLE notification_preferences (
    user_id          uuid PRIMARY KEY REFERENCES users (id),
    locale           text NOT NULL DEFAULT 'en' CHECK (locale IN ('ko', 'en')),
    email            boolean NOT NULL DEFAULT true,
    -- Event name -> on/off; an event not listed is on.
    events           jsonb NOT NULL DEFAULT '{}'::jsonb,
    reminder_minutes integer NOT NULL DEFAULT 15 CHECK (reminder_minutes BETWEEN 1 AND 10080),
    -- Times in messages are shown in this zone; NULL: the server's (or UTC).
    time_zone        text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_webhooks (
    id         uuid PRIMARY KEY,
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    url        text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    -- Event names this hook wants; NULL: every booking event.
    events     text[],
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_webhooks_team_idx ON team_webhooks (team_id);

CREATE TABLE notification_outbox (
    id              bigserial PRIMARY KEY,
    idempotency_key text NOT NULL,
    event           text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'webhook')),
    user_id         uuid REFERENCES users (id),
    webhook_id      uuid REFERENCES team_webhooks (id) ON DELETE CASCADE,
    payload         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    delivered_at    timestamptz,
    -- sent, or skipped (the person turned the event or e-mail off, or e-mail is not set up).
    outcome         text CHECK (outcome IN ('sent', 'skipped')),
    CONSTRAINT notification_outbox_key UNIQUE (idempotency_key),
    CONSTRAINT notification_outbox_target CHECK ((channel = 'email') = (user_id IS NOT NULL)
        AND (channel = 'webhook') = (webhook_id IS NOT NULL))
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE delivered_at IS NULL;
"#,
    r#"
DROP TABLE notification_outbox;
DROP TABLE team_webhooks;
DROP TABLE notification_preferences;
"#
);
