import sys

from runtime.server import main
from services.surveys.app import APP

sys.exit(main(APP))
