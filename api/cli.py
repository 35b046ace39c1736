"""The `kindly` command: serve, rewrite, bootstrap, teams and keys."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from api.config import REPO_ROOT, ConfigError
from api.types import CHANNELS, ROLES


def _create_app() -> Flask:
    from api import create_app

    try:
        return create_app()
    except ConfigError as err:  # a bad setting: say which, without a traceback
        raise click.ClickException(str(err)) from None


def _redis_place() -> str:
    """Where the app's Redis is, without any password in its URL."""
    url = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return f"{url.hostname or 'localhost'}:{url.port or 6379}"


class _Group(FlaskGroup):
    """The `kindly` group: an unreachable Redis is one clear line and exit status 1."""

    def invoke(self, ctx: click.Context) -> object:
        from api.store.connection import OUTAGE_ERRORS, RedisUnavailable

        try:
            return super().invoke(ctx)
        except (*OUTAGE_ERRORS, RedisUnavailable) as err:
            raise click.ClickException(
                f"Redis at {_redis_place()} is unreachable ({type(err).__name__}). "
                "Start it, or set REDIS_URL to a running server."
            ) from None


@click.group(cls=_Group, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """Kindly: soften support replies, keep every fact."""


def init_app(app: Flask) -> None:
    """Also attach the commands to `app.cli`, so `app.test_cli_runner()` can invoke them."""
    for name, command in main.commands.items():
        app.cli.add_command(command, name)


@main.command("serve")
@click.option(
    "--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1"
)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "8000")),
    show_default="$PORT or 8000",
)
@click.option(
    "--workers",
    type=int,
    default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")),
    show_default="$WEB_CONCURRENCY or 2",
)
@click.option(
    "--threads",
    type=int,
    default=lambda: int(os.environ.get("KINDLY_THREADS", "16")),
    show_default="$KINDLY_THREADS or 16",
)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the API with gunicorn (gthread workers)."""
    from api.server import run_gunicorn

    run_gunicorn(host=host, port=port, workers=workers, threads=threads)


@main.command("rewrite")
@click.argument("draft")
@click.option("--customer-name", default=None)
@click.option("--agent-name", default=None)
@click.option("--customer-message", default=None, help="The customer's last message.")
@click.option("--preset", default="warm", show_default=True)
@click.option("--channel", type=click.Choice(CHANNELS), default=None)
@click.option("--as-json", "as_json", is_flag=True, help="Print the full result as JSON.")
@with_appcontext
def rewrite_cmd(
    draft: str,
    customer_name: str | None,
    agent_name: str | None,
    customer_message: str | None,
    preset: str,
    channel: str | None,
    as_json: bool,
) -> None:
    """Soften DRAFT with the offline engine and print it (no server, no Redis needed)."""
    from api.rewrite.local import rewrite_locally

    try:
        result = rewrite_locally(
            draft,
            customer_name=customer_name,
            agent_name=agent_name,
            customer_message=customer_message,
            preset_slug=preset,
            channel=channel,
            prompts_dir=current_app.config["KINDLY_PROMPTS_DIR"],
        )
    except LookupError as err:
        raise click.UsageError(str(err)) from err
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    click.echo(result["rewrite"])
    notes = [f"- {c}" for c in result["changes"]] + [f"! {w}" for w in result["warnings"]]
    status = "kept" if result["checks"]["passed"] else "CHANGED"
    click.echo(f"\n[facts {status}: {len(result['checks']['facts'])}]", err=True)
    if notes:
        click.echo("\n".join(notes), err=True)


@main.command("bootstrap")
@click.option(
    "--key-file",
    type=click.Path(path_type=Path),
    default=REPO_ROOT / "var" / "api-key",
    show_default=True,
)
@with_appcontext
def bootstrap(key_file: Path) -> None:
    """Create the default team and a local admin key (first start); print how to use it."""
    from api.services import app_services, ensure_team

    svc = app_services()
    team = current_app.config["KINDLY_DEFAULT_TEAM"]
    if ensure_team(svc, team, "Default team"):
        click.echo(f"Created team '{team}'.")
    key = key_file.read_text().strip() if key_file.exists() else ""
    if not key or svc.teams.verify(key, None, team) is None:
        _, key = svc.teams.create_key(team, role="admin", label="local admin (make run)")
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        click.echo(f"Created an admin API key (saved to {key_file}, readable only by you).")
    click.echo(key)


@main.group("teams")
def teams_group() -> None:
    """Manage teams."""


@teams_group.command("create")
@click.argument("name")
@click.option("--id", "team_id", default=None, help="Team id (default: made from NAME).")
@with_appcontext
def teams_create(name: str, team_id: str | None) -> None:
    """Create a team with the default presets; prints its id alone on the last line."""
    from api.services import app_services

    svc = app_services()
    try:
        team = svc.teams.create_team(name, team_id=team_id)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    svc.presets.seed(team)
    click.echo(f"Created team '{name}' with the default presets. Its id:")
    click.echo(team)


@teams_group.command("list")
@with_appcontext
def teams_list() -> None:
    """List teams."""
    from api.services import app_services

    for info in app_services().teams.list_teams():
        click.echo(f"{info['id']}\t{info['name']}")


@teams_group.command("limits")
@click.argument("team")
@click.option("--key-per-min", type=int, default=None, help="Requests per minute per key.")
@click.option("--team-per-min", type=int, default=None, help="Requests per minute, whole team.")
@click.option("--tokens-key-per-day", type=int, default=None, help="Tokens per day per key.")
@click.option("--tokens-team-per-day", type=int, default=None, help="Tokens per day, whole team.")
@click.option("--reset", "reset", multiple=True, help="Back to the default (a limit's name).")
@with_appcontext
def teams_limits(team: str, reset: tuple[str, ...], **limits: int | None) -> None:
    """Show or override TEAM's limits (0 = no limit); others use the KINDLY_RATE_* defaults."""
    from api.services import app_services
    from api.store.rate_limit import get_limiter

    if not app_services().teams.team_exists(team):
        raise click.UsageError(f"no team {team!r}")
    changes: dict[str, int | None] = {k: v for k, v in limits.items() if v is not None}
    changes.update({name.replace("-", "_"): None for name in reset})
    try:
        if changes:
            app_services().teams.set_limits(team, changes)
    except (LookupError, ValueError) as err:
        raise click.UsageError(str(err)) from err
    limiter = get_limiter()
    own = app_services().teams.team_limits(team)
    for name in limiter.defaults:
        source = "team" if name in own else "default"
        click.echo(f"{name}\t{limiter.limit_for(team, name)}\t({source})")


