-- The source rows of the data sync tests.
INSERT INTO customers VALUES
  (1, 'C1', 'ann@shop.test', 'Ann', 'vip'),
  (2, 'C2', 'bob@shop.test', 'Bob', NULL),
  (3, 'C3', 'cy@shop.test', 'Cy', 'late payer'),
  (4, 'C4', 'di@shop.test', 'Di', NULL),
  (5, 'C5', 'ed@shop.test', 'Ed', NULL),
  (6, 'C6', 'flo@shop.test', 'Flo', NULL);
INSERT INTO products VALUES ('a', 'eu', 'Apple EU'), ('a', 'us', 'Apple US'), ('b', 'eu', 'Banana EU'), ('c', 'us', 'Cherry US');
INSERT INTO orders VALUES
  (1, 1, 'C1', 'ann@shop.test', '2026-11-01T10:00:00Z', 10.50, '{x,y}', '{"gift": true}'),
  (2, 1, 'C1', 'ann@shop.test', '2026-11-02T10:00:00Z', 20.00, NULL, NULL),
  (5, 3, 'C4', 'di@shop.test', '2026-11-05T10:00:00Z', 5.25, '{"a b","c,d"}', '{"n": [1, 2]}'),
  (7, 2, NULL, 'bob@shop.test', '2026-11-07T10:00:00Z', 7.00, NULL, NULL),
  (8, 6, 'C6', NULL, '2026-11-08T10:00:00Z', 1.00, NULL, NULL);
INSERT INTO order_items (order_id, line, sku, region) OVERRIDING SYSTEM VALUE VALUES (1, 1, 'c', 'us');
INSERT INTO order_items (order_id, line, sku, region, qty) OVERRIDING SYSTEM VALUE VALUES
  (7, 1, 'a', 'eu', 3), (7, 2, 'b', 'eu', 4), (8, 1, 'a', 'us', 1);
INSERT INTO teams VALUES (1, 'board', NULL), (2, 'platform', NULL), (3, 'web', NULL), (4, 'ops', NULL);
INSERT INTO employees VALUES
  (1, 'ceo', 1, NULL), (2, 'cto', 2, 1), (3, 'lead', 2, 2), (4, 'dev', 3, 3), (5, 'cfo', 1, 1), (6, 'clerk', 1, 5), (7, 'sre', 4, NULL);
UPDATE teams SET lead_id = CASE id WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 5 WHEN 4 THEN 7 END;
INSERT INTO hr.badges VALUES (10, 4, 'B-10'), (11, 7, 'B-11');
INSERT INTO audit_log VALUES (1, 'not copied');
