"""Everything the bot sends on a schedule: weekly kickoffs, midweek check-ins, reminders.

- ``calendar``: when a cohort's nudges fall due (pure calendar arithmetic).
- ``posts``, ``reminders``, ``prompts``: what the messages say.
- ``planner``: on each wake, what is due and what to do about each delivery.
- ``courier``: claims each delivery in the ledger, sends it once, retries, records.
- ``ledger`` and ``notifier``: the contracts storage and the platforms implement.
- ``wakeups``: the scheduler that only wakes the courier up.

docs/architecture.md follows a kickoff through these modules.
"""
