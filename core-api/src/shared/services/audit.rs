//! The audit log as admins read it: who created, changed or cancelled what, newest first.

use crate::{
    error::{Error, Result},
    shared::storage::audit::{AuditFilter, AuditRepo, AuditRow},
};

#[derive(Clone)]
pub(crate) struct AuditLog {
    repo: AuditRepo,
}

impl AuditLog {
    pub(crate) fn new(repo: AuditRepo) -> Self {
        AuditLog { repo }
    }

    /// One page of entries matching `filter` (its limit 1 to 500).
    pub(crate) async fn list(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        if !(1..=500).contains(&filter.limit) {
            return Err(Error::validation("limit", "must be 1 to 500"));
        }
        Ok(self.repo.list(filter).await?)
    }
}
