//! The local demo: a demo user and a demo admin, a 3×3 nine-seat hall and a 10,000-seat arena,
//! each with an event on sale; the arena also sells standing general admission and its
//! performance is behind the waiting room. Also a team with a few shared servers to book time
//! on: the demo admin owns it, the demo user is a member.
//!
//! Idempotent, and it never changes what exists: an account with a demo e-mail is left exactly
//! as it is (role and password included), and so are existing events and servers.

use std::{collections::BTreeMap, sync::Arc};

use chrono::{Duration, Utc};
use core_api::{
    booking::http::resources::{AllowedHours, PolicyInput, ResourceRequest},
    shared::{
        domain::{Password, Role},
        services::auth::Caller,
        storage::users::UserRepo,
    },
    startup::AppState,
    storage::db,
    ticketing::{
        services::{
            admin::{LayoutSpec, NewEvent, NewVenue, PerformanceSpec, SectionSpec},
            products::NewProduct,
            queue::QueueChange,
        },
        storage::catalog::CatalogRepo,
    },
};
use holdfast_contract::clock::SystemClock;

struct DemoEvent {
    venue: &'static str,
    title: &'static str,
    description: &'static str,
    sections: &'static [(&'static str, &'static str, u32, u32, i32, i32)],
    prices: &'static [(&'static str, i64)],
    /// General-admission products: (name, price, capacity).
    products: &'static [(&'static str, i64, i32)],
    /// Waiting room: (admitPerMinute, maxActive) when the performance is behind one.
    queue: Option<(i32, i32)>,
}

const HALL: DemoEvent = DemoEvent {
    venue: "Holdfast Hall",
    title: "Holdfast Live: Nine Seats",
    description: "An intimate night in a nine-seat hall. Three rows, three seats each.",
    sections: &[("Main", "R", 3, 3, 0, 0)],
    prices: &[("R", 110_000)],
    products: &[],
    queue: None,
};

const ARENA: DemoEvent = DemoEvent {
    venue: "Holdfast Arena",
    title: "Holdfast Arena Tour 2026",
    description: "Ten thousand seats, one night. Floor, North, South and East stands.",
    sections: &[
        ("Floor", "VIP", 20, 50, 250, 0),
        ("North", "R", 30, 100, 0, 250),
        ("South", "R", 30, 100, 0, 600),
        ("East", "S", 30, 100, 1050, 250),
    ],
    prices: &[("VIP", 198_000), ("R", 154_000), ("S", 121_000)],
    products: &[("Standing (general admission)", 88_000, 2_000)],
    queue: Some((600, 2_000)),
};

pub async fn run() -> anyhow::Result<()> {
    let config = crate::config()?;
    let db = db::connect(
        &config.database_url,
        config.db_max_connections,
        config.dependency_timeout(),
    )
    .await?;
    let users = UserRepo::new(db.clone());
    let clock = Arc::new(SystemClock);
    let catalog = CatalogRepo::new(db, clock.clone());
    let state = AppState::connect(config, clock).await?;

    let buyer = ensure_user(
        &users,
        "demo@holdfast.dev",
        "demo-password",
        "Demo Buyer",
        Role::User,
    )
    .await?;
    let admin = ensure_user(
        &users,
        "admin@holdfast.dev",
        "admin-password",
        "Demo Admin",
        Role::Admin,
    )
    .await?;
    for demo in [HALL, ARENA] {
        ensure_event(&state, &catalog, &demo).await?;
    }
    match admin {
        Some(user_id) => {
            let caller = Caller {
                user_id,
                role: Role::Admin,
                auth_version: 0,
            };
            ensure_servers(&state, caller, buyer).await?;
        }
        // The servers' audit entries name the admin who created them: not someone else.
        None => println!("shared servers not seeded: admin@holdfast.dev is not an admin"),
    }
    Ok(())
}

/// Creates a demo account unless the e-mail is taken. An existing account is never changed:
/// not its role, not its password. Returns its id when the account has `role`.
async fn ensure_user(
    users: &UserRepo,
    email: &str,
    password: &str,
    name: &str,
    role: Role,
) -> anyhow::Result<Option<uuid::Uuid>> {
    if let Some(user) = users.by_email(email).await? {
        println!(
            "{email} exists already (role {}): left exactly as it is, password unchanged",
            user.role
        );
        return Ok((user.role == role.as_str()).then_some(user.id));
    }
    let hash = Password::parse(password)?.hash()?;
    let user = users.insert(email, &hash, name, role.as_str()).await?;
    println!(
        "created demo account {email} / {password} ({}): for local demos only",
        role.as_str()
    );
    Ok(Some(user.id))
}

