//! General-admission products get a description and an optional sale window of their own
//! (none: the performance's window applies).

sql_migration!(
    r#"
ALTER TABLE ga_products
    ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    ADD COLUMN sale_opens_at timestamptz,
    ADD COLUMN sale_closes_at timestamptz,
    ADD CONSTRAINT ga_products_sale_window
        CHECK (sale_opens_at IS NULL OR sale_closes_at IS NULL OR sale_opens_at <= sale_closes_at);
"#,
    r#"
ALTER TABLE ga_products
    DROP CONSTRAINT ga_products_sale_window,
    DROP COLUMN sale_closes_at,
    DROP COLUMN sale_opens_at,
    DROP COLUMN description;
"#
);
