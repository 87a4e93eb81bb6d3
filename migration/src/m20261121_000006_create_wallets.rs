//! Wallets, their ledger, payments, and stored answers to idempotent requests.

sql_migration!(
    r#"
CREATE TABLE wallets (
    user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    balance       bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
    total_charged bigint NOT NULL DEFAULT 0 CHECK (total_charged >= 0),
    total_used    bigint NOT NULL DEFAULT 0 CHECK (total_used >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Every movement of money. A wallet's balance always equals the sum of its entries' amounts.
CREATE TABLE wallet_ledger (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES wallets (user_id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('CHARGE', 'PAYMENT', 'REFUND')),
    amount         bigint NOT NULL CHECK (amount <> 0),
    balance_after  bigint NOT NULL CHECK (balance_after >= 0),
    reservation_id uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wallet_ledger_sign CHECK ((kind = 'PAYMENT') = (amount < 0))
);
CREATE INDEX wallet_ledger_user_idx ON wallet_ledger (user_id, created_at DESC);

CREATE TABLE payments (
    id             uuid PRIMARY KEY,
    reservation_id uuid NOT NULL REFERENCES reservations (id),
    user_id        uuid NOT NULL REFERENCES users (id),
    amount         bigint NOT NULL CHECK (amount >= 0),
    status         text NOT NULL DEFAULT 'PAID' CHECK (status IN ('PAID', 'REFUNDED')),
    paid_at        timestamptz NOT NULL DEFAULT now(),
    refunded_at    timestamptz,
    -- A reservation is paid at most once.
    CONSTRAINT payments_reservation_key UNIQUE (reservation_id)
);

-- The first answer to a write sent with an Idempotency-Key, replayed for retries (24 h).
CREATE TABLE idempotency_keys (
    user_id         uuid NOT NULL,
    route           text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash    bytea NOT NULL,
    response_status integer,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, route, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
"#,
    r#"
DROP TABLE idempotency_keys;
DROP TABLE payments;
DROP TABLE wallet_ledger;
DROP TABLE wallets;
"#
);
