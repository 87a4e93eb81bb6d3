//! Paying, cancelling and expiring a reservation find its seats by `reservation_id`; without
//! an index each of those scanned every seat of every performance (inside the payment's
//! transaction, holding its locks). `seats_taken_idx` finds the seats that are not simply
//! free, which with the cached layout is the whole seat map. Also drops `seats_performance_idx`, which duplicated the
//! index behind `seats_position_key` column for column.

sql_migration!(
    r#"
CREATE INDEX seats_reservation_idx ON seats (reservation_id) WHERE reservation_id IS NOT NULL;
CREATE INDEX seats_taken_idx ON seats (performance_id)
    WHERE status <> 'AVAILABLE' OR held_until IS NOT NULL;
DROP INDEX seats_performance_idx;
"#,
    r#"
CREATE INDEX seats_performance_idx ON seats (performance_id, section, row_label, number);
DROP INDEX seats_taken_idx;
DROP INDEX seats_reservation_idx;
"#
);
