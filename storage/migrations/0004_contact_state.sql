-- Each contact's 3B7 state as its actions, the member's time zone and holiday calendar
-- leave it (bot.followups.ContactState): rewritten by the store in the transaction of every
-- change that moves it, so /progress and /contacts read one row per contact instead of every
-- action ever logged. Only contacts with a live action have a row. The rows for existing
-- contacts are computed after this script, in the same transaction (storage.schema).
CREATE TABLE contact_state (
    contact_id      INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    org_key         TEXT NOT NULL,
    stage           TEXT NOT NULL,
    anchor_id       INTEGER,
    due_at          TEXT,
    holiday         TEXT,
    later_due_at    TEXT,
    later_holiday   TEXT,
    interview_on    TEXT,
    interview_at    TEXT,
    latest_email_at TEXT,
    last_activity   TEXT NOT NULL
);
CREATE INDEX contact_state_member ON contact_state (member_id, contact_id);
CREATE INDEX contact_state_organization ON contact_state (member_id, org_key, latest_email_at);
