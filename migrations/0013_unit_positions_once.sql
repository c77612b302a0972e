-- A batch of positions replayed after a lost answer (a phone that came back online) stores each fix
-- once: one row per unit and recording time.
DELETE FROM unit_positions p USING unit_positions q
  WHERE p.unit_id = q.unit_id AND p.recorded_at = q.recorded_at AND p.id > q.id;
DROP INDEX unit_positions_unit;
CREATE UNIQUE INDEX unit_positions_unit ON unit_positions (unit_id, recorded_at);
