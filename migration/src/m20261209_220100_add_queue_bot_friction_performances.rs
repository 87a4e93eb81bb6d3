//! Bot friction per waiting room: the base difficulty of the proof-of-work challenge on join
//! (0 turns it off) and whether passes are bound to the key of the client that joined.

sql_migration!(
    r#"
ALTER TABLE performances
    ADD COLUMN queue_pow_bits integer NOT NULL DEFAULT 0
        CHECK (queue_pow_bits BETWEEN 0 AND 24),
    ADD COLUMN queue_bind_passes boolean NOT NULL DEFAULT false;
"#,
    r#"
ALTER TABLE performances
    DROP COLUMN queue_bind_passes,
    DROP COLUMN queue_pow_bits;
"#
);
