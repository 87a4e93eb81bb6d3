//! Validated values of this context: each newtype's `parse` is the only way in, so the rest
//! of the code can trust what it holds. Bad input becomes `Error::Validation` naming the field.
//! Account roles are the access token's (`holdfast_contract::claims::Role`), shared with the
//! gateway.

pub(crate) mod account;
pub(crate) mod email;
pub(crate) mod password;

pub(crate) use account::{Account, AccountPage, Credentials, NewAccount, Tokens};
pub use email::Email;
pub use holdfast_contract::claims::Role;
pub use password::Password;
