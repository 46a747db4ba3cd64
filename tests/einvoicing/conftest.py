from tests.api.conftest import api, owner_key  # noqa: F401
from tests.einvoice_fixtures import *  # noqa: F403
from tests.web.conftest import client_owner  # noqa: F401
