-- PostgreSQL twin of storage/migrations/0004_contact_state.sql: each contact's 3B7 state
-- (bot.followups.ContactState), rewritten by the store in the transaction of every change
-- that moves it. Only contacts with a live action have a row. The rows for existing
-- contacts are computed after this script, in the same transaction (storage.postgres.schema).
CREATE TABLE contact_state (
    contact_id      bigint PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    member_id       bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    org_key         text NOT NULL,
    stage           text NOT NULL,
    anchor_id       bigint,
    due_at          timestamptz,
    holiday         text,
    later_due_at    timestamptz,
    later_holiday   text,
    interview_on    date,
    interview_at    time,
    latest_email_at timestamptz,
    last_activity   timestamptz NOT NULL
);
CREATE INDEX contact_state_member ON contact_state (member_id, contact_id);
CREATE INDEX contact_state_organization ON contact_state (member_id, org_key, latest_email_at);
