"""Drives a running tresor server with hvac (the Python Vault client) and checks what comes back.

Run by test/compat/hvac.test.ts with VAULT_ADDR and VAULT_TOKEN set; prints one line per step and
exits non-zero on the first failure.
"""
import os
import sys

import hvac
from hvac import exceptions


def step(name):
    print(f"step: {name}", flush=True)


def main():
    client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
    assert client.is_authenticated(), "root token must authenticate"
    assert client.sys.is_initialized()
    assert not client.sys.is_sealed()

    step("kv v2 put/get")
    kv = client.secrets.kv.v2
    kv.create_or_update_secret(path="app/db", secret={"user": "app", "password": "pw-1"}, mount_point="secret")
    read = kv.read_secret_version(path="app/db", mount_point="secret", raise_on_deleted_version=True)
    assert read["data"]["data"] == {"user": "app", "password": "pw-1"}, read
    assert read["data"]["metadata"]["version"] == 1

    step("kv v2 versions")
    kv.create_or_update_secret(path="app/db", secret={"user": "app", "password": "pw-2"}, mount_point="secret", cas=1)
    v1 = kv.read_secret_version(path="app/db", version=1, mount_point="secret", raise_on_deleted_version=True)
    assert v1["data"]["data"]["password"] == "pw-1"
    latest = kv.read_secret_version(path="app/db", mount_point="secret", raise_on_deleted_version=True)
    assert latest["data"]["data"]["password"] == "pw-2"
    meta = kv.read_secret_metadata(path="app/db", mount_point="secret")
    assert meta["data"]["current_version"] == 2
    assert sorted(meta["data"]["versions"].keys()) == ["1", "2"]
    try:
        kv.create_or_update_secret(path="app/db", secret={"x": "y"}, mount_point="secret", cas=1)
        raise AssertionError("a stale cas must be refused")
    except exceptions.InvalidRequest as err:
        assert "check-and-set" in str(err)

    step("kv v2 list (hvac sends the LIST method)")
    kv.create_or_update_secret(path="app/api", secret={"k": "v"}, mount_point="secret")
    listed = kv.list_secrets(path="app", mount_point="secret")
    assert sorted(listed["data"]["keys"]) == ["api", "db"], listed
    top = kv.list_secrets(path="", mount_point="secret")
    assert top["data"]["keys"] == ["app/"], top

    step("kv v2 delete and undelete")
    kv.delete_latest_version_of_secret(path="app/db", mount_point="secret")
    deleted = kv.read_secret_version(path="app/db", mount_point="secret", raise_on_deleted_version=False)
    assert deleted["data"]["data"] is None
    kv.undelete_secret_versions(path="app/db", versions=[2], mount_point="secret")
    assert kv.read_secret_version(path="app/db", mount_point="secret", raise_on_deleted_version=True)["data"]["data"]["password"] == "pw-2"

    step("policies")
    client.sys.create_or_update_policy(name="app-read", policy='path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n')
    assert "app-read" in client.sys.list_policies()["data"]["policies"]
    assert 'secret/data/app/*' in client.sys.read_policy(name="app-read")["data"]["rules"]

    step("token create/lookup/revoke")
    created = client.auth.token.create(policies=["app-read"], ttl="1h", meta={"team": "billing"})
    token = created["auth"]["client_token"]
    assert created["auth"]["policies"] == ["app-read", "default"], created["auth"]
    looked = client.auth.token.lookup(token)
    assert looked["data"]["policies"] == ["app-read", "default"]
    assert looked["data"]["meta"] == {"team": "billing"}
    assert 3500 < looked["data"]["ttl"] <= 3600

    app = hvac.Client(url=os.environ["VAULT_ADDR"], token=token)
    assert app.is_authenticated()
    assert app.secrets.kv.v2.read_secret_version(path="app/db", mount_point="secret", raise_on_deleted_version=True)["data"]["data"]["user"] == "app"
    try:
        app.secrets.kv.v2.create_or_update_secret(path="app/db", secret={"x": "y"}, mount_point="secret")
        raise AssertionError("a read-only token must not write")
    except exceptions.Forbidden:
        pass

    client.auth.token.revoke(token)
    assert not app.is_authenticated()
    try:
        client.auth.token.lookup(token)
        raise AssertionError("a revoked token must not look up")
    except exceptions.Forbidden:
        pass

    step("policy delete")
    client.sys.delete_policy(name="app-read")
    assert "app-read" not in client.sys.list_policies()["data"]["policies"]
    print("hvac compat: all steps passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # report and fail
        print(f"FAILED: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        sys.exit(1)
