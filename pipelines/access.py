"""Who may do what: roles, the workspace's access.yaml, and the one check every change passes.

Three roles, as in Grafana: viewer (read every page, download what it shows), analyst (upload,
define metrics and periods, define and edit objectives and key results, check-ins and the band
preset; objectives and key results for their own teams or all), admin (also delete
data, manage roles, read the audit log). Deny by default: a signed-in person that access.yaml
does not name gets `everyone`'s role, which is none unless the admin says viewer. When several
entries match one person (their address and their groups) the most permissive wins, and an
analyst's teams are the union of the matching analyst entries (any entry without teams: all).

The check lives here and runs inside the service function a page or command calls, never only
by hiding a widget. Identity comes from outside: the dashboard's sign-in (Streamlit OIDC or a
trusted proxy header), or, in local mode and for the CLI, the operating-system user.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines.errors import OkrlensError
from pipelines.ingest.ledger import current_user
from pipelines.yamlio import load_model


class Role(enum.IntEnum):
    """A role; a higher one may do everything a lower one may."""

    NONE = 0
    VIEWER = 1
    ANALYST = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """The role's name as access.yaml spells it."""
        return self.name.lower()


class Action(enum.Enum):
    """A protected action: its wording in messages and the least role that may take it."""

    VIEW = ("read the dashboard", Role.VIEWER)
    EXPORT = ("download data", Role.VIEWER)
    UPLOAD = ("upload data", Role.ANALYST)
    EDIT_KEY_RESULT = ("edit key results", Role.ANALYST)
    CHECK_IN = ("add check-ins", Role.ANALYST)
    SET_BAND_PRESET = ("change the band preset", Role.ANALYST)
    DEFINE_METRICS = ("define metrics", Role.ANALYST)
    DEFINE_PERIODS = ("define OKR periods", Role.ANALYST)
    DEFINE_INITIATIVES = ("define initiatives", Role.ANALYST)
    RECORD_REFLECTIONS = ("record review reflections", Role.ANALYST)
    SET_UP_WORKSPACE = ("set up the workspace", Role.ADMIN)
    DELETE_DATA = ("delete data", Role.ADMIN)
    MANAGE_ROLES = ("manage roles", Role.ADMIN)
    MANAGE_BACKUPS = ("back up and restore the workspace", Role.ADMIN)
    READ_AUDIT = ("read the audit log", Role.ADMIN)

    def __init__(self, wording: str, least: Role) -> None:
        self.wording = wording
        self.least = least


# Actions an analyst may be limited to their own teams' objectives for.
TEAM_SCOPED = frozenset(
    {Action.EDIT_KEY_RESULT, Action.CHECK_IN, Action.DEFINE_INITIATIVES, Action.RECORD_REFLECTIONS}
)
SignIn = Literal["local", "oidc", "proxy"]
# An HTTP header name (RFC 9110 token), so a header setting can never carry anything else.
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")


