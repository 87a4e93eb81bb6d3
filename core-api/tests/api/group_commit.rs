//! Group commit, driven below HTTP through the app's own committer (one committer task, so
//! each batch holds exactly what a test lines up: the first job waits on a per-user lock this
//! test holds, the others queue behind it and then go in together).

use std::time::Duration;

use core_api::{
    error::Error,
    shared::{domain::Role, services::auth::Caller},
    ticketing::{
        domain::{Attendee, CancelWindow},
        services::group_commit::{GroupCommit, Job, Outcome},
        storage::holds::HoldRecord,
    },
};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use crate::helpers::{Performance, TestApp, TestUser, eventually, uuids};

async fn one_committer() -> TestApp {
    TestApp::spawn_with(|vars| {
        vars.insert("CORE_COMMIT_WORKERS".to_owned(), "1".to_owned());
    })
    .await
}

fn committer(app: &TestApp) -> GroupCommit {
    app.services
        .reservations
        .group_commit()
        .expect("group commit on")
        .clone()
}

/// `n` users, each holding one seat (seat k for user k), and their hold records.
async fn holders(app: &TestApp, perf: &Performance, n: usize) -> (Vec<TestUser>, Vec<HoldRecord>) {
    let users = app.users(n).await;
    let mut records = Vec::new();
    for (user, seat) in users.iter().zip(&perf.seat_ids) {
        let (status, hold) = app.hold(user, perf.id, std::slice::from_ref(seat)).await;
        assert_eq!(status, StatusCode::CREATED, "{hold}");
        let hold_id: Uuid = hold["data"]["holdId"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("hold id");
        let caller = Caller {
            user_id: user.id,
            role: Role::User,
            auth_version: 0,
        };
        let record = app.services.holds.owned(caller, hold_id).await;
        records.push(record.expect("record"));
    }
    (users, records)
}

fn job(user: &TestUser, hold: &HoldRecord, limit: i64) -> Job {
    Job {
        id: Uuid::now_v7(),
        number: format!("T{}", Uuid::new_v4().simple()),
        user_id: user.id,
        hold: hold.clone(),
        attendee: Attendee {
            name: "Kim Minsu".to_owned(),
            phone: "010-1234-5678".to_owned(),
            email: None,
        },
        expires_at: chrono::Utc::now() + chrono::Duration::minutes(10),
        limit,
        answer: None,
        fail_confirmation: false,
        window: CancelWindow {
            starts_at: chrono::Utc::now() + chrono::Duration::days(7),
            refund_cutoff_minutes: 1440,
        },
    }
}

/// Commits `first` alone while `rest` queue up, then `rest` as one batch. `first`'s user's
/// lock, taken here, keeps the only committer inside the first batch until all of `rest` wait.
async fn first_then_one_batch(
    app: &TestApp,
    first: Job,
    rest: Vec<Job>,
) -> (Outcome, Vec<Outcome>) {
    let group = committer(app);
    let blocker = app.db.begin().await.expect("begin");
    blocker
        .execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock(hashtextextended('{}/{}', 0))",
            first.user_id, first.hold.performance_id
        ))
        .await
        .expect("lock");
    let first = tokio::spawn({
        let group = group.clone();
        async move { group.submit(first).await }
    });
    let stuck = eventually(Duration::from_secs(10), || async {
        app.query_count(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .await
            == 1
    })
    .await;
    assert!(stuck, "the first batch waits on the lock");
    let n = rest.len();
    let rest: Vec<_> = rest
        .into_iter()
        .map(|job| {
            let group = group.clone();
            tokio::spawn(async move { group.submit(job).await })
        })
        .collect();
    let queued = eventually(Duration::from_secs(10), || async { group.waiting() == n }).await;
    assert!(queued, "{n} reservations wait for the committer");
    blocker.commit().await.expect("release the lock");
    let first = first.await.expect("join");
    let mut outcomes = Vec::new();
    for handle in rest {
        outcomes.push(handle.await.expect("join"));
    }
    (first, outcomes)
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Committed(view) => format!("committed {}", view.status),
        Outcome::Refused(Error::SeatUnavailable { .. }) => "seat unavailable".to_owned(),
        Outcome::Refused(Error::ConfirmationFailed) => "confirmation failed".to_owned(),
        Outcome::Refused(Error::Conflict { code, .. } | Error::Rule { code, .. }) => {
            code.as_str().to_owned()
        }
        Outcome::Refused(other) => format!("refused: {other}"),
        Outcome::Alone => "alone".to_owned(),
        Outcome::Failed(e) => format!("failed: {e}"),
    }
}

