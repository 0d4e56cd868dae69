from django.urls import path

from workflows.programmes.venture import views

# Under venture/ (workflows.urls). viewflow's site serves VentureFlow's own pages at venture/ too (index, inbox,
# queue, archive, <process id>/...), so every page here lives under venture/rounds/.
urlpatterns = [
    path("rounds/", views.round_list, name="venture_rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="venture_round"),
    path("rounds/<int:pk>/draw/", views.round_draw, name="venture_round_draw"),
    path("rounds/<int:pk>/replace/", views.round_replace, name="venture_round_replace"),
    path("rounds/<int:pk>/seat/", views.round_seat, name="venture_round_seat"),
    path("rounds/<int:pk>/close/", views.round_close, name="venture_round_close"),
    path("rounds/<int:pk>/projects/<int:project_pk>/score/", views.score_entry, name="venture_score"),
]
