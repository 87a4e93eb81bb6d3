-- One reservation commit as core-api sends it (BEGIN, the function, COMMIT), without the HTTP
-- service around it. Run by pgbench against a database prepared with setup.sql.
BEGIN;
SELECT * FROM reserve_seats(gen_random_uuid(), '00000000-0000-0000-0000-000000000003', ARRAY[('00000000-0000-0000-0002-' || lpad(to_hex(nextval('bench_seat_seq')), 12, '0'))::uuid], 'B' || md5(random()::text), ('00000000-0000-0000-0001-' || lpad(to_hex(nextval('bench_user_seq')), 12, '0'))::uuid, gen_random_uuid(), 'Load Test', '010-0000-0000', NULL, now() + interval '10 minutes', 50);
COMMIT;
