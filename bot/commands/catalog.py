"""Every command of the product, declared once: Discord, Slack, the console and help read it.

Descriptions stay under 100 characters (Discord's limit) and argument names are lowercase
words, so every platform can show them as they are.
"""

from __future__ import annotations

from bot.commands import coaching, organizers, outreach, overview, preferences, reports, targets
from bot.commands.arguments import ArgType, Argument
from bot.commands.help import render_help
from bot.commands.registry import Args, Command, Registry
from bot.drafts import MAX_DRAFT
from bot.engine import Engine
from bot.invocation import Invocation
from bot.periods import WEEKDAYS
from bot.replies import Reply
from bot.targets import EMPLOYER_LIMIT, MAX_CSV

CONTACT_LIMIT = 80
ORG_LIMIT = 100
NOTE_LIMIT = 500


def _contact(required: bool) -> Argument:
    return Argument(
        "contact",
        ArgType.TEXT,
        "The person's name or a nickname (private to you)",
        required=required,
        max_length=CONTACT_LIMIT,
    )


NOTE = Argument("note", ArgType.TEXT, "A private note for yourself", max_length=NOTE_LIMIT)
NEW = Argument(
    "new", ArgType.BOOLEAN, "Yes: someone new, though the name is close to one you logged"
)
GOALS = (
    Argument("emails", ArgType.INTEGER, "Emails per week", min_value=1, max_value=50, example="3"),
    Argument(
        "interviews",
        ArgType.INTEGER,
        "Interviews per month (0 for none)",
        min_value=0,
        max_value=31,
        example="2",
    ),
)
"""The goal options, the same for a member's /goal and the cohort's defaults."""

TIMEZONE = Argument(
    "timezone", ArgType.TEXT, "An IANA time zone such as Europe/Berlin", max_length=64
)
COHORT_HOLIDAYS = Argument(
    "holidays",
    ArgType.TEXT,
    "Public holidays business days skip: a country such as US or CA-ON, none, or auto",
    max_length=20,
)
MEMBER_HOLIDAYS = Argument(
    "holidays",
    ArgType.TEXT,
    "Public holidays your business days skip: US, DE-BE..., none, or default",
    max_length=20,
)


