from django.urls import path

from donors.payments import views

urlpatterns = [
    path("pledges/<str:reference>/pay/", views.pay, name="card-pay"),
    path(
        "pledges/<str:reference>/pay/development-card/",
        views.confirm_development,
        name="card-confirm-development",
    ),
    path("pledges/<str:reference>/status/", views.status, name="card-status"),
    path("stripe/webhook/", views.webhook, name="stripe-webhook"),
]
