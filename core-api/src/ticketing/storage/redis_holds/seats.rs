//! Seat holds in Redis: claim, the hold index, release, conversion, extension, and the
//! sweeper's and seat map's reads of what is held.

use std::collections::HashSet;

use fred::prelude::*;
use holdfast_contract::keys::seat_claim;
use uuid::Uuid;

use super::{
    ClaimOutcome, EXTEND, ExtendOutcome, HOLD, HoldRecord, HoldStore, REAP, RELEASE, UNMARK,
    unexpected,
};

impl HoldStore {
    /// Claims every seat of `record` or none. `limit` is checked against the user's live holds
    /// only; the caller adds the reserved seats with `held_before` from the outcome.
    pub(crate) async fn claim(
        &self,
        record: &HoldRecord,
        ttl_ms: u64,
        limit: u32,
    ) -> Result<ClaimOutcome, Error> {
        let keys = self.record_keys(record);
        let mut args: Vec<String> = vec![
            record.hold_id.to_string(),
            record.user_id.to_string(),
            ttl_ms.to_string(),
            limit.to_string(),
        ];
        args.extend(record.seat_ids.iter().map(Uuid::to_string));
        let reply: Vec<String> = HOLD
            .evalsha_with_reload(self.redis.client(), keys, args)
            .await?;
        let outcome = match reply.split_first() {
            Some((status, rest)) if status == "OK" => {
                let expires_at_ms = rest
                    .first()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| unexpected(&reply))?;
                let indexed = HoldRecord {
                    expires_at_ms,
                    ..record.clone()
                };
                self.write_index(&indexed, ttl_ms).await?;
                ClaimOutcome::Granted {
                    expires_at_ms,
                    held_before: rest.get(1).and_then(|v| v.parse().ok()).unwrap_or(0),
                }
            }
            Some((status, rest)) if status == "TAKEN" => {
                ClaimOutcome::Taken(rest.iter().filter_map(|s| s.parse().ok()).collect())
            }
            Some((status, _)) if status == "LIMIT" => ClaimOutcome::LimitExceeded,
            _ => return Err(unexpected(&reply)),
        };
        Ok(outcome)
    }

    pub(super) async fn write_index(&self, record: &HoldRecord, ttl_ms: u64) -> Result<(), Error> {
        let json = serde_json::to_string(record)
            .map_err(|e| Error::new(ErrorKind::Parse, e.to_string()))?;
        self.redis
            .client()
            .set::<(), _, _>(
                self.index_key(record.hold_id),
                json,
                Some(Expiration::PX(ttl_ms as i64)),
                None,
                false,
            )
            .await
    }

    /// The hold with this id, if it is still live.
    pub(crate) async fn record(&self, hold_id: Uuid) -> Result<Option<HoldRecord>, Error> {
        let raw: Option<String> = self.redis.client().get(self.index_key(hold_id)).await?;
        Ok(raw.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Frees the seats of a hold. False when it was already gone.
    pub(crate) async fn release(&self, record: &HoldRecord) -> Result<bool, Error> {
        self.release_script(record, "release").await
    }

    /// Ends a hold whose seats were just reserved in Postgres. False when the hold expired or
    /// was taken over in the meantime, in which case the caller must roll back.
    pub(crate) async fn convert(&self, record: &HoldRecord) -> Result<bool, Error> {
        self.release_script(record, "convert").await
    }

    async fn release_script(&self, record: &HoldRecord, mode: &str) -> Result<bool, Error> {
        if let Some(product_id) = record.product_id {
            let reply = self.ga_release(record, product_id, mode, 0).await?;
            let done = reply.first().is_some_and(|s| s == "OK");
            if done && mode == "release" {
                self.forget(record.hold_id).await;
            }
            return Ok(done);
        }
        let mut args = vec![
            record.hold_id.to_string(),
            record.user_id.to_string(),
            mode.to_owned(),
            self.converted_marker_ms.to_string(),
        ];
        args.extend(record.seat_ids.iter().map(Uuid::to_string));
        let reply: String = RELEASE
            .evalsha_with_reload(self.redis.client(), self.record_keys(record), args)
            .await?;
        let done = reply == "OK";
        if done && mode != "convert" {
            self.forget(record.hold_id).await;
        }
        Ok(done)
    }

    /// Takes back a claim that Postgres refused after Redis granted it (a seat already
    /// reserved or sold, or the per-user limit). Announces nothing: the caller publishes the
    /// seats' real status.
    pub(crate) async fn retract(&self, record: &HoldRecord) -> Result<bool, Error> {
        self.release_script(record, "retract").await
    }

    /// Drops the hold index entry. Best effort: the index only speeds up lookups and expires on
    /// its own. After a conversion it is dropped only once Postgres has committed, so a double
    /// click in between still finds the hold and is answered with the same reservation.
    pub(crate) async fn forget(&self, hold_id: Uuid) {
        let _: Result<i64, _> = self.redis.client().del(self.index_key(hold_id)).await;
    }

    /// Extends a hold once by `extension_ms`.
    pub(crate) async fn extend(
        &self,
        record: &HoldRecord,
        extension_ms: u64,
    ) -> Result<ExtendOutcome, Error> {
        if let Some(product_id) = record.product_id {
            let reply = self
                .ga_release(record, product_id, "extend", extension_ms)
                .await?;
            return self.extended(record, reply).await;
        }
        let mut args = vec![
            record.hold_id.to_string(),
            record.user_id.to_string(),
            extension_ms.to_string(),
        ];
        args.extend(record.seat_ids.iter().map(Uuid::to_string));
        let reply: Vec<String> = EXTEND
            .evalsha_with_reload(self.redis.client(), self.record_keys(record), args)
            .await?;
        self.extended(record, reply).await
    }

    async fn extended(
        &self,
        record: &HoldRecord,
        reply: Vec<String>,
    ) -> Result<ExtendOutcome, Error> {
        match reply.split_first() {
            Some((status, rest)) if status == "OK" => {
                let expires_at_ms: i64 = rest
                    .first()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| unexpected(&reply))?;
                let ttl_ms = (expires_at_ms - self.clock.now_ms()).max(1) as u64;
                let indexed = HoldRecord {
                    expires_at_ms,
                    extended: true,
                    ..record.clone()
                };
                self.write_index(&indexed, ttl_ms).await?;
                Ok(ExtendOutcome::Extended { expires_at_ms })
            }
            Some((status, _)) if status == "USED" => Ok(ExtendOutcome::AlreadyExtended),
            Some((status, _)) if status == "GONE" => Ok(ExtendOutcome::Gone),
            _ => Err(unexpected(&reply)),
        }
    }

    /// Ends holds of the performance whose TTL ran out and announces their seats as AVAILABLE
    /// again. Returns how many seats it ended.
    pub(crate) async fn reap_expired(&self, performance_id: Uuid) -> Result<u64, Error> {
        let keys = vec![
            self.held_key(performance_id),
            crate::ticketing::storage::seat_events::stream_key(&self.redis, performance_id),
        ];
        REAP.evalsha_with_reload(self.redis.client(), keys, vec!["500".to_owned()])
            .await
    }

    /// Lets seats that are back on sale be held at once (see unmark.lua).
    pub(crate) async fn clear_markers(
        &self,
        performance_id: Uuid,
        seat_ids: &[Uuid],
    ) -> Result<u64, Error> {
        if seat_ids.is_empty() {
            return Ok(0);
        }
        let keys: Vec<String> = seat_ids
            .iter()
            .map(|s| self.redis.key(&seat_claim(performance_id, *s)))
            .collect();
        UNMARK
            .evalsha_with_reload(self.redis.client(), keys, Vec::<String>::new())
            .await
    }

    /// Seats of a performance held right now.
    pub(crate) async fn held_seats(&self, performance_id: Uuid) -> Result<HashSet<Uuid>, Error> {
        let key = self.held_key(performance_id);
        let now = self.clock.now_ms();
        let ids: Vec<String> = self
            .redis
            .client()
            .zrangebyscore(key, now, "+inf".to_owned(), false, None)
            .await?;
        Ok(ids.iter().filter_map(|s| s.parse().ok()).collect())
    }
}

impl HoldStore {
    /// The holds (by id) on the performance's seats right now: each held seat's claim key
    /// names its hold.
    pub(crate) async fn holds_on(&self, performance_id: Uuid) -> Result<HashSet<Uuid>, Error> {
        let seats = self.held_seats(performance_id).await?;
        let mut holds = HashSet::new();
        let seats: Vec<Uuid> = seats.into_iter().collect();
        for chunk in seats.chunks(500) {
            let keys: Vec<String> = chunk
                .iter()
                .map(|s| self.redis.key(&seat_claim(performance_id, *s)))
                .collect();
            let values: Vec<Option<String>> = self.redis.client().mget(keys).await?;
            holds.extend(
                values
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.parse::<Uuid>().ok()),
            );
        }
        Ok(holds)
    }
}
