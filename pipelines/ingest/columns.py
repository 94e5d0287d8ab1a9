"""Which file column plays which role: synonyms an export tool may use, or the analyst's mapping."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pipelines.errors import OkrlensError
from pipelines.ingest.dialect import Dialect, slug

# Role -> column names (as slugs) that export tools use for it, most specific first.
EVENT_ROLES: dict[str, tuple[str, ...]] = {
    "event_time": (
        "event_time",
        "timestamp",
        "event_timestamp",
        "occurred_at",
        "time",
        "ts",
        "datetime",
        "created_at",
        "created_utc",  # Stripe's payments export: `Created (UTC)`
        "created",
    ),
    # Last: a customer stands for the user in billing exports (Stripe's `Customer ID`).
    "user_id": ("user_id", "distinct_id", "userid", "user", "uid", "person_id", "customer_id"),
    "event_name": ("event_name", "event", "event_type", "action"),
    "account_id": (
        "account_id",
        "account",
        "group_id",
        "org_id",
        "organization_id",
        "company_id",
        "institution_id",
        "institution",
    ),
}
EVENT_REQUIRED = ("event_time", "user_id", "event_name")
# The id a tool gives each event it sends (Mixpanel's and Amplitude's `$insert_id`, Segment's
# `messageId`): an event's identity with its second, user and name. Kept apart from EVENT_ROLES,
# whose roles are the columns every events file is about; `--map insert_id=id` names another.
INSERT_ID_ROLE: dict[str, tuple[str, ...]] = {"insert_id": ("insert_id", "messageid", "message_id")}
# Columns holding each event's properties as one JSON object (Amplitude, Segment): their keys
# are expanded into properties.
JSON_PROPERTY_COLUMNS = ("properties", "event_properties")
# Role -> column names (slugs) that could play it but usually hold something else: a CRM or
# billing export's `Name` is a customer's name, so it is never taken without a --map.
PEOPLE_NAMES = ("name", "full_name", "customer_name", "contact_name")
DOUBTFUL: dict[str, tuple[str, ...]] = {"event_name": PEOPLE_NAMES, "metric": PEOPLE_NAMES}

KPI_ROLES: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "day",
        "week",
        "month",
        "quarter",
        "period",
        "period_start",
        "time",
        "timestamp",
    ),
    "metric": ("metric", "kpi", "metric_name", "measure", "series"),
    "value": ("value", "amount", "total", "count"),
    "segment": ("segment", "dimension", "breakdown", "group", "plan", "region"),
}


def resolve_roles(
    dialect: Dialect,
    roles: Mapping[str, tuple[str, ...]],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Role -> staged column for every role found, explicit overrides first, then synonyms."""
    by_slug = dict(zip(dialect.columns, dialect.columns, strict=True))
    found: dict[str, str] = {}
    for role, label in (overrides or {}).items():
        if role not in roles:
            raise OkrlensError(
                f"unknown column role {role!r} in the mapping",
                where=f"--map {role}={label}",
                fix=f"use one of: {', '.join(roles)}",
            )
        column = by_slug.get(slug(label))
        if column is None:
            raise OkrlensError(
                f"the mapping names column {label!r}, which {dialect.path.name} does not have",
                where=f"--map {role}={label}",
                fix=f"use one of the file's columns: {', '.join(dialect.header)}",
            )
        found[role] = column
    taken = set(found.values())
    for role, synonyms in roles.items():
        if role in found:
            continue
        match = next((s for s in synonyms if s in by_slug and s not in taken), None)
        if match is not None:
            found[role] = match
            taken.add(match)
    return found


def require(
    dialect: Dialect, found: Mapping[str, str], required: tuple[str, ...], kind: str
) -> None:
    """OkrlensError naming the missing roles when a required role has no column."""
    missing = [role for role in required if role not in found]
    if not missing:
        return
    for role in missing:
        refuse_people_names(
            dialect,
            role,
            "if {label!r} names what happened",
            "export the event column too, or give every row one event name with --event-name",
        )
    raise OkrlensError(
        f"{dialect.path.name} does not look like {kind}: no column for "
        f"{', '.join(missing)} (found columns: {', '.join(dialect.header)})",
        where=f"{dialect.path.name}, line {dialect.header_line}",
        fix=f"rename the column in the file, or map it, e.g. --map {missing[0]}=<column>"
        + (
            "; or give every row one event name with --event-name NAME"
            if "event_name" in missing
            else ""
        ),
    )


def refuse_people_names(
    dialect: Dialect,
    role: str,
    meaning: str,
    otherwise: str,
    left_out: Collection[str] = (),
) -> None:
    """OkrlensError when a column that usually holds people's names could be taken as role.

    meaning says when the mapping is right ("if {label!r} names what happened"), otherwise
    what to do instead; the analyst decides with --map, okrlens never guesses. Columns in
    left_out (staged names) are not candidates.
    """
    labels = dict(zip(dialect.columns, dialect.header, strict=True))
    doubtful = (c for c in DOUBTFUL.get(role, ()) if c in labels and c not in left_out)
    label = next((labels[c] for c in doubtful), None)
    if label is None:
        return
    raise OkrlensError(
        f"{dialect.path.name} has no column for {role}; its column {label!r} usually holds "
        f"people's names, so okrlens does not take it as {role} on a guess "
        f"(found columns: {', '.join(dialect.header)})",
        where=f"{dialect.path.name}, line {dialect.header_line}",
        fix=f"{meaning.format(label=label)}, say so with --map {role}={label}; "
        f"otherwise {otherwise.format(label=label)}",
    )


def looks_like_events(dialect: Dialect) -> bool:
    """True when the file has columns for every required event role (else it is a KPI export)."""
    found = resolve_roles(dialect, EVENT_ROLES)
    return all(role in found for role in EVENT_REQUIRED)
