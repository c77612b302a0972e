-- A pending approval request whose entity reached an end before anyone decided (an incident closed
-- or merged while its cancellation waited) is 'superseded': no longer decidable, kept as history.
ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_status_check;
ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_status_check
  CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'superseded'));