/// One batch with every kind of item: two good reservations, one whose hold was released
/// after it was read, one over the per-user limit, a repeat of a hold that is already a
/// reservation and one that `CONFIRM_FAILURE_RATE` picked to fail.
#[tokio::test]
async fn a_batch_keeps_the_good_reservations_and_undoes_only_the_refused_ones() {
    let app = one_committer().await;
    let perf = app.performance(1, 8, 2).await;
    let (users, records) = holders(&app, &perf, 6).await;
    let picked_to_fail = Job {
        fail_confirmation: true,
        ..job(&users[5], &records[5], 2)
    };

    // User 2's hold goes after its record was read: its conversion will find nothing.
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/holds/{}", records[2].hold_id),
            Some(&users[2].token),
            None,
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (first, outcomes) = first_then_one_batch(
        &app,
        job(&users[4], &records[4], 2),
        vec![
            job(&users[0], &records[0], 2),
            job(&users[1], &records[1], 2),
            job(&users[2], &records[2], 2),
            job(&users[3], &records[3], 0),
            job(&users[4], &records[4], 2),
            picked_to_fail,
        ],
    )
    .await;
    assert_eq!(describe(&first), "committed PENDING_PAYMENT");
    assert_eq!(
        outcomes.iter().map(describe).collect::<Vec<_>>(),
        [
            "committed PENDING_PAYMENT",
            "committed PENDING_PAYMENT",
            "HOLD_EXPIRED",
            "SEAT_LIMIT_EXCEEDED",
            "seat unavailable",
            "confirmation failed",
        ]
    );

    // Written: users 4, 0 and 1, each once; users 0 and 1 in one transaction (`created_at`
    // is the transaction's start time; each item's own savepoint gives it its own xmin).
    let owners = app
        .query_strings("SELECT user_id::text FROM reservations ORDER BY user_id")
        .await;
    let mut expected: Vec<String> = [0, 1, 4].iter().map(|&k| users[k].id.to_string()).collect();
    expected.sort();
    assert_eq!(owners, expected);
    assert_eq!(
        app.query_count(&format!(
            "SELECT count(DISTINCT created_at) FROM reservations WHERE user_id IN ('{}', '{}')",
            users[0].id, users[1].id
        ))
        .await,
        1,
        "one transaction wrote both"
    );
    // The undone and refused seats are untouched; the rest point at their reservation.
    let quoted = |ids: &mut dyn Iterator<Item = Uuid>| {
        ids.map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (holds, seats) = (
        quoted(&mut records.iter().map(|r| r.hold_id)),
        quoted(&mut perf.seat_ids[..6].iter().copied()),
    );
    let statuses = app
        .query_strings(&format!(
            "SELECT s.status || ':' || (s.reservation_id IS NOT DISTINCT FROM r.id)::text \
             FROM seats s LEFT JOIN reservations r ON r.hold_id IN ({holds}) AND r.id = s.reservation_id \
             WHERE s.id IN ({seats}) ORDER BY array_position(ARRAY[{seats}]::uuid[], s.id)",
        ))
        .await;
    assert_eq!(
        statuses,
        [
            "RESERVED:true",
            "RESERVED:true",
            "AVAILABLE:true",
            "AVAILABLE:true",
            "RESERVED:true",
            "AVAILABLE:true"
        ]
    );
    // The failed confirmation kept its hold for a retry.
    assert_eq!(app.seat_map(perf.id).await[5].1, "HELD");
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservation_seats")
            .await,
        3
    );

    // The committer announced what it committed, and nothing else, on the seat stream.
    let mut reserved: Vec<Uuid> = app
        .seat_events(perf.id)
        .await
        .iter()
        .filter(|event| event["status"] == "RESERVED")
        .flat_map(|event| uuids(&event["seatIds"]))
        .collect();
    reserved.sort();
    let mut expected: Vec<Uuid> = [0, 1, 4].iter().map(|&k| perf.seat_ids[k]).collect();
    expected.sort();
    assert_eq!(reserved, expected);
}

/// A batch whose statement fails outright (here: one item names a performance that does not
/// exist, a foreign-key error no savepoint absorbs) writes nothing and touches no hold, and
/// every item in it is sent back to commit alone, where the good one then succeeds.
#[tokio::test]
async fn a_batch_that_fails_before_any_conversion_sends_every_item_back_to_commit_alone() {
    let app = one_committer().await;
    let perf = app.performance(1, 8, 2).await;
    let (users, records) = holders(&app, &perf, 3).await;
    let mut stray = records[2].clone();
    stray.performance_id = Uuid::new_v4();
    let (first, outcomes) = first_then_one_batch(
        &app,
        job(&users[0], &records[0], 2),
        vec![job(&users[1], &records[1], 2), job(&users[2], &stray, 2)],
    )
    .await;
    assert_eq!(describe(&first), "committed PENDING_PAYMENT");
    assert_eq!(
        outcomes.iter().map(describe).collect::<Vec<_>>(),
        ["alone", "alone"]
    );
    assert_eq!(
        app.query_count(&format!(
            "SELECT count(*) FROM reservations WHERE user_id IN ('{}', '{}')",
            users[1].id, users[2].id
        ))
        .await,
        0,
        "the failed batch wrote nothing"
    );

    // User 1's hold is untouched, so its reservation, now committed alone, goes through.
    let (status, body) = app
        .reserve(&users[1], &records[1].hold_id.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        app.query_count(&format!(
            "SELECT count(*) FROM seats WHERE id = '{}' AND status = 'RESERVED'",
            perf.seat_ids[1]
        ))
        .await,
        1
    );
}
