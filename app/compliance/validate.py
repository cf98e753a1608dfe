"""Type checks for Graph policy JSON: each wrong value becomes a Problem naming its property."""

from __future__ import annotations

from typing import Any

from app.compliance.properties import (
    INT32_MAX,
    MAX_BUILD_RANGES,
    MAX_GRACE_HOURS,
    NO_TEMPLATE,
    ActionType,
    Kind,
    Prop,
    ScheduledAction,
    VersionRange,
)
from app.compliance.versions import parse_version
from app.errors import InputError, Problem

_ACTIONS = tuple(a.value for a in ActionType)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Checker:
    """Collects the problems of one document, then raises them all at once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def fail(self, prop: str | None, reason: str) -> None:
        self.problems.append(Problem(self.source, None, prop, reason))

    def raise_if_any(self) -> None:
        if self.problems:
            count = len(self.problems)
            raise InputError(
                f"{self.source}: the compliance policy was refused ({count} problem"
                f"{'s' if count > 1 else ''}); nothing was imported",
                self.problems,
            )

    # -- scalar types -----------------------------------------------------------------------

    def text(self, name: str, value: object, *, required: bool = False) -> str | None:
        if value is None or (value == "" and not required):
            if required:
                self.fail(name, "is required (the policy's name)")
            return None
        if not isinstance(value, str):
            self.fail(name, f"must be text, not {_shown(value)}")
            return None
        if required and not value.strip():
            self.fail(name, "is required (the policy's name), not blank")
            return None
        return value

    def int32(self, name: str, value: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT32_MAX:
            self.fail(name, f"must be a whole number from 0 to {INT32_MAX}, not {_shown(value)}")
            return None
        return value

    def strings(self, name: str, value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, f"must be a list of text values, not {_shown(value)}")
            return ()
        return tuple(value)

    def version(self, name: str, value: object) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or parse_version(value) is None:
            self.fail(name, f"must be a version such as 10.0.19045.2965, not {_shown(value)}")
            return None
        return value.strip()

    # -- settings ---------------------------------------------------------------------------

    def setting(self, prop: Prop, value: object) -> Any:
        """The parsed value of one setting property, or None (after a problem) if it is wrong."""
        kind = prop.kind
        if kind is Kind.BOOL:
            if value is not None and not isinstance(value, bool):
                self.fail(prop.name, f"must be true or false, not {_shown(value)}")
                return None
            return value
        if kind is Kind.INT32:
            return self.int32(prop.name, value)
        if kind is Kind.VERSION:
            return self.version(prop.name, value)
        if kind is Kind.ENUM:
            if value is not None and value not in prop.choices:
                self.fail(
                    prop.name, f"must be one of {', '.join(prop.choices)}, not {_shown(value)}"
                )
                return None
            return value
        if kind is Kind.RANGES:
            return self.ranges(prop.name, value)
        if kind is Kind.OBJECT:
            if value is not None and not isinstance(value, dict):
                self.fail(prop.name, f"must be an object, not {_shown(value)}")
                return None
            return value
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, dict) for v in value)
        ):
            self.fail(prop.name, f"must be a list of objects, not {_shown(value)}")
            return None
        return value

    def ranges(self, name: str, value: object) -> Any:
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(name, f"must be a list of version ranges, not {_shown(value)}")
            return None
        if len(value) > MAX_BUILD_RANGES:
            self.fail(name, f"holds {len(value)} ranges; Graph allows {MAX_BUILD_RANGES}")
            return None
        found: list[VersionRange] = []
        for index, item in enumerate(value):
            where = f"{name}[{index}]"
            if not isinstance(item, dict):
                self.fail(where, f"must be an object, not {_shown(item)}")
                continue
            low = self.version(f"{where}.lowestVersion", item.get("lowestVersion"))
            high = self.version(f"{where}.highestVersion", item.get("highestVersion"))
            description = self.text(f"{where}.description", item.get("description"))
            if low is None or high is None:
                if item.get("lowestVersion") in (None, "") or item.get("highestVersion") in (
                    None,
                    "",
                ):
                    self.fail(where, "needs both lowestVersion and highestVersion")
                continue
            if (parse_version(low) or ()) > (parse_version(high) or ()):
                self.fail(where, f"lowestVersion {low} is above highestVersion {high}")
                continue
            found.append(VersionRange(low, high, description))
        return tuple(found)

    # -- actions for noncompliance ------------------------------------------------------------

    def actions(self, value: object) -> tuple[str | None, tuple[ScheduledAction, ...]]:
        """(ruleName, actions) of scheduledActionsForRule; () when absent (Graph GET omits it)."""
        name = "scheduledActionsForRule"
        if value is None or value == []:
            return None, ()
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            self.fail(name, f"must be a list of rules, not {_shown(value)}")
            return None, ()
        if len(value) > 1:
            self.fail(name, "holds more than one rule; Intune policies have one")
            return None, ()
        rule = value[0]
        rule_name = self.text(f"{name}[0].ruleName", rule.get("ruleName"))
        configs = rule.get("scheduledActionConfigurations") or []
        if not isinstance(configs, list):
            self.fail(f"{name}[0].scheduledActionConfigurations", "must be a list of actions")
            return None, ()
        found = [
            self.action(f"{name}[0].scheduledActionConfigurations[{i}]", c)
            for i, c in enumerate(configs)
        ]
        actions = tuple(a for a in found if a is not None)
        blocks = sum(1 for a in actions if a.action_type == ActionType.BLOCK)
        if blocks > 1:
            self.fail(name, "holds more than one block (mark noncompliant) action")
        if blocks == 0:  # Intune always has one; an absent one means "immediately"
            actions = (ScheduledAction(ActionType.BLOCK.value), *actions)
        return rule_name, actions

    def action(self, where: str, item: object) -> ScheduledAction | None:
        if not isinstance(item, dict):
            self.fail(where, f"must be an object, not {_shown(item)}")
            return None
        kind = item.get("actionType")
        if kind not in _ACTIONS:
            self.fail(
                f"{where}.actionType", f"must be one of {', '.join(_ACTIONS)}, not {_shown(kind)}"
            )
            return None
        hours = item.get("gracePeriodHours", 0)
        if (
            isinstance(hours, bool)
            or not isinstance(hours, int)
            or not (0 <= hours <= MAX_GRACE_HOURS)
        ):
            self.fail(
                f"{where}.gracePeriodHours",
                f"must be 0 to {MAX_GRACE_HOURS} hours, not {_shown(hours)}",
            )
            return None
        template = item.get("notificationTemplateId") or ""
        if not isinstance(template, str):
            self.fail(f"{where}.notificationTemplateId", f"must be text, not {_shown(template)}")
            return None
        if template == NO_TEMPLATE:  # Graph's "no template"; Joinery keeps it as ""
            template = ""
        cc = self.strings(
            f"{where}.notificationMessageCCList", item.get("notificationMessageCCList")
        )
        return ScheduledAction(str(kind), hours, template, cc)
