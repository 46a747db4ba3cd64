from tests.einvoice_fixtures import *  # noqa: F403
