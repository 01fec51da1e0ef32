"""Handlers for /targets: the member's private list of target employers (the LAMP list)."""

from __future__ import annotations

import csv
import io

from bot.commands.registry import Args
from bot.engine import Engine
from bot.errors import UserError
from bot.invocation import Invocation
from bot.replies import Attachment, Reply
from bot.spreadsheets import csv_safe
from bot.targets import (
    ACTIVE,
    DEFAULT_MOTIVATION,
    NewTarget,
    Target,
    employer_key,
    parse_target_csv,
)
from bot.texts import plural

SHOWN = 20
_MOTIVATION = {1: "curious", 2: "keen", 3: "dream"}


def _describe(target: Target) -> str:
    notes = [f"motivation {target.motivation} ({_MOTIVATION[target.motivation]})"]
    if target.posting:
        notes.append("posting open")
    if target.advocate:
        notes.append("an advocate there")
    return f"{target.employer}: {', '.join(notes)}"


async def show(engine: Engine, inv: Invocation, args: Args) -> Reply:
    targets, linked = await engine.targets_with_contacts(inv)
    if not targets:
        return Reply(
            "Your target list is empty. List employers you'd like to work for, e.g. "
            "`/targets add Acme motivation:3 advocate:yes`, or import a CSV with "
            "`/targets import` (a file on Discord and Slack, a path in the console). Only you "
            "can see it."
        )
    lines = []
    for rank, target in enumerate(targets[:SHOWN], start=1):
        marker = "⭐ " if rank <= ACTIVE else ""
        count = linked.get(employer_key(target.employer), 0)
        contacts = f" · {plural(count, 'contact')}" if count else ""
        lines.append(f"{rank}. {marker}{_describe(target)}{contacts}")
    if len(targets) > SHOWN:
        lines.append(f"…and {len(targets) - SHOWN} more (`/mydata export` has them all).")
    return Reply(
        "\n".join(lines)
        + f"\n⭐ the top {ACTIVE}: work these now. `/targets next` suggests where to write.",
        title="Your target employers (only you can see this)",
    )


async def add(engine: Engine, inv: Invocation, args: Args) -> Reply:
    employer = args.text("org")
    assert employer is not None
    target = NewTarget(
        employer,
        bool(args.flag("advocate")),
        args.integer("motivation") or DEFAULT_MOTIVATION,
        bool(args.flag("posting")),
    )
    total = await engine.save_targets(inv, [target])
    ranked = await engine.targets(inv)
    rank = next(i for i, t in enumerate(ranked, 1) if t.employer.casefold() == employer.casefold())
    active = " It's in your active five. ⭐" if rank <= ACTIVE else ""
    return Reply(f"Saved {employer}: number {rank} of {total} on your list.{active}")


async def remove(engine: Engine, inv: Invocation, args: Args) -> Reply:
    employer = args.text("org")
    assert employer is not None
    if not await engine.remove_target(inv, employer):
        raise UserError(f"{employer} isn't on your list; `/targets` shows it.")
    return Reply(f"Took {employer} off your list.")


async def import_list(engine: Engine, inv: Invocation, args: Args) -> Reply:
    text = args.text("csv")
    assert text is not None
    targets = parse_target_csv(text)
    total = await engine.save_targets(inv, targets)
    return Reply(
        f"Imported {plural(len(targets), 'employer')}; your list has {total}. "
        "`/targets` shows the ranking, `/targets next` where to write first."
    )


async def suggest(engine: Engine, inv: Invocation, args: Args) -> Reply:
    targets = await engine.targets(inv)
    if not targets:
        return Reply("Add a few employers first: `/targets add Acme motivation:3`.")
    target = await engine.next_target(inv)
    if target is None:
        return Reply(
            "Every employer on your list has an email waiting for a reply. That's the job "
            "done for now: add a few more with `/targets add`, or wait for the follow-up dates."
        )
    return Reply(
        f"Next: {_describe(target)}. Find one person there (an alum first, if you can) and "
        f'write a short note; `/sent NAME org:"{target.employer}"` links them to this target.'
    )


async def export(engine: Engine, inv: Invocation, args: Args) -> Reply:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["employer", "alumni", "motivation", "posting"])
    for target in await engine.targets(inv):
        writer.writerow(
            [
                csv_safe(target.employer),
                "yes" if target.advocate else "no",
                target.motivation,
                "yes" if target.posting else "no",
            ]
        )
    return Reply(
        "Your target list as CSV, in ranked order (it imports back as it is).",
        attachment=Attachment(f"reachout-targets-{inv.now:%Y-%m-%d}.csv", out.getvalue().encode()),
    )