/// Shared servers a team books time on, each with a different booking policy.
async fn ensure_servers(
    state: &AppState,
    admin: Caller,
    member: Option<uuid::Uuid>,
) -> anyhow::Result<()> {
    let team_id = state.services.teams.ensure(admin, "GPU lab").await?;
    if let Some(user_id) = member {
        state
            .services
            .teams
            .ensure_member(admin, team_id, user_id)
            .await?;
    }
    let resources = &state.services.resources;
    let existing: Vec<String> = resources
        .list(admin, true)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let servers = [
        (
            "gpu-a100-1",
            "8x NVIDIA A100 80GB, 1 TB RAM. Long training runs.",
            Some(8),
            PolicyInput {
                max_duration_minutes: Some(24 * 60),
                max_advance_days: Some(30),
                ..PolicyInput::default()
            },
        ),
        (
            "gpu-h100-1",
            "8x NVIDIA H100. Bookable 08:00-22:00 Seoul time, up to 4 hours, 15 minutes' notice.",
            Some(8),
            PolicyInput {
                max_duration_minutes: Some(240),
                max_advance_days: Some(14),
                min_notice_minutes: Some(15),
                allowed_hours: Some(AllowedHours {
                    start: "08:00".to_owned(),
                    end: "22:00".to_owned(),
                    time_zone: "Asia/Seoul".to_owned(),
                }),
            },
        ),
        (
            "test-rig-arm64",
            "ARM64 test rig for integration runs. No limits.",
            None,
            PolicyInput::default(),
        ),
    ];
    for (name, description, capacity, policy) in servers {
        if existing.iter().any(|n| n == name) {
            continue;
        }
        let request = ResourceRequest {
            team_id: Some(team_id),
            name: name.to_owned(),
            description: description.to_owned(),
            capacity,
            is_active: true,
            policy,
        };
        resources.create(admin, team_id, request.fields()?).await?;
        println!("created shared server '{name}'");
    }
    Ok(())
}

async fn ensure_event(
    state: &AppState,
    catalog: &CatalogRepo,
    demo: &DemoEvent,
) -> anyhow::Result<()> {
    let admin = &state.services.admin;
    if catalog.event_by_title(demo.title).await?.is_some() {
        println!("'{}' exists; leaving it as it is", demo.title);
        return Ok(());
    }
    let venue_id = match catalog.venue_by_name(demo.venue).await? {
        Some(id) => id,
        None => {
            let sections = demo
                .sections
                .iter()
                .map(|&(name, tier, rows, seats_per_row, x, y)| SectionSpec {
                    name: name.to_owned(),
                    price_tier: tier.to_owned(),
                    rows,
                    seats_per_row,
                    x,
                    y,
                })
                .collect();
            let request = NewVenue {
                name: demo.venue.to_owned(),
                layout: LayoutSpec {
                    sections,
                    seats: vec![],
                    stage: None,
                },
            };
            admin.create_venue(request).await?.id
        }
    };
    let event = admin
        .create_event(NewEvent {
            venue_id,
            title: demo.title.to_owned(),
            description: demo.description.to_owned(),
        })
        .await?;
    let now = Utc::now();
    let starts_at = now + Duration::days(30);
    let prices: BTreeMap<String, i64> = demo
        .prices
        .iter()
        .map(|&(t, p)| (t.to_owned(), p))
        .collect();
    let performance = admin
        .create_performance(
            event.id,
            PerformanceSpec {
                starts_at,
                sale_opens_at: now - Duration::hours(1),
                sale_closes_at: starts_at,
                max_seats_per_user: 4,
                queue_enabled: false,
                // A day: the demo's tickets can be cancelled for a refund for four weeks.
                refund_cutoff_minutes: 1440,
                prices,
            },
        )
        .await?;
    admin.open_sale(performance.id, now).await?;
    for &(name, price, capacity) in demo.products {
        let request = NewProduct {
            name: name.to_owned(),
            description: String::new(),
            price,
            capacity,
            sale_opens_at: None,
            sale_closes_at: None,
        };
        state
            .services
            .products
            .create(performance.id, request)
            .await?;
    }
    if let Some((admit_per_minute, max_active)) = demo.queue {
        // Postgres first; the Redis mirror is repaired by core-api's sync if Redis is down now.
        let request = QueueChange {
            enabled: true,
            admit_per_minute: Some(admit_per_minute),
            max_active: Some(max_active),
            ..QueueChange::default()
        };
        if let Err(e) = state.services.queue.set(performance.id, request).await {
            println!(
                "waiting room for '{}' set in Postgres; Redis not updated yet: {e}",
                demo.title
            );
        } else {
            println!(
                "'{}' is behind the waiting room ({admit_per_minute}/min)",
                demo.title
            );
        }
    }
    println!(
        "created '{}' ({} seats, on sale)",
        demo.title, performance.total_seats
    );
    Ok(())
}
