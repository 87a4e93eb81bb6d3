//! What a test looks at below HTTP: the seat stream's raw request and readers, the events in
//! Redis, rows in Postgres and the app's Redis keys.

use std::time::Duration;

use holdfast_contract::testing::{redis_client, scan_keys};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use uuid::Uuid;

use super::TestApp;

impl TestApp {
    /// A request for a performance's seat stream, for `SseReader::send`.
    pub fn stream_request(&self, performance_id: Uuid) -> reqwest::RequestBuilder {
        self.client
            .get(self.url(&format!(
                "/api/v1/performances/{performance_id}/seats/stream"
            )))
            .timeout(Duration::from_secs(600))
    }

    /// Redis connections this app's seat-stream readers hold (they name themselves). On a
    /// cluster, every primary's client list is read.
    pub async fn stream_reader_connections(&self) -> usize {
        use fred::{
            interfaces::ClientLike,
            types::{ClusterHash, CustomCommand},
        };
        let client = redis_client().await;
        // On a cluster: one plain client per primary.
        let nodes = if client.is_clustered() {
            client.split_cluster().expect("split the cluster")
        } else {
            vec![client.clone()]
        };
        let mut lists: Vec<String> = Vec::new();
        for node in &nodes {
            if client.is_clustered() {
                node.init().await.expect("connect to a primary");
            }
            let list: String = node
                .custom(
                    CustomCommand::new_static("CLIENT", ClusterHash::Random, false),
                    vec!["LIST"],
                )
                .await
                .expect("CLIENT LIST");
            lists.push(list);
            let _ = node.quit().await;
        }
        let _ = client.quit().await;
        let name = format!(" name={}seat-stream-reader ", self.stores.redis_prefix);
        lists
            .iter()
            .flat_map(|list| list.lines())
            .filter(|line| line.contains(&name))
            .count()
    }

    /// Every event on a performance's seat stream, oldest first (the JSON in each entry).
    pub async fn seat_events(&self, performance_id: Uuid) -> Vec<Value> {
        let redis = redis_client().await;
        let entries: Vec<fred::types::streams::XReadValue<String, String, String>> =
            fred::interfaces::StreamsInterface::xrange_values(
                &redis,
                format!(
                    "{}{{perf:{performance_id}}}:events",
                    self.stores.redis_prefix
                ),
                "-",
                "+",
                None,
            )
            .await
            .expect("xrange");
        entries
            .iter()
            .filter_map(|(_, fields)| serde_json::from_str(fields.get("d")?).ok())
            .collect()
    }

    /// Rows of a one-column query returning text.
    pub async fn query_strings(&self, sql: &str) -> Vec<String> {
        let rows = self
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql.to_owned(),
            ))
            .await
            .expect("query");
        rows.iter()
            .map(|r| r.try_get_by_index::<String>(0).expect("text column"))
            .collect()
    }

    pub async fn query_count(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql.to_owned(),
            ))
            .await
            .expect("query")
            .expect("one row");
        row.try_get_by_index::<i64>(0).expect("count")
    }

    /// Every Redis key of this app's prefix (on a cluster, of every primary).
    pub async fn redis_keys(&self) -> Vec<String> {
        let client = redis_client().await;
        let keys = scan_keys(&client, &format!("{}*", self.stores.redis_prefix)).await;
        let _ = fred::interfaces::ClientLike::quit(&client).await;
        keys
    }

    /// Deletes every key of this app's prefix: "Redis lost everything", for this test only.
    pub async fn flush_redis(&self) {
        let client = redis_client().await;
        for key in self.redis_keys().await {
            let _: i64 = fred::interfaces::KeysInterface::del(&client, key)
                .await
                .expect("del");
        }
    }
}