def build_registry() -> Registry:
    """Every command, in the order ``/help`` shows them."""
    registry: Registry | None = None

    async def show_help(engine: Engine, inv: Invocation, args: Args) -> Reply:
        assert registry is not None
        return render_help(registry, args.text("command"), await engine.is_organizer(inv))

    registry = Registry(
        (
            Command(
                "sent",
                "Log an outreach email you sent; naming the contact starts its follow-up clock",
                (
                    _contact(False),
                    Argument("org", ArgType.TEXT, "Their organisation", max_length=ORG_LIMIT),
                    Argument(
                        "count",
                        ArgType.INTEGER,
                        "How many emails, for ones you'd rather not name",
                        min_value=1,
                        max_value=20,
                        example="2",
                    ),
                    NOTE,
                    NEW,
                ),
                outreach.sent,
                examples=('/sent Jane Doe org:"Acme Labs"', "/sent count:2"),
                details="Three business days without a reply, you'll be nudged to try a second "
                "person there; seven, to follow up once.",
            ),
            Command(
                "followup",
                "Log a follow-up email to a contact",
                (_contact(True), NOTE, NEW),
                outreach.followup,
                examples=("/followup Jane Doe",),
            ),
            Command(
                "reply",
                "Log a reply from a contact; stops its follow-up clock",
                (_contact(True), NOTE, NEW),
                outreach.reply,
                examples=("/reply Jane Doe",),
            ),
            Command(
                "interview",
                "Log an informational interview, done (default) or scheduled",
                (
                    _contact(True),
                    Argument(
                        "status",
                        ArgType.CHOICE,
                        "done (default), scheduled, moved or cancelled",
                        choices=coaching.INTERVIEW_STATUSES,
                    ),
                    NOTE,
                    Argument(
                        "share",
                        ArgType.BOOLEAN,
                        "Celebrate it in the channel (the contact is never named)",
                    ),
                    Argument("on", ArgType.DATE, "The day of the conversation (scheduled, moved)"),
                    Argument(
                        "at", ArgType.TEXT, "Its local time, e.g. 14:00 (optional)", max_length=8
                    ),
                    NEW,
                ),
                coaching.interview,
                examples=(
                    "/interview Jane Doe",
                    "/interview Jane Doe status:scheduled on:2026-12-03 at:14:00",
                    "/interview Jane Doe status:moved on:2026-12-08",
                ),
                details="The morning after a scheduled conversation (a week later if it has "
                "no date) I'll check in privately: did it happen, move, or fall through?",
            ),
            Command(
                "thanks",
                "Log a thank-you note sent after a conversation",
                (_contact(True), NEW),
                outreach.thanks,
                examples=("/thanks Jane Doe",),
            ),
            Command(
                "referral",
                "Log someone a contact suggested you talk to; links the two",
                (
                    _contact(True),
                    Argument(
                        "from",
                        ArgType.TEXT,
                        "The contact who suggested them",
                        required=True,
                        max_length=CONTACT_LIMIT,
                    ),
                    Argument("org", ArgType.TEXT, "Their organisation", max_length=ORG_LIMIT),
                    NOTE,
                    NEW,
                ),
                coaching.referral,
                examples=('/referral Sam Lee from:"Jane Doe" org:Initech',),
                details="Their first email starts its own follow-up clock; /contacts shows "
                "them as via the one who suggested them.",
            ),
            Command(
                "targets",
                "Your private list of target employers, ranked; what to write to next",
                default="list",
                subcommands=(
                    Command(
                        "list",
                        "Your target employers, ranked; the top five are active",
                        (),
                        targets.show,
                    ),
                    Command(
                        "add",
                        "Add an employer to your list, or update it",
                        (
                            Argument(
                                "org",
                                ArgType.TEXT,
                                "The organisation",
                                required=True,
                                max_length=EMPLOYER_LIMIT,
                            ),
                            Argument(
                                "advocate", ArgType.BOOLEAN, "You know an alum or advocate there"
                            ),
                            Argument(
                                "motivation",
                                ArgType.INTEGER,
                                "How much you want it: 1 curious, 2 keen, 3 dream",
                                min_value=1,
                                max_value=3,
                                example="3",
                            ),
                            Argument("posting", ArgType.BOOLEAN, "A relevant job posting is open"),
                        ),
                        targets.add,
                        examples=('/targets add "Acme Labs" motivation:3 advocate:yes',),
                    ),
                    Command(
                        "remove",
                        "Take an employer off your list",
                        (
                            Argument(
                                "org",
                                ArgType.TEXT,
                                "The organisation",
                                required=True,
                                max_length=EMPLOYER_LIMIT,
                            ),
                        ),
                        targets.remove,
                        examples=("/targets remove Acme",),
                    ),
                    Command(
                        "import",
                        "Add employers from a CSV: employer, alumni, motivation, posting",
                        (
                            Argument(
                                "csv",
                                ArgType.TEXT,
                                "The CSV's text, or upload the file (in the console: its path)",
                                required=True,
                                max_length=MAX_CSV,
                                multiline=True,
                                upload=("csv", "txt"),
                            ),
                        ),
                        targets.import_list,
                        examples=("/targets import targets.csv",),
                        details="Header optional, at most 200 rows; a bad row is reported by "
                        "line and nothing is imported.",
                    ),
                    Command(
                        "next",
                        "The next employer to write to (skips ones waiting for a reply)",
                        (),
                        targets.suggest,
                    ),
                    Command(
                        "export",
                        "Your target list as a CSV file",
                        (),
                        targets.export,
                        slow=True,
                    ),
                ),
            ),
            Command(
                "draft",
                "Check an outreach email before you send it (never stored)",
                (
                    Argument(
                        "text",
                        ArgType.TEXT,
                        "The email, pasted (up to 2,000 characters)",
                        required=True,
                        max_length=MAX_DRAFT,
                    ),
                ),
                coaching.draft,
                examples=("/draft Hi Jane, as a fellow Tufts alum…",),
                details="Length, the ask, the connection, the closing question and who it's "
                "about, each with a suggestion. Never a score; the text is not kept.",
            ),
            Command("undo", "Undo your most recent log (shows what was undone)", (), outreach.undo),
            Command(
                "goal",
                "Show or set your weekly email and monthly interview targets",
                GOALS,
                overview.goal,
                examples=("/goal emails:5", "/goal interviews:2"),
            ),
            Command(
                "progress",
                "Your week, streak, funnel, pipeline and follow-ups due",
                (Argument("chart", ArgType.BOOLEAN, "Add a chart of your last 8 weeks"),),
                overview.progress,
                examples=("/progress", "/progress chart:yes"),
            ),
            Command(
                "contacts",
                "Your private pipeline: each contact, its stage and next step",
                (
                    Argument(
                        "status",
                        ArgType.CHOICE,
                        "Which contacts to show",
                        choices=overview.CONTACT_FILTERS,
                    ),
                ),
                overview.contacts,
                examples=("/contacts", "/contacts due"),
            ),
            Command(
                "leaderboard",
                "The cohort's board (only members who opted in are named)",
                (
                    Argument(
                        "period",
                        ArgType.CHOICE,
                        "week, month or all",
                        choices=("week", "month", "all"),
                    ),
                    Argument(
                        "metric",
                        ArgType.CHOICE,
                        "What to rank by",
                        choices=("interviews", "emails", "actions"),
                    ),
                    Argument("share", ArgType.BOOLEAN, "Post it in the channel for everyone"),
                ),
                overview.leaderboard,
                examples=("/leaderboard", "/leaderboard month metric:emails share:yes"),
            ),
            Command(
                "pause",
                "Pause your nudges, reminders and streak until a date",
                (
                    Argument(
                        "until",
                        ArgType.DATE,
                        "The last day of the pause, or off to resume",
                        keywords=preferences.RESUME_WORDS,
                    ),
                ),
                preferences.pause,
                examples=("/pause until:2026-12-31", "/pause until:off"),
            ),
            Command(
                "settings",
                "Your opt-ins (leaderboard, mentions, DM reminders) and time zone",
                (
                    Argument("leaderboard", ArgType.BOOLEAN, "Show your name on the leaderboard"),
                    Argument("mentions", ArgType.BOOLEAN, "Let check-ins mention you by name"),
                    Argument("reminders", ArgType.BOOLEAN, "Get follow-up reminders by DM"),
                    TIMEZONE,
                    MEMBER_HOLIDAYS,
                ),
                preferences.settings,
                examples=(
                    "/settings mentions:yes",
                    "/settings timezone:America/Toronto",
                    "/settings holidays:DE-BE",
                ),
            ),
            Command(
                "mydata",
                "Export all your data, or erase it",
                subcommands=(
                    Command(
                        "export",
                        "Everything stored about you, as a JSON file",
                        (),
                        preferences.export,
                        slow=True,
                    ),
                    Command(
                        "forget",
                        "Erase everything about you (asks for confirmation first)",
                        (
                            Argument(
                                "confirm",
                                ArgType.BOOLEAN,
                                "yes to erase, after reading the warning",
                            ),
                        ),
                        preferences.forget,
                        examples=("/mydata forget confirm:yes",),
                    ),
                ),
            ),
            Command(
                "cohort",
                "Organizer tools: set up the cohort, schedule nudges, stats and export",
                organizer_only=True,
                subcommands=(
                    Command(
                        "setup",
                        "Bind the cohort to this channel (name, time zone, first day of the week)",
                        (
                            Argument("name", ArgType.TEXT, "The cohort's name", max_length=80),
                            TIMEZONE,
                            Argument(
                                "week_start",
                                ArgType.CHOICE,
                                "The day weeks start",
                                choices=WEEKDAYS,
                            ),
                            COHORT_HOLIDAYS,
                        ),
                        organizers.setup,
                        organizer_only=True,
                        examples=(
                            '/cohort setup name:"PhD careers 2026" timezone:America/Toronto',
                        ),
                    ),
                    Command(
                        "schedule",
                        "When the weekly kickoff and midweek check-in go out; shows the next three",
                        (
                            Argument(
                                "kickoff_day",
                                ArgType.CHOICE,
                                "Day of the kickoff",
                                choices=WEEKDAYS,
                            ),
                            Argument(
                                "kickoff_time",
                                ArgType.TEXT,
                                "Local time of the kickoff, e.g. 09:00",
                                max_length=8,
                            ),
                            Argument(
                                "checkin_day",
                                ArgType.CHOICE,
                                "Day of the midweek check-in, or off",
                                choices=(*WEEKDAYS, "off"),
                            ),
                            Argument(
                                "checkin_time",
                                ArgType.TEXT,
                                "Local time of the check-in, e.g. 15:00",
                                max_length=8,
                            ),
                            TIMEZONE,
                            Argument(
                                "grace",
                                ArgType.INTEGER,
                                "Hours a nudge missed while the bot was down may still go out",
                                min_value=0,
                                max_value=48,
                                example="6",
                            ),
                            COHORT_HOLIDAYS,
                        ),
                        organizers.schedule,
                        organizer_only=True,
                        examples=(
                            "/cohort schedule kickoff_day:monday kickoff_time:09:00",
                            "/cohort schedule checkin_day:thursday checkin_time:15:00",
                            "/cohort schedule holidays:CA-ON",
                        ),
                    ),
                    Command(
                        "goal",
                        "The cohort's default email and interview goals",
                        GOALS,
                        organizers.goal,
                        organizer_only=True,
                    ),
                    Command(
                        "preview",
                        "See the next nudge privately before it goes out",
                        (),
                        organizers.preview,
                        organizer_only=True,
                    ),
                    Command(
                        "nudge-now",
                        "Post this week's kickoff now (the scheduled one then won't follow)",
                        (),
                        organizers.nudge_now,
                        organizer_only=True,
                        slow=True,
                    ),
                    Command(
                        "stats",
                        "This week's and last week's numbers, and the cohort's funnel",
                        (),
                        organizers.stats,
                        organizer_only=True,
                        slow=True,
                    ),
                    Command(
                        "report",
                        "A term's numbers, privately, with a CSV and a chart (whole weeks)",
                        (
                            Argument("from", ArgType.DATE, "The first day (default: 12 weeks ago)"),
                            Argument("to", ArgType.DATE, "The last day (default: today)"),
                        ),
                        reports.report,
                        organizer_only=True,
                        slow=True,
                        examples=("/cohort report", "/cohort report from:2026-01-05 to:2026-03-29"),
                        details="Counts of fewer than 5 members read “fewer than 5”; members "
                        "hidden from the leaderboard are in the totals only, never named.",
                    ),
                    Command(
                        "export",
                        "Weekly counts as CSV (no contact names; hidden members only in totals)",
                        (),
                        organizers.export,
                        organizer_only=True,
                        slow=True,
                    ),
                    Command(
                        "organizers",
                        "List, add or remove the cohort's organizers",
                        (
                            Argument("add", ArgType.USER, "Someone to make an organizer"),
                            Argument("remove", ArgType.USER, "An organizer to remove"),
                        ),
                        organizers.organizers,
                        organizer_only=True,
                        examples=("/cohort organizers add:@Sam",),
                    ),
                ),
            ),
            Command(
                "help",
                "What each command does",
                (Argument("command", ArgType.TEXT, "A command to explain", max_length=40),),
                show_help,
                examples=("/help", "/help sent"),
            ),
        )
    )
    return registry
