-- Nearest available units by a KNN index scan instead of sorting every unit: recommendation stays cheap
-- with thousands of units. Longitude is scaled by cos(13.7°), El Salvador's mid-latitude.
CREATE INDEX units_available_knn ON units USING gist (point(lon * 0.971, lat))
  WHERE status = 'available' AND active AND current_incident_id IS NULL AND lat IS NOT NULL;
