-- Who posted each fix: a dispatcher may post positions for any unit, and a fresh fix beside an
-- incident ranks that unit first; the track names the reporter (null for fixes stored before this).
ALTER TABLE unit_positions ADD COLUMN reported_by uuid REFERENCES users (id);
