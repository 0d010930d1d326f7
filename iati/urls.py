from django.urls import path

from iati import views

urlpatterns = [
    # Stable public addresses, for the IATI Registry.
    path("iati/<str:code>/activities.xml", views.activities_file, name="iati-activities"),
    path("iati/<str:code>/organisation.xml", views.organisation_file, name="iati-organisation"),
    path("finance/<str:code>/iati/", views.publisher_page, name="iati-publisher"),
    path("finance/<str:code>/iati/generate/", views.generate, name="iati-generate"),
]
