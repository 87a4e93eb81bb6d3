//! General-admission holds: `quantity` units of a product, never more than remain unsold,
//! and only inside the product's own sale window when it has one.

use serde_json::json;
use uuid::Uuid;

use super::{Hold, HoldService, item, limit_exceeded, sold_out, view};
use crate::{
    error::{Error, ErrorCode, Result},
    shared::services::auth::Caller,
    ticketing::storage::holds::{Backend, ClaimOutcome, HoldRecord},
};

impl HoldService {
    pub(super) async fn claim_product(
        &self,
        caller: Caller,
        performance_id: Uuid,
        product_id: Uuid,
        quantity: u32,
        limit: u32,
        reserved: u32,
    ) -> Result<Hold> {
        let product = self
            .ga
            .get(product_id)
            .await?
            .filter(|p| p.performance_id == performance_id);
        let Some(product) = product else {
            return Err(Error::validation(
                "productId",
                "no such product for this performance",
            ));
        };
        let now = self.clock.now();
        if product.sale_opens_at.is_some_and(|opens| now < opens)
            || product.sale_closes_at.is_some_and(|closes| now >= closes)
        {
            return Err(Error::rule(
                ErrorCode::SaleNotOpen,
                "this product is not on sale right now",
                json!({ "productId": product_id, "saleOpensAt": product.sale_opens_at, "saleClosesAt": product.sale_closes_at }),
            ));
        }
        let record = HoldRecord {
            hold_id: Uuid::new_v4(),
            performance_id,
            user_id: caller.user_id,
            seat_ids: Vec::new(),
            expires_at_ms: 0,
            extended: false,
            backend: Backend::Redis,
            product_id: Some(product_id),
            quantity,
        };
        let remaining = product.remaining.max(0) as u32;
        match self
            .store
            .claim_ga(&record, self.config.hold_ttl_ms, limit, reserved, remaining)
            .await?
        {
            (ClaimOutcome::Granted { expires_at_ms, .. }, backend) => {
                let record = HoldRecord {
                    expires_at_ms,
                    backend,
                    ..record
                };
                Ok(view(record, Vec::new(), vec![item(&product, quantity)]))
            }
            (ClaimOutcome::SoldOut { available }, _) => Err(sold_out(product_id, available)),
            (ClaimOutcome::LimitExceeded, _) => Err(limit_exceeded(limit)),
            (ClaimOutcome::Taken(_), _) => Err(sold_out(product_id, 0)),
        }
    }
}