class Grant(BaseModel):
    """One access.yaml entry: a role, and for an analyst optionally the teams it covers."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["viewer", "analyst", "admin"]
    teams: list[str] | None = None

    @property
    def level(self) -> Role:
        """The granted role."""
        return Role[self.role.upper()]


def _as_grant(value: object) -> object:
    """`analyst` is short for `{role: analyst}`."""
    return {"role": value} if isinstance(value, str) else value


class AccessSpec(BaseModel):
    """access.yaml: how people sign in, and the roles of people and groups."""

    model_config = ConfigDict(extra="forbid")
    sign_in: SignIn = "local"
    proxy_header: str = "X-Auth-Request-Email"
    proxy_groups_header: str | None = None
    everyone: Literal["none", "viewer"] = "none"
    users: dict[str, Grant] = Field(default_factory=dict)
    groups: dict[str, Grant] = Field(default_factory=dict)

    @field_validator("users", "groups", mode="before")
    @classmethod
    def _short_grants(cls, value: object) -> object:
        """Accept `name: role` as well as `name: {role: ..., teams: [...]}`."""
        if isinstance(value, dict):
            return {str(k): _as_grant(v) for k, v in value.items()}
        return value

    @field_validator("users")
    @classmethod
    def _addresses_case_blind(cls, value: dict[str, Grant]) -> dict[str, Grant]:
        """E-mail addresses match whatever their case."""
        return {k.strip().lower(): v for k, v in value.items()}

    @field_validator("proxy_header", "proxy_groups_header")
    @classmethod
    def _header_name(cls, value: str | None) -> str | None:
        """Only a plain HTTP header name."""
        if value is not None and not HEADER_NAME.match(value):
            raise ValueError("must be an HTTP header name such as X-Auth-Request-Email")
        return value

    def grants_of(self, who: str, groups: Iterable[str]) -> list[Grant]:
        """Every entry that applies to who, a member of groups."""
        found = [Grant(role="viewer")] if self.everyone == "viewer" else []
        if (grant := self.users.get(who.strip().lower())) is not None:
            found.append(grant)
        found.extend(self.groups[g] for g in groups if g in self.groups)
        return found


def load_access(path: Path) -> AccessSpec:
    """The workspace's access settings; local single-user mode when there is no access.yaml."""
    return load_model(path, AccessSpec) if path.exists() else AccessSpec()


@dataclass(frozen=True)
class Actor:
    """Someone acting: who, through which interface, with which role and team limits."""

    who: str
    role: Role
    via: str  # dashboard | cli | local
    teams: frozenset[str] | None = None  # None: every team

    def may(self, action: Action, team: str | None = None) -> bool:
        """True when this actor may take action: on an objective of team, or (team None) at all."""
        if self.role < action.least:
            return False
        if action in TEAM_SCOPED and team is not None and self.role < Role.ADMIN:
            return self.teams is None or team in self.teams
        return True

    def refusal(self, action: Action, team: str | None = None) -> OkrlensError:
        """The error that explains why this actor may not take action."""
        if self.role >= action.least:
            return OkrlensError(
                f"{self.who} may {action.wording} only for the teams "
                f"{', '.join(sorted(self.teams or ()))}, not for {team or 'this item'}",
                fix="ask an admin to add the team to your entry in access.yaml",
            )
        role = "no role" if self.role is Role.NONE else f"the {self.role.label} role"
        return OkrlensError(
            f"{self.who} has {role} here and may not {action.wording}",
            fix=f"ask an admin for the {action.least.label} role (access.yaml)",
        )


ANONYMOUS = Actor("an anonymous visitor", Role.NONE, "dashboard")


def actor_of(spec: AccessSpec, who: str, groups: Iterable[str], via: str) -> Actor:
    """The actor a signed-in person is, by the workspace's grants."""
    grants = spec.grants_of(who, list(groups))
    role = max((g.level for g in grants), default=Role.NONE)
    scoped = [g for g in grants if g.level is Role.ANALYST]
    teams = (
        None
        if role is not Role.ANALYST or any(g.teams is None for g in scoped)
        else frozenset(t for g in scoped for t in g.teams or ())
    )
    return Actor(who.strip().lower(), role, via, teams)


def local_actor(via: str) -> Actor:
    """The operating-system user, with every right: the CLI, and the dashboard in local mode.

    Whoever can run commands against the workspace folder can edit its files directly, so the
    file system's permissions are the CLI's access control; what it changes is still audited.
    """
    return Actor(current_user(), Role.ADMIN, via)


def require(actor: Actor, action: Action, team: str | None = None) -> None:
    """OkrlensError unless actor may take action (on an objective of team)."""
    if not actor.may(action, team):
        raise actor.refusal(action, team)


def groups_from_header(value: str | None) -> list[str]:
    """The groups a proxy header lists (comma-separated, as oauth2-proxy sends them)."""
    return [g.strip() for g in (value or "").split(",") if g.strip()]


def groups_from_claims(claims: Mapping[str, object]) -> list[str]:
    """The groups an OIDC ID token's `groups` claim lists, if it has one."""
    value = claims.get("groups")
    return [str(g) for g in value] if isinstance(value, list) else []
