//! Validated values of this context: each newtype's `parse` is the only way in, so the rest
//! of the code can trust what it holds. Bad input becomes `Error::Validation` naming the field.

pub(crate) mod account;
pub(crate) mod email;
pub(crate) mod password;
pub(crate) mod role;

pub(crate) use account::{Account, AccountPage};
pub use email::Email;
pub use password::Password;
pub use role::Role;
