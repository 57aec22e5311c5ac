import sys

from runtime.server import main
from services.scoring.app import APP

sys.exit(main(APP))
