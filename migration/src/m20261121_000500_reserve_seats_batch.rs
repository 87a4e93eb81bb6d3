//! Group commit: several seat reservations in one transaction, each in its own
//! subtransaction so one refusal leaves the others standing.
//!
//! `reserve_seats_batch` calls `reserve_seats` for each item (seat ids are passed flattened,
//! with each item's count; an empty
//! email stands for none). An item whose seats are not all still AVAILABLE, that would take
//! its user over the limit, or whose hold already became a reservation (the `hold_id` key) is
//! rolled back to its own savepoint and reported as refused; the counts it saw are kept, so
//! the caller can say which. Any other error fails the whole call.
//!
//! `unreserve_seats` undoes reservations written earlier in the same transaction (their hold
//! could not be converted in Redis): the seats go back to AVAILABLE and the rows go.

sql_migration!(
    r#"
CREATE FUNCTION reserve_seats_batch(
    p_reservations uuid[], p_performances uuid[], p_seat_counts int[], p_seats uuid[],
    p_numbers text[], p_users uuid[], p_holds uuid[], p_names text[], p_phones text[],
    p_emails text[], p_expires timestamptz[], p_max bigint[])
RETURNS TABLE (out_index int, out_reserved_ok boolean, out_already bigint,
    out_reserved bigint, out_total bigint, out_created_at timestamptz)
LANGUAGE plpgsql
AS $fn$
DECLARE
    first int := 1;
    n int;
    r record;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(p_reservations), 0) LOOP
        n := p_seat_counts[i];
        out_index := i;
        out_reserved_ok := false;
        out_already := 0;
        out_reserved := 0;
        out_total := 0;
        out_created_at := NULL;
        BEGIN
            SELECT * INTO r FROM reserve_seats(p_reservations[i], p_performances[i],
                p_seats[first : first + n - 1], p_numbers[i], p_users[i], p_holds[i],
                p_names[i], p_phones[i], nullif(p_emails[i], ''), p_expires[i], p_max[i]);
            out_already := r.out_already;
            out_reserved := r.out_reserved;
            out_total := r.out_total;
            out_created_at := r.out_created_at;
            IF r.out_reserved <> n OR r.out_already + n > p_max[i] THEN
                RAISE EXCEPTION USING ERRCODE = 'HF001', MESSAGE = 'reservation refused';
            END IF;
            out_reserved_ok := true;
        EXCEPTION
            WHEN SQLSTATE 'HF001' OR unique_violation THEN
                out_reserved_ok := false;
        END;
        first := first + n;
        RETURN NEXT;
    END LOOP;
END
$fn$;

CREATE FUNCTION unreserve_seats(p_reservations uuid[]) RETURNS void
LANGUAGE sql
AS $fn$
    UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL
    WHERE id IN (SELECT seat_id FROM reservation_seats WHERE reservation_id = ANY(p_reservations))
      AND reservation_id = ANY(p_reservations);
    DELETE FROM reservations WHERE id = ANY(p_reservations);
$fn$;
"#,
    r#"
DROP FUNCTION unreserve_seats(uuid[]);
DROP FUNCTION reserve_seats_batch(uuid[], uuid[], int[], uuid[], text[], uuid[], uuid[], text[], text[], text[], timestamptz[], bigint[]);
"#
);
