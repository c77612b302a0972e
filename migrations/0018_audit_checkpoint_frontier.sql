-- The checkpointer appends to the Merkle tree instead of rebuilding it from every leaf each time
-- (every 100 entries or 60 s, it read the whole log: on the embedded database's one connection that
-- held up every request for a second with 20,000 entries). Each checkpoint keeps the roots of the
-- perfect subtrees of its tree (hex, largest first): an operational cache, not signed, used only
-- when its checkpoint verifies with the server's own key and it hashes to the signed root.
-- Checkpoints from before have none: the next one reads every leaf once.
ALTER TABLE audit_checkpoints ADD COLUMN frontier text[];
