-- PostgreSQL twin of storage/migrations/0008_pipeline_pages.sql: indexes for choosing a
-- member's contacts by stage and due instant, and for the contacts that name a referrer.
CREATE INDEX contact_state_stage ON contact_state (member_id, stage, due_at);
CREATE INDEX contacts_referred ON contacts (member_id, referred_by) WHERE referred_by IS NOT NULL;
