import sys

from runtime.server import main
from services.assignment.app import APP

sys.exit(main(APP))
