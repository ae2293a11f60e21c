"""Flask CLI command groups for operators: `flask images ...`, `flask demo ...`."""

import sys
from pathlib import Path
from typing import BinaryIO

import click
from flask import Flask
from flask.cli import AppGroup

from catalog import accounts_cli, importer

images_cli = AppGroup("images", help="Import, export and share images.")
demo_cli = AppGroup("demo", help="Load the demo catalog.")


@images_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--skip-invalid", is_flag=True, help="Write the valid records and report the invalid ones.")
@click.option(
    "--provider",
    "provider_id",
    type=click.IntRange(min=1),
    help="Provider id for API v2 versions, which name none. "
    "Default: a provider named after the host in each image's url.",
)
def import_command(file: BinaryIO, skip_invalid: bool, provider_id: int | None) -> None:
    """Import images from FILE (or - for standard input).

    FILE contains a `/images` collection, a list of images, one image, or an
    Atmosphere API v2 response. Every record is validated before anything
    is written; one invalid record stops the import unless --skip-invalid.
    """
    # Validation and writing each read the file once, so standard input is copied first.
    source = file if file.seekable() else importer.spool(file)
    try:
        total = importer.count_records(source)
        with click.progressbar(
            length=total, label="Importing", file=sys.stderr
        ) if sys.stderr.isatty() else _NoProgress() as bar:
            summary = importer.import_images(
                source, skip_invalid=skip_invalid, provider_id=provider_id, progress=bar.update
            )
    except importer.ImportFailed as error:
        raise click.ClickException(f"cannot import {file.name}: {error}") from None

    for line in summary.errors:
        click.echo(line, err=True)
    if summary.errors and not skip_invalid:
        raise click.ClickException(
            f"{summary.skipped} of {total} records are invalid; nothing was written. "
            "Fix them, or pass --skip-invalid to import the valid ones."
        )
    click.echo(
        f"Imported {total} records: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.skipped} skipped (invalid)."
    )
    for provider, count in sorted(summary.v2_providers.items()):
        click.echo(
            f"Versions of {count} API v2 images were recorded on provider {provider}, "
            "starting at each image's start_date (a v2 image list gives neither)."
        )


class _NoProgress:
    """A stand-in for click's progress bar when standard error is not a terminal."""

    def __enter__(self) -> "_NoProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, steps: int) -> None:
        return None


@images_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--public-only", is_flag=True, help="Leave out private images.")
def export_command(file: str, public_only: bool) -> None:
    """Export every image, private and ended ones included, to FILE (or - for standard output)."""
    if file == "-":
        count = importer.export_images(sys.stdout, public_only=public_only)
    else:
        with Path(file).open("w", encoding="utf-8") as target:
            count = importer.export_images(target, public_only=public_only)
    click.echo(f"Exported {count} images to {file}.", err=file == "-")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalog already has images.")
def demo_load_command(if_empty: bool) -> None:
    """Load the demo catalog (idempotent: images already there are left as they are)."""
    from catalog import demo

    result = demo.load(if_empty=if_empty)
    click.echo(result)


def init_app(app: Flask) -> None:
    """Register the command groups on `app`."""
    app.cli.add_command(images_cli)
    app.cli.add_command(demo_cli)
    accounts_cli.init_app(app, images_cli)
