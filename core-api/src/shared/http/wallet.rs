//! `/wallet`, `/wallet/charge`, `/wallet/transactions` and `/payments`.

use axum::{extract::State, http::HeaderMap};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::{
        extract::{ApiJson, ApiQuery, Data},
        idempotent::{Replayable, idempotent},
    },
    shared::{
        services::auth::Caller,
        storage::wallets::{LedgerRow, WalletRow},
    },
    startup::AppState,
    ticketing::http::payments::{PaymentRequest, PaymentView},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeRequest {
    /// KRW, a positive integer, at most `CORE_WALLET_MAX_CHARGE`.
    #[schema(minimum = 1)]
    pub(crate) amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WalletView {
    pub(crate) balance: i64,
    pub(crate) total_charged: i64,
    pub(crate) total_used: i64,
    pub(crate) updated_at: DateTime<Utc>,
}

impl From<&WalletRow> for WalletView {
    fn from(w: &WalletRow) -> Self {
        WalletView {
            balance: w.balance,
            total_charged: w.total_charged,
            total_used: w.total_used,
            updated_at: w.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LedgerEntryView {
    pub(crate) id: Uuid,
    /// CHARGE | PAYMENT | REFUND
    pub(crate) kind: String,
    /// Signed: payments are negative.
    pub(crate) amount: i64,
    pub(crate) balance_after: i64,
    pub(crate) reservation_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
}

impl From<LedgerRow> for LedgerEntryView {
    fn from(l: LedgerRow) -> Self {
        LedgerEntryView {
            id: l.id,
            kind: l.kind,
            amount: l.amount,
            balance_after: l.balance_after,
            reservation_id: l.reservation_id,
            created_at: l.created_at,
        }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_wallet))
        .routes(routes!(charge))
        .routes(routes!(transactions))
        .routes(routes!(pay))
}

/// The caller's balance (a wallet is opened on first use).
#[utoipa::path(get, path = "/wallet", tag = "wallet", security(("bearer" = [])), responses((status = 200, body = WalletView)))]
async fn get_wallet(State(state): State<AppState>, caller: Caller) -> Result<Data<WalletView>> {
    let wallet = state.services.wallet.get(caller).await?;
    Ok(Data(WalletView::from(&wallet)))
}

/// Adds money to the wallet. Honours `Idempotency-Key`: a retry charges once.
#[utoipa::path(post, path = "/wallet/charge", tag = "wallet", security(("bearer" = [])), request_body = ChargeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key return the first answer")),
    responses((status = 200, body = WalletView), (status = 400, description = "amount not a positive integer within the cap"),
        (status = 422, description = "WALLET_LIMIT_EXCEEDED")))]
async fn charge(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ChargeRequest>,
) -> Result<Replayable> {
    let body = serde_json::json!({ "amount": req.amount });
    idempotent(
        &state,
        caller,
        &headers,
        "POST /wallet/charge",
        &body,
        async |claim| {
            let view = |w: &WalletRow| WalletView::from(w);
            let wallet = state
                .services
                .wallet
                .charge(caller, req.amount, claim, view);
            Ok(Replayable::ok(&wallet.await?))
        },
    )
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    /// At most this many entries, newest first (1-500, default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u64>,
}

/// The ledger: every charge, payment and refund, newest first.
#[utoipa::path(get, path = "/wallet/transactions", tag = "wallet", security(("bearer" = [])), params(Page),
    responses((status = 200, body = Vec<LedgerEntryView>)))]
async fn transactions(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Data<Vec<LedgerEntryView>>> {
    let limit = page.limit.unwrap_or(100);
    let rows = state.services.wallet.transactions(caller, limit).await?;
    Ok(Data(rows.into_iter().map(Into::into).collect()))
}

/// Pays a PENDING_PAYMENT reservation from the wallet; it becomes CONFIRMED and its seats SOLD.
#[utoipa::path(post, path = "/payments", tag = "payments", security(("bearer" = [])), request_body = PaymentRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key return the first answer")),
    responses((status = 201, body = PaymentView), (status = 402, description = "INSUFFICIENT_BALANCE"),
        (status = 403), (status = 404), (status = 409, description = "ALREADY_PAID / RESERVATION_EXPIRED / RESERVATION_CANCELLED")))]
async fn pay(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<PaymentRequest>,
) -> Result<Replayable> {
    let body = serde_json::json!({ "reservationId": req.reservation_id });
    idempotent(
        &state,
        caller,
        &headers,
        "POST /payments",
        &body,
        async |claim| {
            let payment = state
                .services
                .payments
                .pay(caller, req.reservation_id, claim, PaymentView::wording)
                .await?;
            Ok(Replayable::created(&PaymentView::from(payment)))
        },
    )
    .await
}
