//! Per-team settings for what leaves the database: each team's own Google Calendar and the
//! language of its webhook messages.
//!
//! - `teams.google_calendar_id`: the calendar this team's bookings are pushed to (none: not
//!   pushed). A booking is only ever pushed to its own team's calendar.
//! - `teams.is_default`: the team the teams migration made for the servers that existed
//!   before teams ("Default team"). It keeps the global `GOOGLE_CALENDAR_ID` as its calendar
//!   unless it sets its own. At most one team is the default.
//! - `teams.locale`: `en` or `ko`, for the team's webhook messages.
//! - `resource_bookings.google_calendar_id`: the calendar a booking's event was written to,
//!   so a booking whose team changes calendar leaves the old one. NULL with an event id means
//!   the global calendar (events written before this migration).

sql_migration!(
    r#"
ALTER TABLE teams
    ADD COLUMN google_calendar_id text CHECK (length(google_calendar_id) BETWEEN 1 AND 254),
    ADD COLUMN is_default boolean NOT NULL DEFAULT false,
    ADD COLUMN locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ko'));

UPDATE teams SET is_default = true
WHERE id = (SELECT id FROM teams WHERE name = 'Default team' ORDER BY created_at, id LIMIT 1);

CREATE UNIQUE INDEX teams_one_default ON teams (is_default) WHERE is_default;

ALTER TABLE resource_bookings ADD COLUMN google_calendar_id text;
"#,
    r#"
ALTER TABLE resource_bookings DROP COLUMN google_calendar_id;
DROP INDEX teams_one_default;
ALTER TABLE teams DROP COLUMN locale, DROP COLUMN is_default, DROP COLUMN google_calendar_id;
"#
);