@main.group("keys")
def keys_group() -> None:
    """Manage API keys (stored only as hashes)."""


@keys_group.command("create")
@click.option("--team", required=True)
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="agent",
    show_default=True,
)
@click.option("--label", default="")
@with_appcontext
def keys_create(team: str, role: str, label: str) -> None:
    """Create a key; prints it once, alone on the last line."""
    from api.services import app_services

    try:
        record, secret = app_services().teams.create_key(team, role=role, label=label)
    except (LookupError, ValueError) as err:
        raise click.UsageError(str(err)) from err
    click.echo(f"Created {role} key {record['id']} for team '{team}'. It is shown only once:")
    click.echo(secret)


@keys_group.command("list")
@click.option("--team", required=True)
@with_appcontext
def keys_list(team: str) -> None:
    """List a team's keys: id, role, label, created and last used (never the secrets)."""
    from api.services import app_services

    svc = app_services()
    if not svc.teams.team_exists(team):
        raise click.UsageError(f"no team {team!r}")
    rows = [("ID", "ROLE", "LABEL", "CREATED", "LAST USED")]
    for rec in svc.teams.list_keys(team):
        rows.append(
            (
                rec["id"],
                rec["role"],
                rec["label"] or "-",
                _utc(rec["created"]),
                _utc(rec["last_used"]) if rec["last_used"] else "never",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _utc(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))


@keys_group.command("revoke")
@click.argument("key_id")
@with_appcontext
def keys_revoke(key_id: str) -> None:
    """Revoke a key by id; it stops working at once."""
    from api.services import app_services

    if not app_services().teams.revoke_key(key_id):
        click.echo(f"No key with id {key_id}.", err=True)
        sys.exit(1)
    click.echo(f"Revoked key {key_id}.")
