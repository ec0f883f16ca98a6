"""HTML pages of this app (mounted at /netwerk/ in buddynet/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from netwerk import views

app_name = "netwerk"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("deelnemers/<int:participant_id>/", views.participant_maps, name="participant-maps"),
    path("deelnemers/<int:participant_id>/nieuw/", views.map_create, name="map-create"),
    path("deelnemers/<int:participant_id>/wissen/", views.maps_erase, name="maps-erase"),
    path("kaarten/<int:map_id>/", views.map_edit, name="map-edit"),
    path("kaarten/<int:map_id>/verwijderen/", views.map_delete, name="map-delete"),
    path("kaarten/<int:map_id>/beeld.svg", views.map_picture, name="map-picture"),
    path("kaarten/<int:map_id>/verandering/", views.map_change, name="map-change"),
    path("kaarten/<int:map_id>/export.<str:fmt>", views.map_export, name="map-export"),
    path("projecten/<int:project_id>/export.<str:fmt>", views.project_export, name="project-export"),
]
