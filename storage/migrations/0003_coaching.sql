-- Coaching after the first email: interview dates and the check-back, referrals between
-- contacts, the member's target employers, and the public holidays business days skip.
--
-- SQLite cannot change a CHECK constraint in place, so `actions` (two new kinds, two new
-- columns) and `deliveries` (one new kind) are rebuilt the portable way: create the new
-- table, copy every row, drop the old one, rename. Their indexes and triggers are created
-- again exactly as migrations 0001 and 0002 made them. A backend that can alter a
-- constraint only needs the new kinds and columns.

-- Public holidays to skip when counting business days: a code such as 'US' or 'CA-ON',
-- 'none' for no holidays, or NULL: a cohort's follows its time zone, a member's their cohort.
ALTER TABLE cohorts ADD COLUMN holiday_calendar TEXT;
ALTER TABLE members ADD COLUMN holiday_calendar TEXT;

-- The contact who suggested this one ("who else should I talk to?"), if any.
ALTER TABLE contacts ADD COLUMN referred_by INTEGER REFERENCES contacts (id) ON DELETE SET NULL;
CREATE INDEX contacts_referred_by ON contacts (referred_by);

CREATE TABLE actions_new (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    cohort_id      INTEGER REFERENCES cohorts (id) ON DELETE SET NULL,
    contact_id     INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('email_sent', 'follow_up_sent',
                       'reply_received', 'interview_scheduled', 'interview_done',
                       'thank_you_sent', 'interview_cancelled', 'referral_received')),
    count          INTEGER NOT NULL DEFAULT 1 CHECK (count BETWEEN 1 AND 20),
    note           TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    occurred_at    TEXT NOT NULL,
    undone_at      TEXT,
    -- A scheduled interview's local date (YYYY-MM-DD) and, if given, time (HH:MM).
    scheduled_on   TEXT,
    scheduled_time TEXT
);
INSERT INTO actions_new (id, member_id, cohort_id, contact_id, kind, count, note, occurred_at,
    undone_at)
SELECT id, member_id, cohort_id, contact_id, kind, count, note, occurred_at, undone_at
FROM actions;
DROP TABLE actions;
ALTER TABLE actions_new RENAME TO actions;

CREATE INDEX actions_cohort_time ON actions (cohort_id, occurred_at, kind, member_id, count)
    WHERE undone_at IS NULL;
CREATE INDEX actions_member_time ON actions (member_id, occurred_at, kind, count)
    WHERE undone_at IS NULL;
CREATE INDEX actions_member_id ON actions (member_id, id);
CREATE INDEX actions_contact ON actions (contact_id);
CREATE INDEX actions_cohort ON actions (cohort_id);

CREATE TRIGGER actions_add_to_totals AFTER INSERT ON actions
WHEN NEW.cohort_id IS NOT NULL AND NEW.undone_at IS NULL
BEGIN
    INSERT INTO member_totals (cohort_id, member_id, kind, total)
    VALUES (NEW.cohort_id, NEW.member_id, NEW.kind, NEW.count)
    ON CONFLICT (cohort_id, member_id, kind) DO UPDATE SET total = total + excluded.total;
END;

CREATE TRIGGER actions_undo_from_totals AFTER UPDATE OF undone_at ON actions
WHEN OLD.undone_at IS NULL AND NEW.undone_at IS NOT NULL AND NEW.cohort_id IS NOT NULL
BEGIN
    UPDATE member_totals SET total = total - NEW.count
    WHERE cohort_id = NEW.cohort_id AND member_id = NEW.member_id AND kind = NEW.kind;
END;

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

-- A moved interview has a new check-back: look at its contact at once.
CREATE TRIGGER actions_moved_checks_clock AFTER UPDATE OF scheduled_on, scheduled_time
ON actions
WHEN NEW.contact_id IS NOT NULL AND (OLD.scheduled_on IS NOT NEW.scheduled_on
    OR OLD.scheduled_time IS NOT NEW.scheduled_time)
BEGIN
    INSERT INTO clock_checks (contact_id, member_id, check_at)
    VALUES (NEW.contact_id, NEW.member_id, '0000')
    ON CONFLICT (contact_id) DO UPDATE SET check_at = '0000';
END;

-- Another holiday calendar moves business days: look at the clocks concerned at once.
CREATE TRIGGER members_holidays_check_clocks AFTER UPDATE OF holiday_calendar ON members
WHEN OLD.holiday_calendar IS NOT NEW.holiday_calendar
BEGIN
    UPDATE clock_checks SET check_at = '0000' WHERE member_id = NEW.id;
END;

CREATE TRIGGER cohorts_holidays_check_clocks AFTER UPDATE OF holiday_calendar ON cohorts
WHEN OLD.holiday_calendar IS NOT NEW.holiday_calendar
BEGIN
    UPDATE clock_checks SET check_at = '0000'
    WHERE member_id IN (SELECT id FROM members WHERE cohort_id = NEW.id);
END;

CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('kickoff', 'checkin', 'reminder',
                        'checkback')),
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
    ambiguous       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO deliveries_new SELECT id, key, kind, cohort_id, member_id, due_at, status,
    attempts, claimed_at, next_attempt_at, finished_at, message_id, detail, ambiguous
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (due_at);
CREATE INDEX deliveries_open ON deliveries (status) WHERE status IN ('claimed', 'retrying');
CREATE INDEX deliveries_cohort ON deliveries (cohort_id, due_at);
CREATE INDEX deliveries_member ON deliveries (member_id);

-- The member's target employers (Dalton's LAMP list), private to them.
-- advocate: they know an alumnus or advocate there; motivation: 1 (curious) to 3 (dream);
-- posting: a relevant job posting is open.
CREATE TABLE targets (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    employer     TEXT NOT NULL CHECK (length(employer) BETWEEN 1 AND 100),
    employer_key TEXT NOT NULL,
    advocate     INTEGER NOT NULL DEFAULT 0 CHECK (advocate IN (0, 1)),
    motivation   INTEGER NOT NULL DEFAULT 2 CHECK (motivation BETWEEN 1 AND 3),
    posting      INTEGER NOT NULL DEFAULT 0 CHECK (posting IN (0, 1)),
    created_at   TEXT NOT NULL,
    UNIQUE (member_id, employer_key)
);
