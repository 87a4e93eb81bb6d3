//! One page of an admin list, `{items, total, limit, offset}`: every paged list answers with
//! [`Page`]. Its OpenAPI schema keeps a name per item type (`VenuePage`, `OrderPage`, …), so
//! the generated client types stay named: `page_schema!(VenuePage = VenueSummary)` names the
//! page type and registers its schema.

use serde::Serialize;

/// `limit` items from `offset`, and how many match the query in all.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total: u64,
    pub(crate) limit: u64,
    pub(crate) offset: u64,
}

impl<T> Page<T> {
    /// The page of `rows` (each turned into its view), `total` matching in all.
    pub(crate) fn of<R: Into<T>>(rows: Vec<R>, total: u64, (limit, offset): (u64, u64)) -> Self {
        Page {
            items: rows.into_iter().map(Into::into).collect(),
            total,
            limit,
            offset,
        }
    }
}

/// `$name`, a page of `$item`s, and its OpenAPI schema under that name.
macro_rules! page_schema {
    ($name:ident = $item:ty) => {
        pub(crate) type $name = $crate::http::page::Page<$item>;

        impl utoipa::PartialSchema for $crate::http::page::Page<$item> {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::http::page::object(<$item as utoipa::ToSchema>::name())
            }
        }

        impl utoipa::ToSchema for $crate::http::page::Page<$item> {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                schemas.push((
                    <$item as utoipa::ToSchema>::name().into_owned(),
                    <$item as utoipa::PartialSchema>::schema(),
                ));
                <$item as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}
pub(crate) use page_schema;

/// The page object whose items are the schema named `item`.
pub(crate) fn object(
    item: std::borrow::Cow<'static, str>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::{
        ArrayBuilder, ObjectBuilder, Ref, Type,
        schema::{KnownFormat, SchemaFormat},
    };
    let count = |description: Option<&str>| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(0))
            .description(description)
    };
    ObjectBuilder::new()
        .property(
            "items",
            ArrayBuilder::new().items(Ref::from_schema_name(item)),
        )
        .required("items")
        .property("total", count(Some("Items matching the query in all.")))
        .required("total")
        .property("limit", count(None))
        .required("limit")
        .property("offset", count(None))
        .required("offset")
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_serializes_as_items_total_limit_offset() {
        let page: Page<String> = Page::of(vec!["a", "b"], 7, (2, 4));
        assert_eq!(
            serde_json::to_value(&page).ok(),
            Some(serde_json::json!({ "items": ["a", "b"], "total": 7, "limit": 2, "offset": 4 }))
        );
    }
}
