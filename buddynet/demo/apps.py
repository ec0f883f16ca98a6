from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Holds the `demo` management command (buddynet/demo/data.py); no models."""

    name = "buddynet.demo"
    label = "demo"
