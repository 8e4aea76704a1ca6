"""Scenario loading and validation, and the Emulator object's settings and lifecycle."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from launcher.emulator import Emulator, ScenarioError, start_emulator
from launcher.emulator.scenario import load_scenario
from emulator_clients import appstream_client


def minimal_scenario() -> dict[str, Any]:
    return {
        "Images": [{"Name": "base-image", "Applications": [{"Name": "notepad", "LaunchPath": "C:\\notepad.exe"}]}],
        "Fleets": [
            {
                "Name": "only-fleet",
                "ImageName": "base-image",
                "InstanceType": "stream.standard.small",
                "ComputeCapacity": {"DesiredInstances": 1},
            }
        ],
        "Stacks": [{"Name": "only-stack", "Fleets": ["only-fleet"]}],
    }


def invalid_variant(change) -> dict[str, Any]:
    scenario = copy.deepcopy(minimal_scenario())
    change(scenario)
    return scenario


# Loading.


def test_sample_scenario_loads():
    scenario = load_scenario(None)
    assert len(scenario.stacks) >= 24
    assert scenario.user_arn == "arn:aws:iam::123456789012:user/demo"


def test_sample_scenario_stack_without_fleets():
    scenario = load_scenario(None)
    assert any(not stack.fleet_names for stack in scenario.stacks)


def test_sample_scenario_fleet_in_several_stacks():
    scenario = load_scenario(None)
    counts = {fleet.name: sum(fleet.name in stack.fleet_names for stack in scenario.stacks) for fleet in scenario.fleets}
    assert max(counts.values()) > 1


def test_dict_scenario_replaces_sample_data():
    with start_emulator(minimal_scenario()) as emu:
        stacks = appstream_client(emu).describe_stacks()["Stacks"]
    assert [stack["Name"] for stack in stacks] == ["only-stack"]


def test_file_scenario_replaces_sample_data(tmp_path: Path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(minimal_scenario()), encoding="utf-8")
    with start_emulator(path) as emu:
        fleets = appstream_client(emu).describe_fleets()["Fleets"]
    assert [fleet["Name"] for fleet in fleets] == ["only-fleet"]


def test_minimal_scenario_defaults():
    with start_emulator(minimal_scenario()) as emu:
        fleet = appstream_client(emu).describe_fleets()["Fleets"][0]
    assert fleet["State"] == "RUNNING"
    assert fleet["FleetType"] == "ON_DEMAND"
    assert fleet["StreamView"] == "APP"
    assert fleet["ImageArn"] == "arn:aws:appstream:us-east-1:123456789012:image/base-image"


# Validation errors name the problem.


def test_scenario_file_missing(tmp_path: Path):
    with pytest.raises(ScenarioError) as excinfo:
        load_scenario(tmp_path / "missing.json")
    assert "missing.json" in str(excinfo.value)


def test_scenario_file_not_json(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{"Stacks": [', encoding="utf-8")
    with pytest.raises(ScenarioError) as excinfo:
        load_scenario(path)
    assert "not valid JSON" in str(excinfo.value)
    assert "line 1" in str(excinfo.value)


def test_scenario_top_level_not_object(tmp_path: Path):
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ScenarioError) as excinfo:
        load_scenario(path)
    assert "must be a JSON object" in str(excinfo.value)


def test_scenario_argument_type_rejected():
    with pytest.raises(TypeError):
        load_scenario(["Stacks"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.pop("Stacks"), "scenario.Stacks is missing"),
        (lambda s: s["Stacks"][0]["Fleets"].append("ghost-fleet"), "'ghost-fleet' is not the Name of any entry in Fleets"),
        (lambda s: s["Fleets"][0].pop("InstanceType"), "InstanceType is missing"),
        (lambda s: s["Fleets"][0].update(ImageName="ghost-image"), "'ghost-image' is not the Name of any entry in Images"),
        (lambda s: s["Fleets"][0].update(FleetType="SPOT"), "must be one of ALWAYS_ON, ON_DEMAND, ELASTIC"),
        (lambda s: s["Fleets"][0].update(State="STARTING"), "must be one of RUNNING, STOPPED"),
        (lambda s: s["Fleets"][0].update(Colour="blue"), "unknown member(s) Colour"),
        (lambda s: s["Fleets"][0].update(ComputeCapacity={}), "ComputeCapacity"),
        (lambda s: s["Stacks"].append({"Name": "only-stack"}), "contain the Name 'only-stack' more than once"),
        (lambda s: s["Stacks"][0].update(Name="bad name"), "must start with a letter or digit"),
        (lambda s: s["Stacks"][0].update(CreatedTime="yesterday"), "is not an ISO 8601 time"),
        (lambda s: s["Stacks"][0].update(AccessEndpoints=[{"EndpointType": "STREAMING", "VpceId": "x"}]), "VpceId"),
        (lambda s: s.update(AccountId="12345"), "AccountId must be 12 digits"),
        (
            lambda s: s.update(ApplicationFleetAssociations=[{"FleetName": "only-fleet", "ApplicationArn": "arn:x"}]),
            "only ELASTIC fleets take applications",
        ),
        (
            lambda s: s.update(Sessions=[{"UserId": "u1", "StackName": "only-stack", "FleetName": "other"}]),
            "'other' is not associated with stack 'only-stack'",
        ),
        (lambda s: s.update(Roles=[{"Arn": "arn:aws:iam::123456789012:user/demo"}]), "is not an IAM role ARN"),
    ],
)
def test_scenario_validation_names_problem(change, expected):
    with pytest.raises(ScenarioError) as excinfo:
        load_scenario(invalid_variant(change))
    assert expected in str(excinfo.value)


def test_elastic_fleet_needs_max_concurrent_sessions():
    scenario = minimal_scenario()
    scenario["Fleets"].append({"Name": "elastic", "InstanceType": "stream.standard.small", "FleetType": "ELASTIC"})
    with pytest.raises(ScenarioError) as excinfo:
        load_scenario(scenario)
    assert "MaxConcurrentSessions is missing" in str(excinfo.value)


def test_start_emulator_invalid_scenario_raises():
    with pytest.raises(ScenarioError):
        start_emulator({"Stacks": []})


# Emulator settings and lifecycle.


def test_start_emulator_rejects_non_loopback_host():
    with pytest.raises(ValueError) as excinfo:
        start_emulator(host="192.0.2.10")
    assert "loopback" in str(excinfo.value)


def test_start_emulator_rejects_host_name():
    with pytest.raises(ValueError) as excinfo:
        start_emulator(host="example.com")
    assert "loopback" in str(excinfo.value)


def test_start_emulator_localhost_uses_ipv4_loopback():
    with start_emulator(host="localhost") as emu:
        assert emu.endpoint_url.startswith("http://127.0.0.1:")


def test_endpoint_url_has_port():
    with start_emulator() as emu:
        assert emu.endpoint_url == f"http://127.0.0.1:{emu.port}"


@pytest.mark.parametrize("value", [0, -3, 2.5, True])
def test_page_size_invalid_rejected(value):
    with start_emulator() as emu:
        with pytest.raises(ValueError):
            emu.page_size = value


def test_page_size_argument_applies():
    with start_emulator(page_size=4) as emu:
        stacks = appstream_client(emu).describe_stacks()["Stacks"]
    assert len(stacks) == 4


def test_stop_twice_is_safe():
    emu = start_emulator()
    emu.stop()
    emu.stop()
    with pytest.raises(RuntimeError):
        _ = emu.port


def test_emulator_context_manager_starts_and_stops():
    emulator = Emulator()
    with emulator as emu:
        assert appstream_client(emu).describe_stacks()["Stacks"]
    with pytest.raises(RuntimeError):
        _ = emulator.endpoint_url


def test_two_emulators_are_independent():
    with start_emulator() as first, start_emulator() as second:
        first.faults.deny("DescribeStacks")
        assert appstream_client(second).describe_stacks()["Stacks"]
        assert first.port != second.port


def test_start_emulator_ipv6_loopback():
    try:
        emu = start_emulator(host="::1")
    except OSError as error:
        pytest.skip(f"IPv6 loopback not available: {error}")
    with emu:
        stacks = appstream_client(emu).describe_stacks()["Stacks"]
        assert emu.endpoint_url.startswith("http://[::1]:")
    assert len(stacks) == 10


def test_deny_needs_operation():
    with start_emulator() as emu:
        with pytest.raises(ValueError):
            emu.faults.deny(None)  # type: ignore[arg-type]
