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
-- claimed_at is when the latest attempt began.
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
    detail          TEXT NOT NULL DEFAULT '',
    -- The last attempt ended without knowing whether the message arrived.
    ambiguous       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_due ON deliveries (due_at);
CREATE INDEX deliveries_open ON deliveries (status) WHERE status IN ('claimed', 'retrying');
CREATE INDEX deliveries_cohort ON deliveries (cohort_id, due_at);
CREATE INDEX deliveries_member ON deliveries (member_id);

-- When each contact's follow-up clock next needs a look: set by triggers whenever something
-- that moves a clock changes (a logged action, an undo, a time zone), and by the delivery
-- service to the next reminder it found. A wake reads only the clocks due for a look.
CREATE TABLE clock_checks (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    check_at   TEXT NOT NULL
);
CREATE INDEX clock_checks_due ON clock_checks (check_at);
CREATE INDEX clock_checks_member ON clock_checks (member_id);

INSERT INTO clock_checks (contact_id, member_id, check_at)
SELECT contact_id, member_id, min(occurred_at) FROM actions
WHERE contact_id IS NOT NULL AND undone_at IS NULL
AND occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-45 days')
GROUP BY contact_id;

CREATE TRIGGER actions_check_clock AFTER INSERT ON actions
WHEN NEW.contact_id IS NOT NULL
BEGIN
    INSERT INTO clock_checks (contact_id, member_id, check_at)
    VALUES (NEW.contact_id, NEW.member_id, NEW.occurred_at)
    ON CONFLICT (contact_id) DO UPDATE SET check_at = min(check_at, excluded.check_at);
END;

CREATE TRIGGER actions_undo_checks_clock AFTER UPDATE OF undone_at ON actions
WHEN NEW.contact_id IS NOT NULL AND NEW.undone_at IS NOT NULL
BEGIN
    INSERT INTO clock_checks (contact_id, member_id, check_at)
    VALUES (NEW.contact_id, NEW.member_id, NEW.undone_at)
    ON CONFLICT (contact_id) DO UPDATE SET check_at = min(check_at, excluded.check_at);
END;

CREATE TRIGGER members_zone_checks_clocks AFTER UPDATE OF timezone, profile_timezone, cohort_id
ON members
WHEN OLD.timezone IS NOT NEW.timezone OR OLD.profile_timezone IS NOT NEW.profile_timezone
    OR OLD.cohort_id IS NOT NEW.cohort_id
BEGIN
    UPDATE clock_checks SET check_at = '0000' WHERE member_id = NEW.id;
END;

CREATE TRIGGER cohorts_zone_checks_clocks AFTER UPDATE OF timezone ON cohorts
WHEN OLD.timezone IS NOT NEW.timezone
BEGIN
    UPDATE clock_checks SET check_at = '0000'
    WHERE member_id IN (SELECT id FROM members WHERE cohort_id = NEW.id);
END;
