//! Cancelling a performance (or a whole event) with refunds, as a resumable job.
//!
//! - `performances.cancelled_at` / `cancel_reason`: a cancelled performance takes no new
//!   reservation. The trigger below refuses the insert; it takes the performance row with
//!   `FOR KEY SHARE` (the lock the foreign key check takes anyway), and the cancellation takes
//!   the row `FOR UPDATE` before it sets `cancelled_at`, so a reservation is either committed
//!   before the cancellation (and the job then sees it) or refused.
//! - `admin_jobs`: the state of each cancellation job, with a lease so one instance at a time
//!   runs it and another takes it over when the lease lapses (a crashed instance).
//! - One refund per reservation in the ledger, ever: the last line of defence for "each
//!   reservation refunded exactly once".
//! - Live reservations by performance, for the job's batches, order search and attendee lists.

sql_migration!(
    r#"
ALTER TABLE performances
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason text CHECK (length(cancel_reason) <= 500);

CREATE FUNCTION reservations_refuse_cancelled_performance() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM performances
               WHERE id = NEW.performance_id AND cancelled_at IS NOT NULL FOR KEY SHARE) THEN
        RAISE EXCEPTION 'performance % is cancelled', NEW.performance_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'reservations_performance_not_cancelled';
    END IF;
    RETURN NEW;
END
$fn$;
CREATE TRIGGER reservations_performance_not_cancelled BEFORE INSERT ON reservations
    FOR EACH ROW EXECUTE FUNCTION reservations_refuse_cancelled_performance();

CREATE TABLE admin_jobs (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('CANCEL_PERFORMANCE', 'CANCEL_EVENT')),
    status          text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'DONE', 'FAILED')),
    event_id        uuid REFERENCES events (id) ON DELETE CASCADE,
    performance_ids uuid[] NOT NULL,
    reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    actor_id        uuid REFERENCES users (id),
    total           integer NOT NULL DEFAULT 0 CHECK (total >= 0),
    done            integer NOT NULL DEFAULT 0 CHECK (done >= 0),
    refunded        integer NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    lease_owner     uuid,
    lease_until     timestamptz,
    error           text
);
CREATE INDEX admin_jobs_running_idx ON admin_jobs (started_at) WHERE status = 'RUNNING';
CREATE INDEX admin_jobs_performances_idx ON admin_jobs USING gin (performance_ids);

CREATE UNIQUE INDEX wallet_ledger_one_refund_per_reservation
    ON wallet_ledger (reservation_id) WHERE kind = 'REFUND';

CREATE INDEX reservations_performance_idx ON reservations (performance_id, status);
"#,
    r#"
DROP INDEX reservations_performance_idx;
DROP INDEX wallet_ledger_one_refund_per_reservation;
DROP TABLE admin_jobs;
DROP TRIGGER reservations_performance_not_cancelled ON reservations;
DROP FUNCTION reservations_refuse_cancelled_performance();
ALTER TABLE performances DROP COLUMN cancel_reason, DROP COLUMN cancelled_at;
"#
);
