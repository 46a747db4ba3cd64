from django.urls import include, path

from facturo.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("facturo.web.urls")),
]
