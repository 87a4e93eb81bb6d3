//! The refund cut-off of each performance: a buyer may cancel a paid reservation (and get the
//! money back) until `refund_cutoff_minutes` before the performance starts, no later. A day
//! by default; 0 allows it up to the start.

sql_migration!(
    r#"
ALTER TABLE performances
    ADD COLUMN refund_cutoff_minutes integer NOT NULL DEFAULT 1440
        CONSTRAINT performances_refund_cutoff_minutes_check CHECK (refund_cutoff_minutes >= 0);
"#,
    r#"
ALTER TABLE performances DROP COLUMN refund_cutoff_minutes;
"#
);
