"""Fixtures of the policy-engine tests. None of them needs a database or Django."""

from __future__ import annotations

from pathlib import Path

import pytest

from jkfp.policy import PolicySet, load_policies

REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "policies"
CASES = REPO / "tests" / "policy_cases"
FIXTURE_POLICIES = CASES / "policies"


@pytest.fixture(scope="session")
def policies() -> PolicySet:
    return load_policies(POLICIES)


@pytest.fixture(scope="session")
def fixture_policies() -> PolicySet:
    return load_policies(FIXTURE_POLICIES)
