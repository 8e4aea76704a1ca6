"""Dropdown entries for stacks, fleets and applications, with their labels and tooltips."""

from __future__ import annotations

from collections.abc import Iterable

from launcher.appstream.models import Application, Fleet, Stack
from launcher.ui.picker import PickerItem

CATALOG_LABEL = "Application catalog (no application)"
# Key of the catalog entry: no ApplicationId is sent, so the user sees the stack's catalog.
CATALOG_KEY = ""
NOT_RUNNING_MARK = "⚠"


def stack_item(stack: Stack) -> PickerItem:
    details = [f"Stack: {stack.name}"]
    if stack.description:
        details.append(stack.description)
    if stack.access_endpoints:
        details.append("Streaming is restricted to VPC endpoints")
    return PickerItem(stack.name, stack.label, stack, "\n".join(details))


def fleet_label(fleet: Fleet) -> str:
    """Return the fleet's label, with a warning mark when it is not RUNNING, e.g. "⚠ STOPPED"."""
    if fleet.is_running:
        return fleet.label
    return f"{NOT_RUNNING_MARK} {fleet.label}"


def fleet_item(fleet: Fleet) -> PickerItem:
    details = [f"Fleet: {fleet.name}", f"State: {fleet.state}", f"Type: {fleet.fleet_type}", f"Stream view: {fleet.stream_view}"]
    if fleet.instance_type:
        details.append(f"Instance type: {fleet.instance_type}")
    if fleet.image_name:
        details.append(f"Image: {fleet.image_name}")
    return PickerItem(fleet.name, fleet_label(fleet), fleet, "\n".join(details))


def pending_fleet_item(name: str) -> PickerItem:
    """Return the entry of a fleet known by name only, until DescribeFleets returns its state."""
    return PickerItem(name, name, None, f"Fleet: {name}\nState: loading…")


def catalog_item() -> PickerItem:
    return PickerItem(CATALOG_KEY, CATALOG_LABEL, None, "Open the stack's application catalog; no application ID is sent")


def application_items(applications: Iterable[Application]) -> list[PickerItem]:
    """Return the catalog entry followed by one entry per application (display name shown, name sent)."""
    items = [catalog_item()]
    for application in applications:
        tooltip = f"Application: {application.name}"
        items.append(PickerItem(application.name, _unique_label(application, items), application, tooltip))
    return items


def _unique_label(application: Application, items: list[PickerItem]) -> str:
    """Return the display name, with the name added when another entry already shows that text."""
    label = application.label
    if any(item.label == label for item in items):
        return f"{label} ({application.name})"
    return label


def fleet_state_note(fleet: Fleet) -> str:
    """Return the warning shown below the fleet dropdown for a fleet that is not RUNNING, else ""."""
    if fleet.is_running:
        return ""
    return (
        f"{NOT_RUNNING_MARK} Fleet {fleet.name} is {fleet.state}. Streaming sessions start only on a RUNNING fleet; "
        "start it in the AppStream console first."
    )
