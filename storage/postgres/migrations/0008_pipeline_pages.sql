-- PostgreSQL twin of storage/migrations/0008_pipeline_pages.sql: when a kept state stops
-- changing with time and how it places from then on, computed from the row (stored, as
-- PostgreSQL computes generated columns), with the indexes that read pages in order; and
-- the index of the contacts that name a referrer.
ALTER TABLE contact_state ADD COLUMN settles_at timestamptz GENERATED ALWAYS AS (
    CASE WHEN due_at IS NULL THEN NULL WHEN stage = 'emailed' THEN later_due_at
    WHEN stage IN ('followed_up', 'scheduled') THEN due_at END) STORED;
ALTER TABLE contact_state ADD COLUMN settled_due boolean GENERATED ALWAYS AS (
    due_at IS NOT NULL AND stage IN ('emailed', 'followed_up', 'interviewed', 'scheduled'))
    STORED;
ALTER TABLE contact_state ADD COLUMN settled_key timestamptz GENERATED ALWAYS AS (
    CASE WHEN due_at IS NULL OR stage NOT IN ('emailed', 'followed_up', 'interviewed',
    'scheduled') THEN last_activity WHEN stage = 'emailed' THEN later_due_at ELSE due_at END)
    STORED;
ALTER TABLE contact_state ADD COLUMN settled_stage text GENERATED ALWAYS AS (
    CASE WHEN stage NOT IN ('emailed', 'followed_up', 'interviewed', 'scheduled') THEN stage
    WHEN due_at IS NULL THEN 'emailed' WHEN stage = 'followed_up' THEN 'no_reply'
    ELSE stage END) STORED;
CREATE INDEX contact_state_settled
    ON contact_state (member_id, settled_due, settled_key, contact_id, settles_at);
CREATE INDEX contact_state_settled_stage
    ON contact_state (member_id, settled_stage, settled_due, settled_key, contact_id, settles_at);
CREATE INDEX contact_state_open ON contact_state (member_id, settles_at);
CREATE INDEX contacts_referred ON contacts (member_id, referred_by) WHERE referred_by IS NOT NULL;
