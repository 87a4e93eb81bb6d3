//! `/wallet`, `/wallet/charge`, `/wallet/transactions` and `/payments`.

use axum::{extract::State, http::HeaderMap};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::Result,
    http::{
        extract::{ApiJson, ApiQuery, Data},
        idempotent::{Replayable, idempotent},
    },
    shared::services::{
        auth::Caller,
        wallet::{ChargeRequest, LedgerEntryView, WalletView},
    },
    startup::AppState,
    ticketing::http::payments::{PaymentRequest, PaymentView},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_wallet))
        .routes(routes!(charge))
        .routes(routes!(transactions))
        .routes(routes!(pay))
}

/// The caller's balance (a wallet is opened on first use).
#[utoipa::path(get, path = "/wallet", tag = "wallet", security(("bearer" = [])), responses((status = 200, body = WalletView)))]
async fn get_wallet(State(state): State<AppState>, caller: Caller) -> Result<Data<WalletView>> {
    Ok(Data(state.services.wallet.get(caller).await?))
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
            Ok(Replayable::ok(
                &state.services.wallet.charge(caller, req, claim).await?,
            ))
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
    Ok(Data(
        state
            .services
            .wallet
            .transactions(caller, page.limit.unwrap_or(100))
            .await?,
    ))
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
