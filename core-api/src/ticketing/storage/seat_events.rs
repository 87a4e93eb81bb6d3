//! The seat-event stream of each performance (a Redis Stream under the `{perf:ID}` tag):
//! every status change is appended once, and every core-api instance reads it, so a change
//! made on one instance reaches the clients of all of them. Stream ids order events and
//! let a reconnecting client resume (`Last-Event-ID`).

use fred::{
    prelude::*,
    types::{
        ClusterHash, CustomCommand,
        streams::{XReadResponse, XReadValue},
    },
};
use holdfast_contract::keys::perf_tag;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    storage::{StoreResult, redis::Redis},
    ticketing::domain::status::{SeatChangeReason, SeatStatus},
};

/// Entries kept per performance; a client further behind than this gets a fresh snapshot.
pub(crate) const STREAM_MAX_LEN: u64 = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeatEvent {
    pub seat_ids: Vec<Uuid>,
    /// The seats' status from now on.
    pub status: SeatStatus,
    /// Why they changed.
    pub reason: SeatChangeReason,
}

pub(crate) fn stream_key(redis: &Redis, performance_id: Uuid) -> String {
    redis.key(&format!("{}:events", perf_tag(performance_id)))
}

#[derive(Clone)]
pub struct SeatEvents {
    redis: Redis,
}

/// (stream id, event)
pub(crate) type StreamEntry = (String, SeatEvent);

impl SeatEvents {
    pub(crate) fn new(redis: Redis) -> Self {
        SeatEvents { redis }
    }

    pub async fn publish(&self, performance_id: Uuid, event: &SeatEvent) -> StoreResult<()> {
        let json = serde_json::to_string(event)
            .map_err(|e| Error::new(ErrorKind::Parse, e.to_string()))?;
        Ok(self
            .redis
            .client()
            .xadd::<(), _, _, _, _>(
                stream_key(&self.redis, performance_id),
                false,
                ("MAXLEN", "~", STREAM_MAX_LEN as i64),
                "*",
                vec![("d", json)],
            )
            .await?)
    }

    /// The newest entry's id, or "0-0" for an empty stream.
    pub async fn last_id(&self, performance_id: Uuid) -> StoreResult<String> {
        let entries: Vec<XReadValue<String, String, String>> = self
            .redis
            .client()
            .xrevrange_values(stream_key(&self.redis, performance_id), "+", "-", Some(1))
            .await?;
        Ok(entries
            .into_iter()
            .next()
            .map_or_else(|| "0-0".to_owned(), |(id, _)| id))
    }

    /// The oldest entry still kept, if any.
    pub(crate) async fn first_id(&self, performance_id: Uuid) -> StoreResult<Option<String>> {
        let entries: Vec<XReadValue<String, String, String>> = self
            .redis
            .client()
            .xrange_values(stream_key(&self.redis, performance_id), "-", "+", Some(1))
            .await?;
        Ok(entries.into_iter().next().map(|(id, _)| id))
    }

    /// Entries strictly after `after`, oldest first.
    pub(crate) async fn read_after(
        &self,
        performance_id: Uuid,
        after: &str,
        count: u64,
    ) -> StoreResult<Vec<StreamEntry>> {
        let entries: Vec<XReadValue<String, String, String>> = self
            .redis
            .client()
            .xrange_values(
                stream_key(&self.redis, performance_id),
                format!("({after}"),
                "+",
                Some(count),
            )
            .await?;
        Ok(decode(entries))
    }
}

/// A connection of its own for blocking reads of one performance's stream (a blocking read
/// would stall every other command on a shared one). Named in `CLIENT LIST` as
/// `<prefix>seat-stream-reader`, so operators (and tests) can count them.
pub(crate) struct StreamReader {
    client: Client,
    key: String,
    name: String,
    /// The client runs (and reconnects by itself) once its first connect succeeded; after a
    /// failed first connect it does not try again on its own.
    started: bool,
    /// A reconnected connection has lost its name.
    named: bool,
}

/// How long one blocking read waits for an entry; also how soon a reader nobody listens to
/// any more notices.
pub(crate) const READ_BLOCK_MS: u64 = 500;

impl SeatEvents {
    /// A reader, not connected yet: its first read connects.
    pub(crate) fn reader(&self, performance_id: Uuid) -> StreamReader {
        StreamReader {
            client: self.redis.client().clone_new(),
            key: stream_key(&self.redis, performance_id),
            name: reader_name(&self.redis.key("seat-stream-reader")),
            started: false,
            named: false,
        }
    }
}

/// CLIENT SETNAME refuses spaces and control characters.
fn reader_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect()
}

impl StreamReader {
    /// Entries after `after`, waiting up to [`READ_BLOCK_MS`] for the first; and the id of the
    /// newest entry read, even one that could not be decoded (so it is not read again).
    /// Connects first if it has not yet; an error is for the caller to retry after a pause.
    pub(crate) async fn read_after(
        &mut self,
        after: &str,
    ) -> StoreResult<(Option<String>, Vec<StreamEntry>)> {
        if !self.started {
            self.client.init().await?;
            self.started = true;
        }
        if !self.named {
            // On a cluster, the connection to name is the one to the node serving the
            // stream's slot: the one the blocking reads use.
            let slot = fred::util::redis_keyslot(self.key.as_bytes());
            let named: Result<Value, Error> = self
                .client
                .custom(
                    CustomCommand::new_static("CLIENT", ClusterHash::Custom(slot), false),
                    vec!["SETNAME".to_owned(), self.name.clone()],
                )
                .await;
            self.named = named.is_ok();
        }
        let read: Result<XReadResponse<String, String, String, String>, Error> = self
            .client
            .xread_map(Some(1_000), Some(READ_BLOCK_MS), self.key.clone(), after)
            .await;
        let mut streams = read.inspect_err(|_| self.named = false)?;
        let entries = streams.remove(&self.key).unwrap_or_default();
        let newest = entries.last().map(|(id, _)| id.clone());
        Ok((newest, decode(entries)))
    }

    pub(crate) async fn close(self) {
        if self.started {
            let _ = self.client.quit().await;
        }
    }
}

pub(crate) fn decode(entries: Vec<XReadValue<String, String, String>>) -> Vec<StreamEntry> {
    entries
        .into_iter()
        .filter_map(|(id, fields)| {
            let event = fields.get("d").and_then(|d| serde_json::from_str(d).ok())?;
            Some((id, event))
        })
        .collect()
}

/// Stream ids ("ms-seq") compared as numbers.
pub(crate) fn id_after(a: &str, b: &str) -> bool {
    parse_id(a) > parse_id(b)
}

pub(crate) fn parse_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_compare_numerically() {
        assert!(id_after("1700000000001-0", "1700000000000-9"));
        assert!(id_after("5-10", "5-9"));
        assert!(!id_after("5-9", "5-9"));
        assert_eq!(parse_id("garbage"), (0, 0));
    }

    #[test]
    fn reader_names_have_no_spaces() {
        assert_eq!(reader_name("my app:seat stream"), "my_app:seat_stream");
    }
}
