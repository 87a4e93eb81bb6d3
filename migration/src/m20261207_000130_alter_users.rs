//! Account status and the auth version: deactivating an account or signing out everywhere
//! bumps `auth_version`, and access and refresh tokens carrying an older version are refused
//! from then on.

sql_migration!(
    r#"
ALTER TABLE users
    ADD COLUMN active       boolean NOT NULL DEFAULT true,
    ADD COLUMN auth_version bigint  NOT NULL DEFAULT 0 CHECK (auth_version >= 0);

-- The auth version a refresh token was issued under; a newer account version refuses it.
ALTER TABLE refresh_tokens
    ADD COLUMN auth_version bigint NOT NULL DEFAULT 0;
CREATE INDEX refresh_tokens_user_live_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
"#,
    r#"
DROP INDEX refresh_tokens_user_live_idx;
ALTER TABLE refresh_tokens DROP COLUMN auth_version;
ALTER TABLE users DROP COLUMN auth_version, DROP COLUMN active;
"#
);
