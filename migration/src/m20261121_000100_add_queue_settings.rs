//! Waiting-room settings per performance (admission rate and cap on concurrent passes), and a
//! partial index that makes "is anything still AVAILABLE?" one index probe for the sold-out flag.

sql_migration!(
    r#"
ALTER TABLE performances
    ADD COLUMN queue_admit_per_minute integer NOT NULL DEFAULT 600
        CHECK (queue_admit_per_minute BETWEEN 1 AND 1000000),
    ADD COLUMN queue_max_active integer NOT NULL DEFAULT 1000
        CHECK (queue_max_active BETWEEN 1 AND 1000000);
CREATE INDEX seats_available_idx ON seats (performance_id) WHERE status = 'AVAILABLE';
"#,
    r#"
DROP INDEX seats_available_idx;
ALTER TABLE performances DROP COLUMN queue_max_active, DROP COLUMN queue_admit_per_minute;
"#
);
