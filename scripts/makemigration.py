"""Autogenerate an Alembic revision for one service.

Usage: ``python scripts/makemigration.py assignment -m "add lots"``. The
current head is applied to a scratch SQLite database, then autogenerate
compares it with the service's models and writes the new revision.
"""

from __future__ import annotations

import argparse
import importlib
import tempfile

from alembic import command
from alembic.config import Config

from runtime import db
from runtime.config import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service")
    parser.add_argument("-m", "--message", required=True)
    args = parser.parse_args()
    app = importlib.import_module(f"services.{args.service}.app").APP
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(service=app.name, database_url=f"sqlite:///{tmp}/scratch.db")
        engine = db.create_engine_for(settings)
        db.migrate(engine, settings.db_schema, app.migrations, app.metadata)
        cfg = Config()
        cfg.set_main_option("script_location", str(app.migrations))
        with engine.connect() as conn:
            cfg.attributes.update(connection=conn, metadata=app.metadata, schema=app.name)
            command.revision(cfg, message=args.message, autogenerate=True)


if __name__ == "__main__":
    main()
