from django.urls import path

from peolc.finding import views

app_name = "finding"

urlpatterns = [
    path("", views.candidates, name="candidates"),
    path("candidates/<uuid:candidate_id>/add/", views.add_candidate, name="add-candidate"),
    path("candidates/<uuid:candidate_id>/review/", views.review_candidate, name="review-candidate"),
    path("population/", views.population, name="population"),
    path("model/", views.model_performance, name="model"),
]
