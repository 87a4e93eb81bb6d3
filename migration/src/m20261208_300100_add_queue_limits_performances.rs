//! Waiting-room limits per performance: the longest line, how long before the sale the
//! pre-queue opens, how many missed polls drop a waiting user, and how long an admitted user
//! may leave a pass unused before its `maxActive` slot is freed.

sql_migration!(
    r#"
ALTER TABLE performances
    ADD COLUMN queue_max_length integer NOT NULL DEFAULT 100000
        CHECK (queue_max_length BETWEEN 1 AND 10000000),
    ADD COLUMN queue_prequeue_minutes integer NOT NULL DEFAULT 30
        CHECK (queue_prequeue_minutes BETWEEN 0 AND 1440),
    ADD COLUMN queue_abandon_after_polls integer NOT NULL DEFAULT 4
        CHECK (queue_abandon_after_polls BETWEEN 1 AND 1000),
    ADD COLUMN queue_pass_unused_seconds integer NOT NULL DEFAULT 120
        CHECK (queue_pass_unused_seconds BETWEEN 10 AND 86400);
"#,
    r#"
ALTER TABLE performances
    DROP COLUMN queue_pass_unused_seconds,
    DROP COLUMN queue_abandon_after_polls,
    DROP COLUMN queue_prequeue_minutes,
    DROP COLUMN queue_max_length;
"#
);
