//! Every service of both contexts, wired once at start-up and shared by all requests.

use std::{sync::Arc, time::Duration};

use holdfast_contract::clock::Clock;
use sea_orm::DatabaseConnection;

use crate::{
    booking::services::{bookings, calendar, gcal, resources, teams},
    booking::storage::{
        bookings::BookingRepo, feeds::FeedRepo, outbox::OutboxRepo, resources::ResourceRepo,
        teams::TeamRepo,
    },
    config::Config,
    shared::services::{accounts, auth, wallet},
    shared::storage::{idempotency::IdempotencyRepo, users::UserRepo, wallets::WalletStore},
    storage::reads::ReadDb,
    storage::{breaker::Breaker, redis::Redis},
    ticketing::services::{
        admin, cancellations, catalog, expiry, holds, live, orders, payments, products, queue,
        queue_pass, reservations, rules, seat_layout, seat_map_cache, stream,
    },
    ticketing::storage::{
        catalog::CatalogRepo, ga::GaRepo, holds::Holds, pg_holds::PgHoldStore,
        redis_holds::HoldStore, reservations::ReservationRepo, seat_events::SeatEvents,
        seats::SeatRepo,
    },
};

/// Every service, wired once at start-up and shared by all requests.
#[derive(Clone)]
pub struct Services {
    /// The time of day for every rule that depends on it (tests move it by hand).
    pub clock: Arc<dyn Clock>,
    pub auth: auth::AuthService,
    /// Admin account management (roles, deactivation).
    pub(crate) accounts: accounts::AccountAdmin,
    pub(crate) catalog: catalog::CatalogService,
    pub holds: holds::HoldService,
    pub reservations: reservations::ReservationService,
    pub admin: admin::AdminService,
    /// Cancelling performances and events with refunds, as resumable jobs.
    pub(crate) cancellations: cancellations::CancellationService,
    /// Orders for organizers: search, detail, cancellation, attendee lists.
    pub(crate) orders: orders::OrderService,
    /// The control room's live figures: one poller per watched performance.
    pub(crate) control_room: live::LiveHub,
    pub(crate) wallet: wallet::WalletService,
    pub(crate) payments: payments::PaymentService,
    pub streams: stream::StreamHub,
    pub(crate) sweeper: Arc<expiry::Sweeper>,
    pub(crate) idempotency: IdempotencyRepo,
    pub products: products::ProductService,
    // Waiting room (gateway issue): settings, Redis mirror, pass check on holds.
    pub queue: queue::QueueService,
    pub(crate) queue_pass: queue_pass::QueuePassCheck,
    /// Per-instance cache of performances' sale rules (admin changes drop entries).
    pub(crate) rules: rules::RulesCache,
    // Shared server time booking.
    pub resources: resources::ResourceService,
    /// Teams that own shared servers, and who may do what with them.
    pub teams: teams::TeamService,
    pub(crate) bookings: bookings::BookingService,
    /// Booking changes heard from every instance, for the live stream.
    pub(crate) live: bookings::live::LiveBookings,
    /// Notifications of both products: preferences, team webhooks and the outbox worker.
    pub(crate) notifier: crate::shared::services::notifications::Notifier,
    pub(crate) calendar: calendar::CalendarService,
    pub(crate) audit: crate::shared::services::audit::AuditLog,
    /// Google Calendar push; `None` unless configured.
    pub(crate) google: Option<gcal::GoogleSync>,
}

