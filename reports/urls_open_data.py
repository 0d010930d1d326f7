from django.urls import path

from reports import views_open_data

urlpatterns = [
    path(
        "funds/<str:code>/contributions/",
        views_open_data.contributions_page,
        name="open-contributions",
    ),
    path(
        "funds/<str:code>/contributions/<slug:table>.<slug:kind>",
        views_open_data.contributions_file,
        name="open-contributions-file",
    ),
]
