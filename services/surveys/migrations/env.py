from alembic import context

from runtime.db import run_env

run_env(context)  # type: ignore[arg-type]  # alembic's module proxies EnvironmentContext
