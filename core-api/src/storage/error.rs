//! The one error every store reports: services see whether a dependency is down, which
//! constraint refused a write, or that something else went wrong, never a driver's type.

use sea_orm::DbErr;

use super::db;

pub(crate) type StoreResult<T> = std::result::Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Postgres or Redis cannot be reached or went away: the request answers 503 and nothing
    /// it asked for happened.
    #[error("{dependency} is unavailable")]
    Unavailable {
        dependency: &'static str,
        #[source]
        source: anyhow::Error,
    },
    /// A unique, foreign-key or check constraint refused the write; `constraint` is its name.
    #[error("constraint {constraint} refused the write")]
    Constraint {
        constraint: String,
        #[source]
        source: DbErr,
    },
    /// Anything else: a statement the database refused or a reply of the wrong shape.
    #[error(transparent)]
    Other(anyhow::Error),
}

impl StoreError {
    /// The name of the constraint that refused the write, if that is what happened.
    pub(crate) fn constraint(&self) -> Option<&str> {
        match self {
            StoreError::Constraint { constraint, .. } => Some(constraint),
            _ => None,
        }
    }
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if db::is_connection_error(&err) {
            return StoreError::Unavailable {
                dependency: "postgres",
                source: err.into(),
            };
        }
        match db::violated_constraint(&err) {
            Some(constraint) => StoreError::Constraint {
                constraint,
                source: err,
            },
            None => StoreError::Other(err.into()),
        }
    }
}

impl From<fred::error::Error> for StoreError {
    fn from(err: fred::error::Error) -> Self {
        StoreError::Unavailable {
            dependency: "redis",
            source: err.into(),
        }
    }
}
