"""Signing in to the local org: the client-credentials and JWT bearer flows, and their options."""

import time
from urllib.parse import urlsplit

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from salesforce_server import MockOrg, deal, quick_policy, serving

from kpiengine import FetchRequest, SourceError
from kpiengine.cli.commands import cli
from kpiengine_salesforce import SalesforceSource
from kpiengine_salesforce.auth import audience

TOKEN = "/services/oauth2/token"


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(private_key, password=None):
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


@pytest.fixture
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(SalesforceSource, "retry_policy", quick_policy(recorded))
    return recorded


@pytest.fixture
def org(key, sleeps):
    with serving(MockOrg(public_key=key.public_key())) as mock:
        deal(mock, mock.add_user("Li", "li@acme.example"), 10, "Closed Won", "2025-01-01")
        yield mock


def fetch(org, tmp_path, options):
    request = FetchRequest("deals", {"amount": "number"}, frozenset(), None, None, tmp_path)
    return SalesforceSource("deals", options, tmp_path).fetch(request)


def jwt_options(org, tmp_path, key, **more):
    (tmp_path / "sf.key").write_bytes(pem(key))
    base = {
        "client_id": org.client_id,
        "username": org.username,
        "private_key_file": "sf.key",
        "login_url": org.url,
    }
    return {**base, **more}


def secret_options(org, **more):
    base = {"instance_url": org.url, "client_id": org.client_id, "client_secret": org.client_secret}
    return {**base, **more}


# -- client credentials ------------------------------------------------------------------------


def test_client_credentials_post_a_form_to_the_orgs_token_endpoint(org, tmp_path):
    assert fetch(org, tmp_path, secret_options(org)).num_rows == 1
    (sign_in,) = org.token_requests
    assert sign_in.method == "POST"
    assert sign_in.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sign_in.form == {
        "grant_type": "client_credentials",
        "client_id": org.client_id,
        "client_secret": org.client_secret,
    }
    (query,) = org.seen("/query")
    assert query.headers["authorization"] == f"Bearer {org.issued[0]}"


@pytest.mark.parametrize(
    ("wrong", "answer"),
    [
        ({"client_secret": "not-the-secret-123"}, "(invalid_client: invalid client credentials)"),
        ({"client_id": "not-the-consumer-key"}, "(invalid_client_id: client identifier invalid)"),
    ],
)
def test_refused_client_credentials_stop_at_once_naming_the_options(
    org, tmp_path, sleeps, wrong, answer
):
    with pytest.raises(SourceError) as failure:
        fetch(org, tmp_path, secret_options(org, **wrong))
    message = str(failure.value)
    assert message.startswith(f"Salesforce refused to sign in source 'deals' {answer}")
    assert "check client_id and client_secret" in message
    assert all(secret not in message for secret in wrong.values())
    assert len(org.requests) == 1 and sleeps == []


def test_the_api_base_is_the_instance_url_the_sign_in_names(org, tmp_path):
    port = urlsplit(org.url).port
    org.instance_url = f"http://localhost:{port}"
    fetch(org, tmp_path, secret_options(org))
    (query,) = org.seen("/query")
    assert query.headers["host"] == f"localhost:{port}"
    assert org.token_requests[0].headers["host"] == f"127.0.0.1:{port}"


# -- JWT bearer --------------------------------------------------------------------------------


def test_the_jwt_bearer_flow_signs_an_rs256_assertion_for_the_user(org, tmp_path, key):
    assert fetch(org, tmp_path, jwt_options(org, tmp_path, key)).num_rows == 1
    (sign_in,) = org.token_requests
    assert sign_in.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assertion = sign_in.form["assertion"]
    assert jwt.get_unverified_header(assertion)["alg"] == "RS256"
    claims = jwt.decode(assertion, key.public_key(), algorithms=["RS256"], audience=org.url)
    assert (claims["iss"], claims["sub"], claims["aud"]) == (org.client_id, org.username, org.url)
    assert time.time() < claims["exp"] <= time.time() + 300


def test_a_user_the_app_is_not_approved_for_names_what_to_check(org, tmp_path, key, sleeps):
    options = jwt_options(org, tmp_path, key, username="someone@else.example")
    with pytest.raises(SourceError) as failure:
        fetch(org, tmp_path, options)
    message = str(failure.value)
    assert message.startswith(
        "Salesforce refused to sign in source 'deals' (invalid_grant: user hasn't approved "
        "this consumer) — check client_id, username and private_key_file"
    )
    assert sleeps == []


def test_a_key_whose_certificate_the_app_does_not_hold_is_refused(org, tmp_path, key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024 * 2)
    options = jwt_options(org, tmp_path, key)
    (tmp_path / "sf.key").write_bytes(pem(other))
    with pytest.raises(SourceError, match=r"\(invalid_grant: invalid assertion\)"):
        fetch(org, tmp_path, options)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot be read"),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "is not a PEM private"),
        ("encrypted", "is protected by a passphrase"),
        ("ec", "is not an RSA key"),
    ],
)
def test_an_unusable_private_key_file_names_the_option_before_any_request(
    org, tmp_path, key, content, problem
):
    options = jwt_options(org, tmp_path, key)
    path = tmp_path / "sf.key"
    if content is None:
        path.unlink()
    elif content == "encrypted":
        path.write_bytes(pem(key, b"passphrase"))
    elif content == "ec":
        path.write_bytes(pem(ec.generate_private_key(ec.SECP256R1())))
    else:
        path.write_bytes(content)
    with pytest.raises(SourceError) as failure:
        fetch(org, tmp_path, options)
    assert str(failure.value).startswith(
        f"source 'deals': the private key file '{path}' (option private_key_file) {problem}"
    )
    assert org.requests == []


@pytest.mark.parametrize(
    ("login_url", "expected"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com/", "https://test.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://acme.my.site.com/partners", "https://acme.my.site.com/partners"),
    ],
)
def test_the_jwt_audience_follows_production_or_sandbox(login_url, expected):
    assert audience(login_url) == expected


# -- which options go together -----------------------------------------------------------------

PLAN = """\
kpiengine: 1
name: t
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals:
    plugin: salesforce
    options: {options}
subjects: {{source: reps, id: rep_id, name: name}}
indicators:
  - {{id: revenue, weight: 100, target: 1, actual: {{source: deals, sum: amount, date: closed_on}}}}
grades: [{{grade: A, min: 0}}]
"""


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ("{client_id: x, instance_url: 'https://a.my.salesforce.com'}", "needs one of: client_"),
        (
            "{client_id: x, client_secret: y, private_key_file: k.pem, username: u}",
            "takes only one of client_secret, private_key_file",
        ),
        ("{client_id: x, client_secret: y}", "missing required key 'instance_url' (needed with"),
        ("{client_id: x, private_key_file: k.pem}", "missing required key 'username' (needed"),
        (
            "{client_id: x, client_secret: y, instance_url: 'acme.my.salesforce.com'}",
            "expected a web address such as https://acme.my.salesforce.com",
        ),
        (
            "{client_id: x, client_secret: y, instance_url: 'https://a.b', owner_key: mail}",
            "one of",
        ),
    ],
)
def test_the_options_schema_says_which_sign_in_options_go_together(tmp_path, options, problem):
    (tmp_path / "reps.csv").write_text("rep_id,name\nR1,A\n", "utf-8")
    (tmp_path / "plan.yaml").write_text(PLAN.format(options=options), "utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "plan.yaml")])
    assert result.exit_code == 1
    assert problem in result.output