impl Services {
    pub(crate) fn new(
        config: Arc<Config>,
        // The primary, and the reads a replica may serve (catalog listings, seat layouts).
        (db, reads): (DatabaseConnection, ReadDb),
        redis: Redis,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        // Shared server time: its stores, the calendar push, and the services.
        let booking_repo = BookingRepo::new(db.clone());
        let resource_repo = ResourceRepo::new(db.clone());
        let google = config
            .google
            .clone()
            .map(|g| {
                gcal::GoogleSync::new(
                    g,
                    (OutboxRepo::new(db.clone()), booking_repo.clone()),
                    clock.clone(),
                )
            })
            .transpose()?;
        let users = UserRepo::new(db.clone());
        // Organizers (admin), the sale rules and the sweeper read the catalog on the primary;
        // the buyers' catalog may read the replica.
        let catalog = CatalogRepo::new(db.clone(), clock.clone());
        let listings = catalog.clone().reading_from(reads.clone());
        let seats = SeatRepo::new(db.clone()).reading_from(reads.clone());
        let reservations = ReservationRepo::new(db.clone());
        let events = SeatEvents::new(redis.clone());
        let seat_maps =
            seat_map_cache::SeatMapCache::new(Duration::from_millis(config.seat_map_cache_ms));
        let publisher = stream::Publisher::new(events.clone(), seat_maps.clone());
        let breaker = Breaker::new(
            config.breaker_failures,
            Duration::from_millis(config.breaker_cooldown_ms),
        );
        let idempotency = IdempotencyRepo::new(db.clone());
        let ga = GaRepo::new(db.clone());
        let ga_listings = ga.clone().reading_from(reads);
        let wallets = WalletStore::new(db.clone());
        let catalog_for_products = listings.clone();
        // Waiting room: settings, their Redis mirror, and the pass check on holds.
        let queue_repo = crate::ticketing::storage::queue_settings::QueueRepo::new(db.clone());
        let rules = rules::RulesCache::new(
            catalog.clone(),
            Duration::from_millis(config.rules_cache_ms),
        );
        let queue = queue::QueueService::new(
            queue_repo.clone(),
            crate::ticketing::storage::queue_mirror::QueueMirror::new(redis.clone()),
            rules.clone(),
        );
        let queue_pass = queue_pass::QueuePassCheck::new(
            &config,
            rules.clone(),
            crate::ticketing::storage::proof_ids::ProofIds::new(redis.clone()),
            clock.clone(),
        );
        let teams = teams::TeamService::new(TeamRepo::new(db.clone()));
        let resources =
            resources::ResourceService::new(resource_repo.clone(), teams.clone(), clock.clone());
        let bookings = bookings::BookingService::new(
            (booking_repo.clone(), resource_repo.clone(), teams.clone()),
            google.clone(),
            clock.clone(),
        );
        let live = bookings::live::LiveBookings::new(
            crate::booking::storage::live::Notices::new(db.clone()),
            bookings.clone(),
            config.stream_max_connections,
        );
        let notifier = crate::shared::services::notifications::Notifier::new(
            config.notify.clone(),
            crate::shared::storage::notifications::Outbox::new(db.clone()),
            clock.clone(),
        )?;
        let calendar = calendar::CalendarService::new(
            (FeedRepo::new(db.clone()), booking_repo, resource_repo),
            config.public_url.clone(),
            clock.clone(),
        );
        let audit = crate::shared::services::audit::AuditLog::new(
            crate::shared::storage::audit::AuditRepo::new(db.clone()),
        );
        let auth = auth::AuthService::new(&config, users.clone(), redis.clone(), clock.clone());
        let accounts = accounts::AccountAdmin::new(users, auth.sessions.clone());
        let job_settings = cancellations::JobSettings::from_config(&config);
        let cancellation_repo =
            crate::ticketing::storage::cancellations::CancellationRepo::new(db.clone());
        let cancellation_db = db.clone();
        let live_repo = crate::ticketing::storage::live::LiveRepo::new(db.clone(), redis.clone());
        let store = Holds::new(
            HoldStore::new(redis, config.reservation_ttl_ms, clock.clone()),
            PgHoldStore::new(db),
            config.hold_strategy,
            config.hold_fallback,
            breaker,
        );
        let layouts = seat_layout::SeatLayouts::new(seats.clone());
        let catalog_service = catalog::CatalogService::new(
            (listings.clone(), catalog.clone()),
            seats.clone(),
            store.clone(),
            (seat_maps, layouts.clone()),
            clock.clone(),
        );
        let streams = stream::StreamHub::new(
            events,
            catalog_service.clone(),
            stream::limits::StreamLimits::new(stream::limits::Caps {
                per_client: config.stream_max_per_client,
                per_performance: config.stream_max_per_performance,
                total: config.stream_max_connections,
            }),
            Duration::from_millis(config.seat_map_cache_ms),
        );
        let holds = holds::HoldService::new(
            config.clone(),
            holds::HoldSources {
                rules: rules.clone(),
                layouts: layouts.clone(),
                free_seats: seat_map_cache::SnapshotCache::new(Duration::from_millis(
                    config.seat_map_cache_ms,
                )),
                seats: seats.clone(),
                store: store.clone(),
                ga: ga.clone(),
                clock: clock.clone(),
            },
            publisher.clone(),
        );
        let reservation_service = reservations::ReservationService::new(
            config.clone(),
            (rules.clone(), layouts.clone()),
            reservations.clone(),
            holds.clone(),
            (publisher.clone(), clock.clone()),
            ga.clone(),
        );
        let orders = orders::OrderService::new(
            crate::ticketing::storage::orders::OrderRepo::new(cancellation_db),
            reservation_service.clone(),
        );
        Ok(Services {
            clock: clock.clone(),
            orders,
            control_room: live::LiveHub::new(live_repo, store.clone(), clock.clone()),
            resources,
            teams,
            bookings,
            live,
            notifier,
            calendar,
            audit,
            google,
            auth,
            accounts,
            catalog: catalog_service,
            reservations: reservation_service,
            cancellations: cancellations::CancellationService::new(
                (cancellation_repo, reservations.clone()),
                store.clone(),
                publisher.clone(),
                (queue.clone(), rules.clone()),
                job_settings,
            ),
            admin: admin::AdminService::new(
                catalog.clone(),
                store.clone(),
                rules.clone(),
                clock.clone(),
            ),
            wallet: wallet::WalletService::new(config, wallets),
            payments: payments::PaymentService::new(
                reservations.clone(),
                publisher.clone(),
                clock.clone(),
            ),
            streams,
            sweeper: Arc::new(expiry::Sweeper::new(
                (reservations, catalog, store.clone()),
                publisher,
                clock.clone(),
            )),
            holds,
            idempotency,
            products: products::ProductService::new(catalog_for_products, ga_listings, store),
            queue,
            queue_pass,
            rules,
        })
    }
}
