"""Shared fixtures: no test sees the real CI environment, proxies or TLS settings."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from gimlet_ci._retry import set_testing

_STRIP = re.compile(
    r"^(CI|CI_.*|CONTINUOUS_INTEGRATION|BUILD_.*|GITHUB_.*|RUNNER_.*|ACTIONS_.*|INPUT_.*|PLUGIN_.*|PARAM_.*|"
    r"GIMLET_.*|CIRCLE.*|DRONE.*|WOODPECKER.*|GITLAB.*|BITBUCKET_.*|BUILDKITE.*|JENKINS_.*|TF_BUILD|SYSTEM_.*|"
    r"TRAVIS.*|BASH_ENV|(?i:https?_proxy|all_proxy|no_proxy)|SSL_CERT_.*|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|"
    r"NO_COLOR|FORCE_COLOR)$",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Strip CI, proxy and TLS variables so that our own CI's environment never leaks into a test."""
    for name in list(os.environ):
        if _STRIP.match(name):
            monkeypatch.delenv(name, raising=False)
    return


@pytest.fixture(autouse=True)
def _test_mode() -> Iterator[None]:
    """Every retry and poll interval is zero in tests: only the local server's small delays take time."""
    set_testing(True)
    yield
    set_testing(False)
