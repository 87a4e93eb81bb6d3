//! Richer venue layouts for the organizer console: a stage to draw, seat kinds (accessible and
//! companion seats), seats taken off sale (never generated into a performance's seats), a
//! display label, and a layout version bumped on every edit.

sql_migration!(
    r#"
ALTER TABLE venues
    ADD COLUMN stage          jsonb,
    ADD COLUMN layout_version integer NOT NULL DEFAULT 1 CHECK (layout_version >= 1),
    ADD COLUMN updated_at     timestamptz NOT NULL DEFAULT now();
ALTER TABLE venue_seats
    ADD COLUMN kind     text NOT NULL DEFAULT 'standard'
        CHECK (kind IN ('standard', 'accessible', 'companion')),
    ADD COLUMN off_sale text CHECK (off_sale IN ('blocked', 'production')),
    ADD COLUMN label    text CHECK (length(label) BETWEEN 1 AND 50);
"#,
    r#"
ALTER TABLE venue_seats DROP COLUMN label, DROP COLUMN off_sale, DROP COLUMN kind;
ALTER TABLE venues DROP COLUMN updated_at, DROP COLUMN layout_version, DROP COLUMN stage;
"#
);
