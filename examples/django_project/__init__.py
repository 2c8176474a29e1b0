"""A Django project on the library: the library's store beside Django's own database.

From the repository's root::

    python -m django migrate --settings=examples.django_project.settings
    python -m django runserver --settings=examples.django_project.settings
    python -m django test examples.django_project.onboarding --settings=examples.django_project.settings
"""
