from django.urls import path

from reports import views_dashboard

urlpatterns = [
    path("reports/<str:code>/dashboard/", views_dashboard.fund_dashboard, name="fund-dashboard"),
]
