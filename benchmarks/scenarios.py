"""Emulator scenarios for the benchmarks: a large account, built in memory from a few parameters."""

from __future__ import annotations

from typing import Any

# Images the generated fleets share. Each image carries a few applications.
IMAGE_COUNT = 20
APPLICATIONS_PER_IMAGE = 8
INSTANCE_TYPES = ("stream.standard.medium", "stream.standard.large", "stream.compute.large")


def large_account(stack_count: int = 1000, fleet_count: int = 2000) -> dict[str, Any]:
    """Return a scenario dict with `stack_count` stacks and `fleet_count` fleets.

    Fleet i runs image i % IMAGE_COUNT. Stack j is associated with fleets 2j and 2j+1 (modulo
    the fleet count), so every stack has two fleets. Every tenth fleet is STOPPED.
    """
    images = [
        {
            "Name": f"image-{index:03d}",
            "DisplayName": f"Image {index:03d}",
            "Applications": [
                {
                    "Name": f"app-{index:03d}-{number}",
                    "DisplayName": f"Application {number} of image {index:03d}",
                    "LaunchPath": f"C:\\Apps\\app{number}.exe",
                    "Enabled": number != 0,
                }
                for number in range(APPLICATIONS_PER_IMAGE)
            ],
        }
        for index in range(IMAGE_COUNT)
    ]
    fleets = [
        {
            "Name": f"fleet-{index:05d}",
            "DisplayName": f"Fleet {index:05d}",
            "ImageName": f"image-{index % IMAGE_COUNT:03d}",
            "InstanceType": INSTANCE_TYPES[index % len(INSTANCE_TYPES)],
            "FleetType": "ON_DEMAND" if index % 2 else "ALWAYS_ON",
            "ComputeCapacity": {"DesiredInstances": 1 + index % 4},
            "State": "STOPPED" if index % 10 == 9 else "RUNNING",
        }
        for index in range(fleet_count)
    ]
    stacks = [
        {
            "Name": f"stack-{index:05d}",
            "DisplayName": f"Department {index % 37} stack {index:05d}",
            "Description": f"Generated stack {index} of the large-account benchmark",
            "Fleets": sorted({f"fleet-{(2 * index) % fleet_count:05d}", f"fleet-{(2 * index + 1) % fleet_count:05d}"}),
        }
        for index in range(stack_count)
    ]
    return {
        "Description": f"Benchmark account with {stack_count} stacks and {fleet_count} fleets",
        "Images": images,
        "Fleets": fleets,
        "Stacks": stacks,
    }
