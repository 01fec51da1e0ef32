-- Scheduled nudges and reminders: each cohort's schedule, the member's platform time zone,
-- and the deliveries ledger that makes every nudge and reminder go out at most once.

ALTER TABLE cohorts ADD COLUMN kickoff_day INTEGER NOT NULL DEFAULT 0
    CHECK (kickoff_day BETWEEN 0 AND 6);
ALTER TABLE cohorts ADD COLUMN kickoff_time TEXT NOT NULL DEFAULT '09:00';
ALTER TABLE cohorts ADD COLUMN checkin_day INTEGER CHECK (checkin_day BETWEEN 0 AND 6);
ALTER TABLE cohorts ADD COLUMN checkin_time TEXT NOT NULL DEFAULT '15:00';
ALTER TABLE cohorts ADD COLUMN grace_hours INTEGER NOT NULL DEFAULT 6
    CHECK (grace_hours BETWEEN 0 AND 48);
-- Nudges due before this instant are never sent: a cohort set up or rescheduled on a Tuesday
-- does not receive that Monday's kickoff.
ALTER TABLE cohorts ADD COLUMN schedule_from TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000000Z';

ALTER TABLE members ADD COLUMN profile_timezone TEXT;

-- One row per nudge or reminder, claimed under a unique key before it is sent.
-- status: claimed (being sent), retrying, sent, failed, skipped, unconfirmed.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('kickoff', 'checkin', 'reminder')),
    cohort_id       INTEGER REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id       INTEGER REFERENCES members (id) ON DELETE CASCADE,
    due_at          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('claimed', 'retrying', 'sent', 'failed',
                        'skipped', 'unconfirmed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_at      TEXT NOT NULL,
    next_attempt_at TEXT,
    finished_at     TEXT,
    message_id      TEXT,
    detail          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_due ON deliveries (due_at);
CREATE INDEX deliveries_open ON deliveries (status) WHERE status IN ('claimed', 'retrying');
CREATE INDEX deliveries_cohort ON deliveries (cohort_id, due_at);
CREATE INDEX deliveries_member ON deliveries (member_id);

-- Contacts whose follow-up clock may be running: recent emails and follow-ups to someone.
CREATE INDEX actions_clock ON actions (occurred_at, contact_id)
    WHERE undone_at IS NULL AND contact_id IS NOT NULL
    AND kind IN ('email_sent', 'follow_up_sent');
