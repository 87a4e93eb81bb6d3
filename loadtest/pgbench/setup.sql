-- The reservation function alone, for `scripts/bench holds`: one on-sale performance with
-- 200,000 seats and 200,000 users in a freshly migrated database. reserve.sql takes one fresh
-- seat and one fresh user per call, so every call reserves exactly one seat (at a few thousand
-- calls a second, a 10 s run uses well under the 200,000).
INSERT INTO venues (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'Bench Hall');
INSERT INTO events (id, venue_id, title, status)
VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001',
        'Bench', 'ON_SALE');
INSERT INTO performances (id, event_id, starts_at, sale_opens_at, sale_closes_at,
                          max_seats_per_user)
VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000002',
        now() + interval '30 days', now(), now() + interval '20 days', 50);
INSERT INTO users (id, email, password_hash, name)
SELECT ('00000000-0000-0000-0001-' || lpad(to_hex(g), 12, '0'))::uuid,
       'bench' || g || '@holdfast.dev', 'not-a-hash', 'Bench'
FROM generate_series(1, 200000) g;
INSERT INTO seats (id, performance_id, section, row_label, number, x, y, price_tier, price)
SELECT ('00000000-0000-0000-0002-' || lpad(to_hex(g), 12, '0'))::uuid,
       '00000000-0000-0000-0000-000000000003', 'A', (g / 100)::text, g % 100, g % 100, g / 100,
       'R', 100000
FROM generate_series(1, 200000) g;
CREATE SEQUENCE bench_seat_seq;
CREATE SEQUENCE bench_user_seq;
-- Statistics for the tables just filled, as core-api refreshes them for a new performance's
-- seats. Not for `reservations`: analyzed while empty, it would make every connection plan
-- the function's per-user count as a scan of the whole table, kept until the next ANALYZE
-- (measured: 1,440 calls a second against 2,930 with the index).
ANALYZE seats;
ANALYZE users;
