"""The password policy and Argon2id hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from portal.accounts import passwords
from portal.accounts.passwords import HASHER as PRODUCTION_HASHER
from portal.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)


@pytest.mark.parametrize(
    "password",
    [
        "Portal-Test-2026",
        "kTq7mWzR",  # exactly 8, three classes
        "tqwmz7k!",  # lower, digit, symbol
        "TQWMZ7K!",
        "Abcdefg!",
        "长沙Film2026",  # Chinese characters count as symbols
        "Aa1" + "x" * 125,  # exactly 128
    ],
)
def test_strong_passwords_pass(password: str) -> None:
    assert password_problems(password, username="cinema1") == []


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("Ab1-xyz", "", "at least 8"),
        ("", "", "at least 8"),
        ("Aa1" + "x" * 126, "", "at most 128"),
        ("abcdefghij", "", "three of"),
        ("ABCDEFGHIJ", "", "three of"),
        ("1234567890", "", "three of"),
        ("abcdefgh12", "", "three of"),
        ("ABCDEFGH!!", "", "three of"),
        ("Cinema1-2026", "cinema1", "user name"),
        ("xxCINEMA1xx!", "cinema1", "user name"),  # case does not hide it
    ],
)
def test_weak_passwords_are_explained(password: str, username: str, problem: str) -> None:
    problems = password_problems(password, username=username)
    assert any(problem in p for p in problems), problems


def test_all_problems_are_listed_together() -> None:
    assert len(password_problems("abc", username="abc")) == 3


def test_no_username_means_no_username_rule() -> None:
    assert password_problems("Portal-Test-2026", username="") == []


def test_hash_is_argon2id_and_salted() -> None:
    first, second = hash_password("Portal-Test-2026"), hash_password("Portal-Test-2026")
    assert first.startswith("$argon2id$")
    assert first != second
    assert "Portal-Test-2026" not in first


def test_verify() -> None:
    stored = hash_password("Portal-Test-2026")
    assert verify_password(stored, "Portal-Test-2026") is True
    assert verify_password(stored, "portal-test-2026") is False
    assert verify_password(stored, "") is False


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$v=19$m=1,t=1,p=1$xx$yy"])
def test_verify_never_raises_for_a_corrupt_hash(stored: str) -> None:
    assert verify_password(stored, "Portal-Test-2026") is False


def test_a_current_hash_needs_no_rehash() -> None:
    assert needs_rehash(hash_password("Portal-Test-2026")) is False


def test_a_weaker_hash_needs_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("Portal-Test-2026")
    assert needs_rehash(weak) is True
    assert verify_password(weak, "Portal-Test-2026") is True


def test_production_parameters_meet_owasp_minimums() -> None:
    """The portal's own hasher (captured before the tests swap in a cheap one)."""
    assert PRODUCTION_HASHER is not passwords.HASHER
    assert PRODUCTION_HASHER.type is Type.ID
    assert PRODUCTION_HASHER.memory_cost >= 19 * 1024  # KiB
    assert PRODUCTION_HASHER.time_cost >= 2
